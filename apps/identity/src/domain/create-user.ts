import { hashPassword } from "@taruvi/auth";
import type { Context, UserView } from "../context";
import { recordAudit } from "./audit";
import { requireSiteAdmin, SCOPES } from "./permissions";
import { emailMustBeFree, type NewUserInput, parseNewUser } from "./user-input";
import { USER_VIEW, userView } from "./user-views";

/** A site user created by a site admin (or an API key with users.manage). */
export const createUser = async (
  ctx: Context,
  input: NewUserInput & { isAdmin?: unknown },
): Promise<UserView> => {
  await requireSiteAdmin(ctx, SCOPES.manageUsers);
  const { email, name, password } = parseNewUser(input);
  const isAdmin = input.isAdmin === true;
  const passwordHash = await hashPassword(password);
  const user = userView(
    await emailMustBeFree(() =>
      ctx.db.user.create({ data: { email, name, passwordHash, isAdmin }, select: USER_VIEW }),
    ),
  );
  await recordAudit(ctx, {
    action: "user.created",
    entityType: "User",
    entityId: user.id,
    changes: { email, name, isAdmin },
  });
  ctx.logger.info({ userId: user.id }, "user created");
  return user;
};
