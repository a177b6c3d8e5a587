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
