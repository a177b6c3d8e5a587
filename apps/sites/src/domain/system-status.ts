import type { Context } from "../context";

/** A probe gives up after this long, like the gateway's /readyz. */
const PROBE_TIMEOUT_MS = 2_000;

export type SystemComponent = { name: string; ok: boolean; latencyMs: number };

const probe = async (name: string, check: () => Promise<unknown>): Promise<SystemComponent> => {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const ok = await Promise.race([
    check().then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
    }),
  ]).catch(() => false);
  clearTimeout(timer);
  return { name, ok, latencyMs: Math.round(performance.now() - started) };
};

/**
 * The platform's health as the gateway's /readyz reports it: PostgreSQL, Redis (when configured)
 * and every registered subgraph's /healthz (this one answers, so it is up). Ready when every
 * component is; degraded when only Redis is away. Superusers only (the shield's rule).
 */
export const getSystemStatus = async (ctx: Context) => {
  const { pool, redis, subgraphUrls } = ctx.services;
  const components = await Promise.all([
    probe("postgres", () => pool.query("SELECT 1")),
    ...(redis ? [probe("redis", () => redis.ping())] : []),
    ...Object.entries(subgraphUrls).map(([name, url]) =>
      name === "sites"
        ? Promise.resolve({ name, ok: true, latencyMs: 0 })
        : probe(name, async () => {
            const res = await fetch(url.replace(/\/graphql$/, "/healthz"));
            if (!res.ok) throw new Error(String(res.status));
          }),
    ),
  ]);
  const failed = components.filter((c) => !c.ok).map((c) => c.name);
  const ready = failed.every((name) => name === "redis");
  return {
    status: !ready ? "not ready" : failed.length > 0 ? "degraded" : "ready",
    checkedAt: new Date().toISOString(),
    components,
  };
};
