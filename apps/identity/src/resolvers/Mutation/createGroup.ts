import type { Context } from "../../context";
import { createGroup as create } from "../../domain/groups/groups";

export const createGroup = (
  _: unknown,
  args: { input: { name: string; description?: string | null } },
  ctx: Context,
) => create(ctx, args.input);
