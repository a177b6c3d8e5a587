/**
 * The signed internal context (x-taruvi-context) the stock gateways add to each subgraph fetch,
 * signed with the same code as our gateway (signInternalContext): for that subgraph and the exact
 * body of that fetch, living a few seconds. The bench passes the secret and, per scope, the tenant
 * and actor our gateway would resolve for the same caller (BENCH_SCOPES); the scope of a request
 * is "site" when it has an X-Tenant header.
 *
 * BENCH_CONTEXT_MODE=per-request (default): a fresh context per fetch with its own request id,
 * as any gateway in front of these subgraphs must send in production. `shared`: one context per
 * scope, subgraph and body, re-signed every 2 s, so concurrent identical fetches carry identical
 * headers (which Hive Gateway's default in-flight deduplication then collapses).
 */
import { randomUUID } from "node:crypto";
import { type Actor, internalContextKey, signInternalContext, type TenantRef } from "@taruvi/auth";

export const CONTEXT_HEADER = "x-taruvi-context";
export type Scope = "site" | "platform";

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const scopes = JSON.parse(required("BENCH_SCOPES")) as Record<
  Scope,
  { tenant: TenantRef | null; actor: Actor | null }
>;
const key = internalContextKey(required("INTERNAL_CONTEXT_SECRET"));
const shared = process.env.BENCH_CONTEXT_MODE === "shared";
const REUSE_MS = 2_000;
const cache = new Map<string, { token: string; signedAt: number }>();

const sign = (scope: Scope, subgraph: string, body: string) =>
  signInternalContext(key, { requestId: randomUUID(), ...scopes[scope] }, { audience: subgraph, body });

export const scopeOf = (hasTenantHeader: boolean): Scope => (hasTenantHeader ? "site" : "platform");

/**
 * The header value for one fetch of `body` to `subgraph` (its name, lower case, is the context's
 * audience).
 */
export const contextFor = (scope: Scope, subgraph: string, body: string): string => {
  const audience = subgraph.toLowerCase();
  if (!shared) return sign(scope, audience, body);
  const cacheKey = `${scope} ${audience} ${body}`;
  const cached = cache.get(cacheKey);
  if (cached && Date.now() - cached.signedAt < REUSE_MS) return cached.token;
  const token = sign(scope, audience, body);
  cache.set(cacheKey, { token, signedAt: Date.now() });
  return token;
};
