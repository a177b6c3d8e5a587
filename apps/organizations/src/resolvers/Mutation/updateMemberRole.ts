import type { OrganizationRole } from "@taruvi/auth";
import type { Context } from "../../context";
import { updateMemberRole as update } from "../../domain/members";

export const updateMemberRole = (
  _: unknown,
  args: { organizationId: string; userId: string; role: OrganizationRole },
  ctx: Context,
) => update(ctx, args);
