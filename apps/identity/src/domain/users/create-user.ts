import { hashPassword } from "@taruvi/auth";
import { badUserInput } from "@taruvi/errors";
import { auditedSiteChange, diff } from "@taruvi/subgraph-kit";
import type { Context } from "../../context";
import { requireSiteAdmin } from "./site-admin";
import { emailMustBeFree, type NewUserInput, parseNewUser } from "./user-input";
import { USER_VIEW, type UserView, userView } from "./user-views";

/**
 * A site user created by a holder of users.manage (an administrator only when a site
 * administrator creates it), recorded as `user.created` in the same transaction.
 */
export const createUser = async (
  ctx: Context,
  input: NewUserInput & { isAdmin?: unknown },
): Promise<UserView> => {
  const { email, name, password } = parseNewUser(input);
  if (input.isAdmin !== undefined && input.isAdmin !== null && typeof input.isAdmin !== "boolean") {
    throw badUserInput("isAdmin", "must be true or false");
  }
  const isAdmin = input.isAdmin === true;
  if (isAdmin) await requireSiteAdmin(ctx, "make an administrator", "isAdmin");
  const passwordHash = await hashPassword(password);
  const user = await emailMustBeFree(() =>
    auditedSiteChange(ctx, async (tx) => {
      const created = userView(
        await tx.user.create({ data: { email, name, passwordHash, isAdmin }, select: USER_VIEW }),
      );
      return {
        result: created,
        audit: {
          action: "user.created",
          entityType: "User",
          entityId: created.id,
          changes: diff(null, { email, name, isAdmin }),
        },
      };
    }),
  );
  ctx.logger.info({ userId: user.id }, "user created");
  return user;
};
