import { AppError, badUserInput, notFound } from "@taruvi/errors";
import type { PlanName } from "@taruvi/limits";
import { requireOrganizationPermission } from "@taruvi/platform";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { parseDisplayName, parseUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { requirePlatformAccount } from "./caller";

export type UpdateOrganizationInput = { name?: unknown; plan?: PlanName | null };

/**
 * Renames an organization (`manage_organization`: owners and grantees) and/or changes its plan
 * (superusers only: FORBIDDEN for owners), with one `organization.updated` event holding the
 * diff. A downgrade below current usage is allowed; the limits stop further growth.
 */
export const updateOrganization = async (ctx: Context, idInput: unknown, input: UpdateOrganizationInput) => {
  requirePlatformAccount(ctx);
  const id = parseUuid(idInput, "id");
  const name = input.name === undefined || input.name === null ? undefined : parseDisplayName(input.name);
  const plan = input.plan ?? undefined;
  if (name === undefined && plan === undefined) throw badUserInput("input", "nothing to update");
  const access = await requireOrganizationPermission(
    ctx,
    id,
    name === undefined ? "read" : "manage_organization",
  );
  if (plan !== undefined && !access.superuser) {
    throw new AppError("FORBIDDEN", "only a superuser may change the plan");
  }
  return auditedPlatformChange(ctx, async (tx) => {
    // A superuser passes the permission check for any id: an unknown one is NOT_FOUND here.
    const before = await tx.organization.findUnique({ where: { id } });
    if (!before) throw notFound("organization");
    const after = await tx.organization.update({
      where: { id },
      data: { ...(name === undefined ? {} : { name }), ...(plan === undefined ? {} : { plan }) },
    });
    return {
      result: after,
      audit: {
        action: "organization.updated",
        entityType: "Organization",
        entityId: id,
        organizationId: id,
        changes: diff(before, after, ["name", "plan"]),
      },
    };
  });
};
