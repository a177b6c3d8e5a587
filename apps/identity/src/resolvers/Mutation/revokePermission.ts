import type { Context } from "../../context";
import { revokePermission as revoke } from "../../domain/access/permission-grants";

export const revokePermission = (_: unknown, args: { id: string }, ctx: Context) => revoke(ctx, args.id);
