import { isUniqueViolation } from "@taruvi/db";
import { conflict } from "@taruvi/errors";
import { assertOrganizationAllowance } from "@taruvi/limits";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { parseDisplayName, parseSlug } from "@taruvi/validation";
import type { Context } from "../context";
import { requirePlatformAccount } from "./caller";

/**
 * A new organization on the FREE plan with the caller as its OWNER, and its
 * `organization.created` event, in one transaction. Hostile slug or name: BAD_USER_INPUT naming
 * the field; a taken slug: CONFLICT on `slug`; a caller who already owns
 * `maxOrganizationsPerAccount` organizations (superusers never do): CONFLICT on `plan`, checked
 * under a lock on the caller so concurrent creates cannot overshoot. A refusal records nothing.
 */
export const createOrganization = async (ctx: Context, input: { name: unknown; slug: unknown }) => {
  const actor = requirePlatformAccount(ctx);
  const slug = parseSlug(input.slug);
  const name = parseDisplayName(input.name);
  try {
    const organization = await auditedPlatformChange(ctx, async (tx) => {
      await assertOrganizationAllowance(tx, actor.id, ctx.services.maxOrganizationsPerAccount);
      const created = await tx.organization.create({
        data: { slug, name, members: { create: { accountId: actor.id, role: "OWNER" } } },
      });
      return {
        result: created,
        audit: {
          action: "organization.created",
          entityType: "Organization",
          entityId: created.id,
          organizationId: created.id,
          changes: diff(null, { slug, name, plan: created.plan }),
        },
      };
    });
    ctx.logger.info({ organizationId: organization.id }, "organization created");
    return organization;
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict("slug", `an organization with slug "${slug}" already exists`);
    throw error;
  }
};
