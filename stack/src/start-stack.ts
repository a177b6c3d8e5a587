import { buildAuditSubgraph } from "@taruvi/audit";
import { type KeyStore, loadKeyStore } from "@taruvi/auth";
import { createPool, type Pool } from "@taruvi/db";
import {
  buildGateway,
  type Gateway,
  loadGatewayEnv,
  optionsFromEnv,
  type SubgraphName,
} from "@taruvi/gateway";
import { buildIdentitySubgraph } from "@taruvi/identity";
import type { Logger } from "@taruvi/logging";
import { buildOrganizationsSubgraph } from "@taruvi/organizations";
import { buildSitesSubgraph } from "@taruvi/sites";
import { createSubgraphDeps, type Subgraph, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createTenantChangeBus } from "@taruvi/tenancy";
import { Redis } from "ioredis";

const BUILDERS: Record<SubgraphName, (deps: SubgraphDeps) => Promise<Subgraph>> = {
  identity: buildIdentitySubgraph,
  organizations: buildOrganizationsSubgraph,
  sites: buildSitesSubgraph,
  audit: buildAuditSubgraph,
};

export type StackOptions = {
  databaseUrl: string;
  redisUrl?: string | undefined;
  dataDir: string;
  logger: Logger;
  host?: string;
  /** 0 picks free ports (tests). */
  gatewayPort?: number;
  subgraphPorts?: Partial<Record<SubgraphName, number>>;
  /** Extra gateway environment (limits, secrets), as strings like process.env. */
  gatewayEnv?: Record<string, string>;
  internalContextSecret?: string;
};

export type Stack = {
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  pool: Pool;
  keyStore: KeyStore;
  /** Stops one subgraph (tests of a subgraph outage) and starts it again on the same port. */
  stopSubgraph: (name: SubgraphName) => Promise<void>;
  startSubgraph: (name: SubgraphName) => Promise<void>;
  /** Announces a site change (status, slug, domain) to every gateway's tenant cache. */
  tenantChanged: (key: string) => Promise<void>;
  close: () => Promise<void>;
};

const DEFAULT_PORTS: Record<SubgraphName, number> = {
  identity: 4001,
  organizations: 4002,
  sites: 4003,
  audit: 4004,
};

/** The gateway and the four subgraphs in one process, sharing one pool. */
export const startStack = async (options: StackOptions): Promise<Stack> => {
  const host = options.host ?? "127.0.0.1";
  const secret =
    options.internalContextSecret ?? "taruvi-development-internal-context-secret-do-not-use-in-production";
  const pool = createPool({
    url: options.databaseUrl,
    max: 12,
    applicationName: "taruvi-stack",
    onError: (error) => options.logger.warn({ err: error }, "idle connection error"),
  });
  const running = {} as Record<SubgraphName, Subgraph>;
  const deps = {} as Record<SubgraphName, SubgraphDeps & { close: () => Promise<void> }>;
  const urls = {} as Record<SubgraphName, string>;
  const ports = {} as Record<SubgraphName, number>;

  const startSubgraph = async (name: SubgraphName) => {
    deps[name] ??= createSubgraphDeps({
      pool,
      logger: options.logger.child({ service: name }),
      internalContextSecret: secret,
    });
    running[name] = await BUILDERS[name](deps[name]);
    const port = ports[name] ?? options.subgraphPorts?.[name] ?? DEFAULT_PORTS[name];
    urls[name] = await running[name].listen(port, host);
    ports[name] = Number(new URL(urls[name]).port);
  };
  for (const name of Object.keys(BUILDERS) as SubgraphName[]) await startSubgraph(name);

  const env = loadGatewayEnv({
    NODE_ENV: "development",
    INTERNAL_CONTEXT_SECRET: secret,
    SUBGRAPH_IDENTITY_URL: urls.identity,
    SUBGRAPH_ORGANIZATIONS_URL: urls.organizations,
    SUBGRAPH_SITES_URL: urls.sites,
    SUBGRAPH_AUDIT_URL: urls.audit,
    DATA_DIR: options.dataDir,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.gatewayEnv,
  });
  const redis = env.REDIS_URL ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 }) : null;
  const bus = createTenantChangeBus({ redisUrl: env.REDIS_URL });
  const keyStore = await loadKeyStore({
    signingKeys: env.SIGNING_KEYS,
    dataDir: env.DATA_DIR,
    production: false,
  });
  const gateway: Gateway = await buildGateway(
    optionsFromEnv(env, { pool, redis, bus, keyStore, logger: options.logger.child({ service: "gateway" }) }),
  );
  const gatewayUrl = await gateway.listen(options.gatewayPort ?? 4000, host);

  return {
    gatewayUrl,
    subgraphUrls: urls,
    pool,
    keyStore,
    stopSubgraph: (name) => running[name].close(),
    startSubgraph,
    tenantChanged: (key) => bus.publish(key),
    close: async () => {
      await gateway.close();
      for (const name of Object.keys(running) as SubgraphName[]) {
        await running[name].close().catch(() => undefined);
        await deps[name].close();
      }
      await bus.close();
      redis?.disconnect();
      await pool.end();
    },
  };
};
