import type { AccessResolver, Actor, ClientInfo, TenantRef } from "@taruvi/auth";
import type { PlatformClient, TenantClient } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import type { PlanName } from "@taruvi/limits";
import type { Logger } from "@taruvi/logging";
import type { ScopedSql } from "./scoped-sql";

/** Built once per request from the verified internal context; nothing else knows tenant or user. */
export type RequestContext<Loaders = unknown, Services = unknown, Db = TenantClient> = {
  requestId: string;
  logger: Logger;
  /** The addressed site, or null in the platform scope. */
  tenant: TenantRef | null;
  actor: Actor | null;
  /** The end client's IP and user agent, as the gateway saw them. */
  client: ClientInfo;
  /** The shared platform schema. */
  platform: PlatformClient;
  /**
   * The client bound to the tenant's schema (a product service: its own generated client); any
   * use throws in the platform scope.
   */
  db: Db;
  /**
   * One-row hot reads through node-postgres instead of Prisma (decision 0027): the request's
   * site schema or the platform's, never a schema from input; outside any transaction, so a read
   * inside one stays on its `tx`.
   */
  sql: ScopedSql;
  loaders: Loaders;
  /** Who holds what (permissions, roles, grants): loaded lazily, batched, cached per request. */
  access: AccessResolver;
  /**
   * The plan of the site's organization, looked up on first use and kept for the request (plan
   * limits: `planLimit`); BAD_USER_INPUT in the platform scope.
   */
  sitePlan: () => Promise<PlanName>;
  /** The app's long-lived collaborators (key store, job queue, …), the same for every request. */
  services: Services;
};

export const requireActor = (ctx: Pick<RequestContext, "actor">): Actor => {
  if (!ctx.actor) throw new AppError("UNAUTHENTICATED", "sign in required");
  return ctx.actor;
};

export const requireSite = (ctx: Pick<RequestContext, "tenant">): TenantRef => {
  if (!ctx.tenant)
    throw new AppError("BAD_USER_INPUT", "this operation needs a site: send X-Tenant or use its host");
  return ctx.tenant;
};

/** The caller when it is a platform account (the platform scope's principal), else null. */
export const accountOf = (ctx: Pick<RequestContext, "actor">): Actor | null =>
  ctx.actor?.type === "account" ? ctx.actor : null;
