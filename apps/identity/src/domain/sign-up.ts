import { hashPassword } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import type { Context } from "../context";
import { recordAudit } from "./audit";
import { scopeOf } from "./scope";
import { type AuthPayload, startSession } from "./sessions";
import { emailMustBeFree, type NewUserInput, parseNewUser } from "./user-input";

/** Whether the site's settings (`platform.sites.settings`) let anyone sign up; off by default. */
const siteAllowsSignup = async (ctx: Context, siteId: string): Promise<boolean> => {
  const site = await ctx.platform.site.findUnique({ where: { id: siteId }, select: { settings: true } });
  const settings = site?.settings;
  return typeof settings === "object" && settings !== null && !Array.isArray(settings)
    ? (settings as { allowSignup?: unknown }).allowSignup === true
    : false;
};

/**
 * A new platform account (when platform sign-up is open) or site user (when the site allows
 * sign-up), signed in at once.
 */
export const signUp = async (ctx: Context, input: NewUserInput): Promise<AuthPayload> => {
  if (ctx.tenant) {
    if (!(await siteAllowsSignup(ctx, ctx.tenant.siteId))) {
      throw new AppError("FORBIDDEN", "sign-up is closed for this site");
    }
  } else if (!ctx.services.platformSignupOpen) {
    throw new AppError("FORBIDDEN", "sign-up is closed");
  }
  const { email, name, password } = parseNewUser(input);
  const scope = scopeOf(ctx);
  const passwordHash = await hashPassword(password);
  const user = await emailMustBeFree(() => scope.create({ email, name, passwordHash }));
  await recordAudit(ctx, {
    action: "user.signed_up",
    entityType: scope.entityType,
    entityId: user.id,
    actor: { type: scope.kind === "site" ? "USER" : "ACCOUNT", id: user.id },
    changes: { email, name },
  });
  return startSession(ctx, scope, user);
};
