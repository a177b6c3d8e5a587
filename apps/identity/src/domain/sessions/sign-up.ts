import { hashPassword } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import { diff } from "@taruvi/subgraph-kit";
import type { Context } from "../../context";
import { emailMustBeFree, type NewUserInput, parseNewUser } from "../users/user-input";
import { auditedScopeChange, scopeOf } from "./scope";
import { type AuthPayload, issueTokens, startSession } from "./sessions";

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
 * sign-up), signed in at once: the user, the session and the `user.signed_up` event (the new
 * user as actor) commit together.
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
  const passwordHash = await hashPassword(password);
  const { user, session } = await emailMustBeFree(() =>
    auditedScopeChange(ctx, async (scope) => {
      const created = await scope.create({ email, name, passwordHash });
      const started = await startSession(ctx, scope, created.id);
      return {
        result: { user: created, session: started },
        audit: {
          action: "user.signed_up",
          entityType: "User",
          entityId: created.id,
          actor: { type: scope.actorType, id: created.id },
          changes: diff(null, { email, name }),
        },
      };
    }),
  );
  ctx.logger.info({ userId: user.id }, "signed up");
  return issueTokens(ctx, scopeOf(ctx).audience, user, session);
};
