import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type KeyStore, loadKeyStore } from "@taruvi/auth";
import { GATEWAY_METRICS_PORT, metricsPort, parseEnv, poolTimeoutsEnvShape, string } from "@taruvi/config";
import { createPool, type Pool } from "@taruvi/db";
import { loadGatewayEnv, start as startGateway } from "@taruvi/gateway";
import type { ScheduledJobs } from "@taruvi/jobs";
import type { Logger } from "@taruvi/logging";
import { createMetrics } from "@taruvi/metrics";
import { SERVICES } from "@taruvi/registry";
import { type SharedResources, startMetricsServer } from "@taruvi/runtime";
import { loadServiceEnv, type RunningService, startService } from "@taruvi/subgraph-kit";
import { createTenantChangeBus } from "@taruvi/tenancy";
import { loadWorkerEnv, start as startWorker } from "@taruvi/worker";
import { type AnyService, loadServices } from "./services";

export type SubgraphName = string;

export type StackOptions = {
  /**
   * The variables of every deployable, as process.env holds them for `npm start` (DATABASE_URL
   * required; DATA_DIR, REDIS_URL, limits, …). Each app reads what it knows, with its own
   * defaults (its env.ts); PORT is set per app by the stack.
   */
  env: Record<string, string | undefined>;
  logger: Logger;
  /**
   * Free ports for the gateway, every subgraph and the metrics endpoint (tests); default: each
   * app's own (4000, 4001…) and METRICS_PORT (9464) for the one endpoint of every app.
   */
  freePorts?: boolean;
  /** Run the job worker in this process too (email delivery, scheduled clean-ups); default true. */
  worker?: boolean;
  /**
   * Definitions started after the registered ones, as they are (tests of the kit: a service
   * defined in the test). Not composed into the gateway's supergraph: reach them directly.
   */
  extraServices?: readonly AnyService[];
};

export type Stack = {
  gatewayUrl: string;
  /** Prometheus text of every app (each series labelled `app`); null with METRICS_PORT=off. */
  metricsUrl: string | null;
  /** Each subgraph's URL (the core four always; product services by name). */
  subgraphUrls: Record<"identity" | "organizations" | "sites" | "audit", string> &
    Record<SubgraphName, string>;
  pool: Pool;
  keyStore: KeyStore;
  /** Where development email lands (.eml files), when the worker runs without SMTP. */
  mailDir: string;
  /** Stops one subgraph (tests of a subgraph outage) and starts it again on the same port. */
  stopSubgraph: (name: SubgraphName) => Promise<void>;
  startSubgraph: (name: SubgraphName) => Promise<void>;
  /** The scheduled clean-ups (null without the worker); `runNow("sites.purge")` runs one at once. */
  scheduledJobs: ScheduledJobs | null;
  /** Announces a site change (status, slug, domain) to every gateway's tenant cache. */
  tenantChanged: (key: string) => Promise<void>;
  /** The secret the gateway signs subgraph contexts with (tests sign their own with it). */
  internalContextSecret: string;
  close: () => Promise<void>;
};

/**
 * `npm start` and the end-to-end tests: every registered subgraph (services/registry.json), the
 * gateway and the worker in one process, each started by its own start function on one pool,
 * logger and tenant-change bus.
 */
export const startStack = async (options: StackOptions): Promise<Stack> => {
  const databaseUrl = options.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("startStack: env.DATABASE_URL is required");
  // INTERNAL_CONTEXT_SECRET when given; otherwise a random one for this run, never a constant
  // from the source: the gateway and subgraphs of this process share it and nothing else knows it.
  const secret = options.env.INTERNAL_CONTEXT_SECRET || randomBytes(32).toString("base64url");
  const env: Record<string, string | undefined> = { ...options.env, INTERNAL_CONTEXT_SECRET: secret };
  const timeouts = parseEnv(poolTimeoutsEnvShape, env);
  const served = parseEnv(
    { HOST: string("127.0.0.1"), METRICS_PORT: metricsPort(GATEWAY_METRICS_PORT) },
    env,
  );
  const pool = createPool({
    url: databaseUrl,
    max: 12,
    connectTimeoutMillis: timeouts.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMillis: timeouts.DB_STATEMENT_TIMEOUT_MS,
    applicationName: "taruvi-stack",
    onError: (error) => options.logger.warn({ err: error }, "idle connection error"),
  });
  // One registry for every app of the process: each labels its series with its name; what the
  // process shares (its pool, process metrics) is labelled `stack`.
  const metrics = createMetrics("stack");
  metrics.forApp("stack").observePool(pool);
  const metricsServer = await startMetricsServer(
    metrics,
    {
      HOST: served.HOST,
      METRICS_PORT: options.freePorts && served.METRICS_PORT !== null ? 0 : served.METRICS_PORT,
    },
    options.logger,
  );
  const shared: SharedResources = {
    databaseUrl,
    pool,
    logger: options.logger,
    bus: createTenantChangeBus({ redisUrl: env.REDIS_URL, logger: options.logger }),
    metrics,
  };
  const keyStore = await loadKeyStore({
    signingKeys: env.SIGNING_KEYS,
    dataDir: env.DATA_DIR || ".data",
    production: false,
  });

  const services = [...(await loadServices()), ...(options.extraServices ?? [])];
  const names = services.map((service) => service.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new Error(`startStack: two services are named ${twice}`);
  const running = new Map<SubgraphName, RunningService>();
  const urls = {} as Stack["subgraphUrls"];
  const ports = new Map<SubgraphName, number>();
  const startSubgraph = async (name: SubgraphName) => {
    const definition = services.find((service) => service.name === name);
    if (!definition) throw new Error(`no subgraph named ${name}`);
    const port = ports.get(name) ?? (options.freePorts ? 0 : definition.port);
    // The URLs of the subgraphs already running (sites' systemStatus probes them, free ports too).
    const known = Object.fromEntries(
      SERVICES.filter((s) => urls[s.name]).map((s) => [s.urlVariable, urls[s.name]]),
    );
    const service = await startService(
      definition,
      loadServiceEnv(definition, { ...env, ...known, PORT: String(port) }),
      shared,
    );
    running.set(name, service);
    urls[name] = service.url;
    ports.set(name, Number(new URL(service.url).port));
  };
  // Sites last: its systemStatus then knows where every other subgraph listens.
  const order = [
    ...services.filter((s) => s.name !== "sites"),
    ...services.filter((s) => s.name === "sites"),
  ];
  for (const service of order) await startSubgraph(service.name);

  const gateway = await startGateway(
    loadGatewayEnv({
      ...env,
      ...Object.fromEntries(SERVICES.map((service) => [service.urlVariable, urls[service.name]])),
      ...(options.freePorts ? { PORT: "0" } : {}),
    }),
    shared,
  );
  const worker = options.worker === false ? null : await startWorker(loadWorkerEnv(env), shared);

  return {
    gatewayUrl: gateway.url,
    metricsUrl: metricsServer?.url ?? null,
    internalContextSecret: secret,
    subgraphUrls: urls,
    pool,
    keyStore,
    mailDir: worker?.mailDir ?? join(env.DATA_DIR || ".data", "mail"),
    scheduledJobs: worker?.scheduled ?? null,
    stopSubgraph: async (name) => {
      const service = running.get(name);
      running.delete(name);
      await service?.close();
    },
    startSubgraph,
    tenantChanged: (key) => shared.bus.publish(key),
    close: async () => {
      await gateway.close();
      for (const service of running.values()) await service.close().catch(() => undefined);
      await worker?.close();
      await shared.bus.close();
      await metricsServer?.close();
      await pool.end();
    },
  };
};
