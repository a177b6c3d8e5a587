import { createOrganization as createWithOwner } from "@taruvi/tenancy";
import type { Context } from "../context";
import { recordAudit } from "./audit";
import { requirePlatformAccount } from "./caller";

/**
 * A new organization on the FREE plan with the caller as its OWNER. Hostile slug or name:
 * BAD_USER_INPUT naming the field; a taken slug: CONFLICT on `slug`.
 */
export const createOrganization = async (ctx: Context, input: { name: string; slug: string }) => {
  const actor = requirePlatformAccount(ctx);
  const organization = await createWithOwner(ctx.platform, {
    name: input.name,
    slug: input.slug,
    ownerId: actor.id,
  });
  await recordAudit(ctx, {
    action: "organization.created",
    entityType: "Organization",
    entityId: organization.id,
    organizationId: organization.id,
    changes: { slug: organization.slug, name: organization.name, plan: organization.plan },
  });
  ctx.logger.info({ organizationId: organization.id }, "organization created");
  return organization;
};
