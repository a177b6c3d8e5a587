import type { Actor } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import type { PlatformDb } from "@taruvi/limits";
import type { Context } from "../context";

/**
 * The signed-in platform account making a platform-scope change. In a site's scope:
 * BAD_USER_INPUT; signed out (or a site user / API key): UNAUTHENTICATED.
 */
export const requirePlatformAccount = (ctx: Pick<Context, "tenant" | "actor">): Actor => {
  if (ctx.tenant) {
    throw new AppError(
      "BAD_USER_INPUT",
      "this operation needs the platform scope: call it without X-Tenant, at the platform's host",
    );
  }
  if (!ctx.actor) throw new AppError("UNAUTHENTICATED", "sign in required");
  if (ctx.actor.type !== "account") throw new AppError("UNAUTHENTICATED", "sign in with a platform account");
  return ctx.actor;
};

/** Locks the organization's row until the transaction ends, so member changes serialize per organization. */
export const lockOrganization = async (tx: PlatformDb, organizationId: string): Promise<void> => {
  await tx.$queryRawUnsafe(
    `SELECT id FROM "platform"."organizations" WHERE id = $1::uuid FOR UPDATE`,
    organizationId,
  );
};
