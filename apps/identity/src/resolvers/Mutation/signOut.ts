import type { Context } from "../../context";
import { signOut as endSessions } from "../../domain/sessions/sessions";

export const signOut = (_: unknown, args: { allSessions?: boolean | null }, ctx: Context) =>
  endSessions(ctx, args.allSessions === true);
