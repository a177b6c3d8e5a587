import type { Context } from "../../context";
import { verifyDomain as verify } from "../../domain/verify-domain";

export const verifyDomain = (_: unknown, args: { id: string }, ctx: Context) => verify(ctx, args.id);
