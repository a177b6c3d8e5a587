import type { Context } from "../../context";
import { setPrimaryDomain as setPrimary } from "../../domain/domains";

export const setPrimaryDomain = (_: unknown, args: { id: string }, ctx: Context) => setPrimary(ctx, args.id);
