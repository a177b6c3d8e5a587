import { isIP } from "node:net";
import { z } from "zod";

/** Environment variables set to "" count as unset, as in most shells and compose files. */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

export const string = (fallback?: string) =>
  z.preprocess(unsetIfEmpty, fallback === undefined ? z.string() : z.string().default(fallback));

export const optionalString = () => z.preprocess(unsetIfEmpty, z.string().optional());

export const url = () => z.preprocess(unsetIfEmpty, z.url().optional());

export const int = (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));

export const number = (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().min(min).max(max).default(fallback));

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

export const bool = (fallback: boolean) =>
  z.preprocess((value) => {
    const v = unsetIfEmpty(value);
    if (typeof v !== "string") return v;
    const lower = v.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    return v;
  }, z.boolean().default(fallback));

/** `ip`, `ip:port` or `[ipv6]:port` as node:dns `setServers` takes it; null when malformed. */
const dnsServer = (entry: string): string | null => {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  const withPort = /^([^:]+):(\d{1,5})$/.exec(entry);
  const [host, port] = bracketed
    ? [bracketed[1] ?? "", bracketed[2]]
    : withPort
      ? [withPort[1] ?? "", withPort[2]]
      : [entry, undefined];
  const family = isIP(host);
  if (family === 0 || (bracketed && family !== 6) || (withPort && family !== 4)) return null;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  if (port === undefined) return host;
  return family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
};

/**
 * A comma-separated list of DNS servers, each `ip` or `ip:port` (`[ipv6]:port` with a port);
 * unset or empty: `[]`, meaning the system's resolvers.
 */
export const dnsServers = () =>
  z.preprocess(unsetIfEmpty, z.string().optional()).transform((value, ctx) => {
    const entries = (value ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    const servers: string[] = [];
    for (const entry of entries) {
      const server = dnsServer(entry);
      if (server === null) {
        ctx.addIssue({ code: "custom", message: `${entry} is not an ip or ip:port ([ipv6]:port)` });
        return z.NEVER;
      }
      servers.push(server);
    }
    return servers;
  });

export const nodeEnv = () =>
  z.preprocess(unsetIfEmpty, z.enum(["development", "test", "production"]).default("development"));

export class EnvError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid environment:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.name = "EnvError";
    this.issues = issues;
  }
}

/** Parses `source` against `shape`; throws one EnvError listing every bad variable. */
export const parseEnv = <Shape extends z.ZodRawShape>(
  shape: Shape,
  source: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<Shape>>> => {
  const result = z.object(shape).safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  return Object.freeze(result.data);
};

/** For a deployable's env.ts: parse at start-up; on error print every issue and exit 1. */
export const loadEnv = <Shape extends z.ZodRawShape>(
  shape: Shape,
  source: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<Shape>>> => {
  try {
    return parseEnv(shape, source);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
};

/** The development default of INTERNAL_CONTEXT_SECRET: public, so production refuses it. */
export const DEV_INTERNAL_CONTEXT_SECRET =
  "taruvi-development-internal-context-secret-do-not-use-in-production";

/**
 * How long a deployable's pool waits for PostgreSQL: to open a connection, and for one statement
 * (PostgreSQL cancels it; 0: no limit). A hung database fails requests instead of hanging them.
 */
export const poolTimeoutsEnvShape = {
  DB_CONNECT_TIMEOUT_MS: int(5_000, { min: 100, max: 600_000 }),
  DB_STATEMENT_TIMEOUT_MS: int(30_000, { min: 0, max: 3_600_000 }),
};

/**
 * How a deployable stops on SIGTERM (packages/runtime `stopOnSignals`). SHUTDOWN_DELAY_MS: how
 * long it keeps serving after announcing the stop (/readyz 503 "draining"), so load balancers
 * take it out of rotation before it stops accepting. SHUTDOWN_TIMEOUT_MS: the whole stop, from
 * the signal (delay, in-flight requests, pools); past it the process logs and exits 1. Kubernetes
 * allows terminationGracePeriodSeconds (30 s) for preStop (5 s) plus this.
 */
export const shutdownEnvShape = {
  SHUTDOWN_DELAY_MS: int(1_000, { min: 0, max: 60_000 }),
  SHUTDOWN_TIMEOUT_MS: int(20_000, { min: 1_000, max: 600_000 }),
};

/**
 * The variables every deployable reads (the gateway, each subgraph, the worker): its address,
 * the database, Redis, logging and the secret the gateway signs subgraph contexts with.
 */
export const deployableEnvShape = ({ port, poolSize }: { port: number; poolSize: number }) => ({
  NODE_ENV: nodeEnv(),
  HOST: string("127.0.0.1"),
  PORT: int(port, { min: 0, max: 65535 }),
  LOG_LEVEL: string("info"),
  /** PostgreSQL; unset: the embedded server under DATA_DIR (development only). */
  DATABASE_URL: optionalString(),
  DATA_DIR: string(".data"),
  EMBEDDED_POSTGRES_PORT: int(5433, { min: 1, max: 65535 }),
  DB_POOL_SIZE: int(poolSize, { min: 1, max: 200 }),
  ...poolTimeoutsEnvShape,
  /** Shared by every replica (caches, limits, the tenant-change bus); memory (one process) when unset. */
  REDIS_URL: optionalString(),
  INTERNAL_CONTEXT_SECRET: string(DEV_INTERNAL_CONTEXT_SECRET),
  ...shutdownEnvShape,
});

/** Production refuses development defaults: the public context secret, the embedded database. */
export const productionBaseProblems = (env: {
  NODE_ENV: string;
  INTERNAL_CONTEXT_SECRET: string;
  DATABASE_URL?: string | undefined;
}): string[] =>
  env.NODE_ENV !== "production"
    ? []
    : [
        ...(env.INTERNAL_CONTEXT_SECRET === DEV_INTERNAL_CONTEXT_SECRET
          ? ["INTERNAL_CONTEXT_SECRET: must be set in production"]
          : []),
        ...(env.DATABASE_URL ? [] : ["DATABASE_URL: must be set in production"]),
      ];

/**
 * A deployable's env.ts: parse `source` against `shape`, add the deployable's own refusals, print
 * every problem and exit 1, or return the frozen, typed environment.
 */
export const loadDeployableEnv = <Shape extends z.ZodRawShape>(
  shape: Shape,
  source: Record<string, string | undefined> = process.env,
  problems: (env: Readonly<z.infer<z.ZodObject<Shape>>>) => string[] = () => [],
): Readonly<z.infer<z.ZodObject<Shape>>> => {
  const env = loadEnv(shape, source);
  const found = problems(env);
  if (found.length > 0) {
    process.stderr.write(`Invalid environment:\n${found.map((p) => `  - ${p}`).join("\n")}\n`);
    process.exit(1);
  }
  return env;
};
