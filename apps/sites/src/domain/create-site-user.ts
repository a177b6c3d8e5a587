import { hashPassword, parsePassword } from "@taruvi/auth";
import { isUniqueViolation, prismaSqlExecutor } from "@taruvi/db";
import { AppError, conflict } from "@taruvi/errors";
import { diff, recordAudit } from "@taruvi/subgraph-kit";
import { parseDisplayName, parseEmail } from "@taruvi/validation";
import type { Context } from "../context";
import { assertNotDeleted, getManagedSite } from "./access";

export type CreateSiteUserInput = {
  siteId: unknown;
  email: unknown;
  name: unknown;
  password: unknown;
  isAdmin?: boolean | null;
};

/** A user of one site, as the platform scope sees it. */
export type SiteUserView = { id: string; email: string; name: string; isAdmin: boolean; siteId: string };

/**
 * Creates a user in a site's own schema from the platform scope (`manage_site_users` on the
 * site; a site administrator needs `admin_site`, so nobody hands out more than they hold). The
 * user and its `user.created` event (in the site's audit trail, never the password) commit
 * together. CONFLICT on `email` when the site already has that user.
 */
export const createSiteUser = async (ctx: Context, input: CreateSiteUserInput): Promise<SiteUserView> => {
  const { site } = await getManagedSite(ctx, input.siteId, "manage_site_users");
  assertNotDeleted(site);
  const email = parseEmail(input.email);
  const name = parseDisplayName(input.name);
  const password = parsePassword(input.password, "password", [
    email,
    email.split("@")[0] ?? "",
    name,
    ...name.split(/\s+/),
  ]);
  const isAdmin = input.isAdmin === true;
  if (isAdmin && !(await ctx.access.siteObject(site))?.can("admin_site")) {
    throw new AppError("FORBIDDEN", `creating a site administrator requires admin_site on site ${site.slug}`);
  }
  const passwordHash = await hashPassword(password);
  const db = ctx.services.tenants.forSchema(site.schemaName);
  try {
    const user = await db.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: { email, name, passwordHash, isAdmin },
        select: { id: true, email: true, name: true, isAdmin: true },
      });
      await recordAudit(
        ctx,
        prismaSqlExecutor(tx),
        {
          action: "user.created",
          entityType: "User",
          entityId: created.id,
          changes: diff(null, { email, name, isAdmin }),
        },
        { schema: site.schemaName },
      );
      return created;
    });
    ctx.logger.info({ siteId: site.id, userId: user.id }, "site user created");
    return { ...user, siteId: site.id };
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("email", "is already in use");
    throw error;
  }
};
