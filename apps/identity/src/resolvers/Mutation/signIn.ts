import type { Context } from "../../context";
import { signIn as signInUser } from "../../domain/sessions/sign-in";

export const signIn = (_: unknown, args: { input: { email: string; password: string } }, ctx: Context) =>
  signInUser(ctx, args.input);
