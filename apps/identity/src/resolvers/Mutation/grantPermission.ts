import type { Context } from "../../context";
import { type GrantInput, grantPermission as grant } from "../../domain/access/permission-grants";

export const grantPermission = (_: unknown, args: { input: GrantInput }, ctx: Context) =>
  grant(ctx, args.input);
