import type { Context } from "../../context";
import { type UpdateOrganizationInput, updateOrganization as update } from "../../domain/update-organization";

export const updateOrganization = (
  _: unknown,
  args: { id: string; input: UpdateOrganizationInput },
  ctx: Context,
) => update(ctx, args.id, args.input);
