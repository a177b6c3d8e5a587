import type { Context } from "../../context";
import { signUp as signUpUser } from "../../domain/sessions/sign-up";

export const signUp = (
  _: unknown,
  args: { input: { email: string; password: string; name: string } },
  ctx: Context,
) => signUpUser(ctx, args.input);
