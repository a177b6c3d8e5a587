import type { Context } from "../../context";
import type { GrantInput } from "../../domain/access/grant-views";
import { grantPermission as grant } from "../../domain/access/permission-grants";

export const grantPermission = (_: unknown, args: { input: GrantInput }, ctx: Context) =>
  grant(ctx, args.input);
