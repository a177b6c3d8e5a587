import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { buildAuditSubgraph } from "@taruvi/audit";
import { createRevocationList, type KeyStore, loadKeyStore } from "@taruvi/auth";
import { createPlatformClient, createPool, type Pool } from "@taruvi/db";
import {
  buildGateway,
  type Gateway,
  loadGatewayEnv,
  optionsFromEnv,
  type SubgraphName,
} from "@taruvi/gateway";
import { buildIdentitySubgraph, createIdentityServices, type IdentityServiceOptions } from "@taruvi/identity";
import {
  createEmailWorker,
  createScheduledJobs,
  type EmailWorker,
  type RetryPolicy,
  type ScheduledJobs,
} from "@taruvi/jobs";
import type { Logger } from "@taruvi/logging";
import { buildOrganizationsSubgraph, createOrganizationsServices } from "@taruvi/organizations";
import { buildSitesSubgraph, createSitesServices } from "@taruvi/sites";
import { createSubgraphDeps, type Subgraph, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createTenantChangeBus, maintenanceJobs } from "@taruvi/tenancy";
import { Redis } from "ioredis";

type Builder = (deps: SubgraphDeps) => Promise<Subgraph>;

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
  /**
   * Sites settings: retention, FREE sites per account; custom-domain verification (default off,
   * as `npm start` runs it: domains are VERIFIED at once), the resolvers of its TXT lookups and
   * the life of a PENDING claim.
   */
  sites?: {
    retentionDays?: number;
    maxFreeSitesPerAccount?: number;
    domainVerification?: boolean;
    dnsServers?: readonly string[];
    domainPendingDays?: number;
  };
  /** Organizations settings (organizations per account) for tests. */
  organizations?: { maxOrganizationsPerAccount?: number };
  /** Identity settings (sign-up, sign-in limits, …) for tests. */
  identity?: Partial<
    Omit<IdentityServiceOptions, "databaseUrl" | "redisUrl" | "dataDir" | "production" | "successorSecret">
  >;
  /**
   * Run the job worker in this process too: email delivery and the scheduled clean-ups
   * (`sites.purge` with `sites.retentionDays`, `invitations.expire`, `domains.verify` with the
   * sites' domain settings); default true.
   */
  worker?: boolean;
  /** Where the worker writes emails as .eml files without SMTP; default `<dataDir>/mail`. */
  mailDir?: string;
  /** Send email through this SMTP server instead. */
  smtpUrl?: string | undefined;
  /** How often the idle worker polls for jobs (default 2 s; tests use 0.5). */
  workerPollingIntervalSeconds?: number;
  /** Retries of a failed email (default: the worker's). */
  emailRetry?: RetryPolicy;
};

export type Stack = {
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
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

const DEFAULT_PORTS: Record<SubgraphName, number> = {
  identity: 4001,
  organizations: 4002,
  sites: 4003,
  audit: 4004,
};

/** The gateway and the four subgraphs in one process, sharing one pool. */
export const startStack = async (options: StackOptions): Promise<Stack> => {
  const host = options.host ?? "127.0.0.1";
  // INTERNAL_CONTEXT_SECRET when given; otherwise a random one for this run, never a constant
  // from the source: the gateway and subgraphs of this process share it and nothing else knows it.
  const secret = options.internalContextSecret ?? randomBytes(32).toString("base64url");
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

  const identityServices = await createIdentityServices({
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    dataDir: options.dataDir,
    production: false,
    successorSecret: secret,
    ...options.identity,
  });
  const mailDir = options.mailDir ?? join(options.dataDir, "mail");
  const worker: EmailWorker | null =
    options.worker === false
      ? null
      : await createEmailWorker({
          databaseUrl: options.databaseUrl,
          smtpUrl: options.smtpUrl,
          mailDir,
          logger: options.logger.child({ service: "worker" }),
          ...(options.workerPollingIntervalSeconds
            ? { pollingIntervalSeconds: options.workerPollingIntervalSeconds }
            : {}),
          ...(options.emailRetry ? { retry: options.emailRetry } : {}),
        });
  const organizationsServices = await createOrganizationsServices({
    databaseUrl: options.databaseUrl,
    ...options.organizations,
  });
  const sitesServices = createSitesServices({
    pool,
    redisUrl: options.redisUrl,
    baseDomain: options.gatewayEnv?.BASE_DOMAIN ?? "localhost",
    ...options.sites,
    domainVerification: options.sites?.domainVerification ?? false,
  });
  const BUILDERS: Record<SubgraphName, Builder> = {
    identity: (deps) => buildIdentitySubgraph(deps, identityServices),
    organizations: (deps) => buildOrganizationsSubgraph(deps, organizationsServices),
    sites: (deps) => buildSitesSubgraph(deps, sitesServices),
    audit: buildAuditSubgraph,
  };

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
  const revocations = createRevocationList({ redisUrl: env.REDIS_URL });
  await revocations.ready;
  const gateway: Gateway = await buildGateway(
    optionsFromEnv(env, {
      pool,
      redis,
      bus,
      keyStore,
      revocations,
      logger: options.logger.child({ service: "gateway" }),
    }),
  );
  const gatewayUrl = await gateway.listen(options.gatewayPort ?? 4000, host);
  const jobsPlatform = options.worker === false ? null : createPlatformClient(pool);
  const scheduledJobs = jobsPlatform
    ? await createScheduledJobs({
        databaseUrl: options.databaseUrl,
        logger: options.logger.child({ service: "worker" }),
        ...(options.workerPollingIntervalSeconds
          ? { pollingIntervalSeconds: options.workerPollingIntervalSeconds }
          : {}),
        jobs: maintenanceJobs({
          pool,
          platform: jobsPlatform,
          retentionDays: sitesServices.retentionDays,
          domainChecker: sitesServices.domainChecker,
          bus,
        }),
      })
    : null;

  return {
    gatewayUrl,
    internalContextSecret: secret,
    subgraphUrls: urls,
    pool,
    keyStore,
    mailDir,
    scheduledJobs,
    stopSubgraph: (name) => running[name].close(),
    startSubgraph,
    tenantChanged: (key) => bus.publish(key),
    close: async () => {
      await gateway.close();
      for (const name of Object.keys(running) as SubgraphName[]) {
        await running[name].close().catch(() => undefined);
        await deps[name].close();
      }
      await identityServices.close();
      await organizationsServices.close();
      await sitesServices.close();
      await worker?.close();
      await scheduledJobs?.close();
      await jobsPlatform?.$disconnect();
      await revocations.close();
      await bus.close();
      redis?.disconnect();
      await pool.end();
    },
  };
};
