import {
  type AccessResolver,
  type Actor,
  evaluateOrganizationAccess,
  evaluateSiteAccess,
  evaluateSiteObjectAccess,
  intersectSiteAccess,
  type OrganizationAccess,
  type OrganizationRole,
  type SiteAccess,
  type SiteGrant,
  type SiteObjectAccess,
  type TenantRef,
} from "@taruvi/auth";
import type { PlatformClient, Pool } from "@taruvi/db";
import { quoteSchema } from "@taruvi/tenancy";
import DataLoader from "dataloader";

const NO_SITE_ACCESS = evaluateSiteAccess({ admin: false, grants: [] });

type AccessSources = { actor: Actor | null; tenant: TenantRef | null; platform: PlatformClient };

/**
 * Loads who holds what for one request: the caller's site permissions with one query at the
 * first question (through node-postgres: it runs on nearly every site request, and Prisma's
 * raw-query path costs more CPU than the query itself — bench/shield), organization and site
 * access batched by DataLoader over every id asked in the same tick. Everything is cached for
 * the request; nothing outlives it, so a revoked grant stops counting on the next request.
 */
export const createAccessResolver = (sources: AccessSources, pool: Pool): AccessResolver => {
  const { actor, tenant } = sources;
  let site: Promise<SiteAccess> | undefined;

  const account = actor?.type === "account" ? actor : null;
  const superuser = account?.superuser === true;

  const organizations = new DataLoader<string, OrganizationAccess | null>(async (ids) => {
    if (!account) return ids.map(() => null);
    const [memberships, grants] = await Promise.all([
      sources.platform.organizationMember.findMany({
        where: { accountId: account.id, organizationId: { in: [...ids] } },
        select: { organizationId: true, role: true },
      }),
      sources.platform.objectPermission.findMany({
        where: { accountId: account.id, objectType: "ORGANIZATION", objectId: { in: [...ids] } },
        select: { objectId: true, permission: true },
      }),
    ]);
    const roles = new Map(memberships.map((m) => [m.organizationId, m.role as OrganizationRole]));
    return ids.map((id) =>
      evaluateOrganizationAccess({
        superuser,
        role: roles.get(id) ?? null,
        granted: grants.filter((g) => g.objectId === id).map((g) => g.permission),
      }),
    );
  });

  const sites = new DataLoader<{ id: string; organizationId: string }, SiteObjectAccess | null, string>(
    async (refs) => {
      if (!account) return refs.map(() => null);
      const [grants, orgAccess] = await Promise.all([
        sources.platform.objectPermission.findMany({
          where: { accountId: account.id, objectType: "SITE", objectId: { in: refs.map((r) => r.id) } },
          select: { objectId: true, permission: true },
        }),
        organizations.loadMany(refs.map((r) => r.organizationId)),
      ]);
      return refs.map((ref, i) => {
        const organization = orgAccess[i];
        return evaluateSiteObjectAccess({
          superuser,
          organization: organization instanceof Error ? null : (organization ?? null),
          granted: grants.filter((g) => g.objectId === ref.id).map((g) => g.permission),
        });
      });
    },
    { cacheKeyFn: (ref) => ref.id },
  );

  const loadSiteAccess = async (): Promise<SiteAccess> => {
    if (!tenant || !actor) return NO_SITE_ACCESS;
    if (actor.type === "user") {
      // One round trip: the user's flags and every grant held directly or through a group.
      const schema = quoteSchema(tenant.schema);
      const { rows } = await pool.query<{ isAdmin: boolean; isActive: boolean; grants: SiteGrant[] }>(
        `SELECT u.is_admin AS "isAdmin", u.is_active AS "isActive",
           (SELECT coalesce(json_agg(json_build_object(
                     'permission', g.permission, 'objectType', g.object_type, 'objectId', g.object_id)), '[]')
              FROM ${schema}.permission_grants g
             WHERE g.user_id = u.id
                OR g.group_id IN (SELECT m.group_id FROM ${schema}.group_members m WHERE m.user_id = u.id)
           ) AS grants
         FROM ${schema}.users u WHERE u.id = $1::uuid`,
        [actor.id],
      );
      const user = rows[0];
      if (!user?.isActive) return NO_SITE_ACCESS;
      return evaluateSiteAccess({ admin: user.isAdmin, grants: user.grants });
    }
    if (actor.type === "api_key") {
      // One round trip: the key's grants, and its creator's flags and grants. A key is bounded
      // by its creator: it holds what it was given that the creator still holds, and nothing
      // once the creator is deactivated or deleted (or when it has no creator at all).
      const schema = quoteSchema(tenant.schema);
      const { rows } = await pool.query<{
        keyGrants: SiteGrant[];
        creatorAdmin: boolean | null;
        creatorActive: boolean | null;
        creatorGrants: SiteGrant[];
      }>(
        `SELECT
           (SELECT coalesce(json_agg(json_build_object(
                     'permission', g.permission, 'objectType', g.object_type, 'objectId', g.object_id)), '[]')
              FROM ${schema}.permission_grants g WHERE g.api_key_id = k.id) AS "keyGrants",
           u.is_admin AS "creatorAdmin", u.is_active AS "creatorActive",
           (SELECT coalesce(json_agg(json_build_object(
                     'permission', g.permission, 'objectType', g.object_type, 'objectId', g.object_id)), '[]')
              FROM ${schema}.permission_grants g
             WHERE g.user_id = u.id
                OR g.group_id IN (SELECT m.group_id FROM ${schema}.group_members m WHERE m.user_id = u.id)
           ) AS "creatorGrants"
         FROM ${schema}.api_keys k LEFT JOIN ${schema}.users u ON u.id = k.created_by_id
         WHERE k.id = $1::uuid`,
        [actor.id],
      );
      const row = rows[0];
      if (!row?.creatorActive) return NO_SITE_ACCESS;
      const key = evaluateSiteAccess({ admin: false, grants: row.keyGrants, scopes: actor.scopes ?? [] });
      const creator = evaluateSiteAccess({ admin: row.creatorAdmin === true, grants: row.creatorGrants });
      return intersectSiteAccess(key, creator);
    }
    return NO_SITE_ACCESS;
  };

  return {
    site: () => {
      site ??= loadSiteAccess();
      return site;
    },
    organization: (id) => organizations.load(id),
    siteObject: (ref) => sites.load(ref),
  };
};
