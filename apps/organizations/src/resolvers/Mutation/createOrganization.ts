import type { Context } from "../../context";
import { createOrganization as create } from "../../domain/create-organization";

export const createOrganization = (
  _: unknown,
  args: { input: { name: string; slug: string } },
  ctx: Context,
) => create(ctx, args.input);
