import { isUniqueViolation, type PlatformClient } from "@taruvi/db";
import { badUserInput, conflict } from "@taruvi/errors";
import { assertOrganizationAllowance } from "@taruvi/limits";
import { parseDisplayName, parseEmail, parseSlug } from "@taruvi/validation";

/** The owner by email (the CLI) or by account id (a signed-in caller). */
export type CreateOrganizationInput = { slug: string; name: string } & (
  | { ownerEmail: string; ownerId?: never }
  | { ownerId: string; ownerEmail?: never }
);

/**
 * Creates an organization with an existing account as its OWNER. Hostile slugs or names:
 * BAD_USER_INPUT naming the field; a taken slug: CONFLICT on `slug`. With `maxOrganizations`,
 * an owner (not a superuser) who already owns that many: CONFLICT on `plan`, nothing written.
 */
export const createOrganization = async (
  db: PlatformClient,
  input: CreateOrganizationInput,
  { maxOrganizations }: { maxOrganizations?: number | null } = {},
) => {
  const slug = parseSlug(input.slug);
  const name = parseDisplayName(input.name);
  const owner = await findOwner(db, input);
  try {
    return await db.$transaction(async (tx) => {
      if (maxOrganizations !== undefined && maxOrganizations !== null) {
        await assertOrganizationAllowance(tx, owner.id, maxOrganizations);
      }
      return tx.organization.create({
        data: { slug, name, members: { create: { accountId: owner.id, role: "OWNER" } } },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict("slug", `an organization with slug "${slug}" already exists`);
    throw error;
  }
};

const findOwner = async (db: PlatformClient, input: CreateOrganizationInput) => {
  if (input.ownerId !== undefined) {
    const owner = await db.account.findUnique({ where: { id: input.ownerId }, select: { id: true } });
    if (!owner) throw badUserInput("ownerId", "no such account");
    return owner;
  }
  const ownerEmail = parseEmail(input.ownerEmail, "ownerEmail");
  const owner = await db.account.findUnique({ where: { email: ownerEmail }, select: { id: true } });
  if (!owner) throw badUserInput("ownerEmail", `no account has the email ${ownerEmail}`);
  return owner;
};

export type SiteSummary = {
  id: string;
  slug: string;
  name: string;
  status: string;
  organization: string;
  schemaName: string;
  schemaVersion: string | null;
};

export const listSites = async (db: PlatformClient): Promise<SiteSummary[]> => {
  const sites = await db.site.findMany({
    orderBy: { slug: "asc" },
    include: { organization: { select: { slug: true } } },
  });
  return sites.map((site) => ({
    id: site.id,
    slug: site.slug,
    name: site.name,
    status: site.status,
    organization: site.organization.slug,
    schemaName: site.schemaName,
    schemaVersion: site.schemaVersion,
  }));
};
