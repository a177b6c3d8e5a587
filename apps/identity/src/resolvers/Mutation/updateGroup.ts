import type { Context } from "../../context";
import { updateGroup as update } from "../../domain/groups/groups";

export const updateGroup = (
  _: unknown,
  args: { id: string; input: { name?: string | null; description?: string | null } },
  ctx: Context,
) => update(ctx, args.id, args.input);
