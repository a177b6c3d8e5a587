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
import { type Pool, preparedQuery, uuidIn } from "@taruvi/db";
import { quoteSchema } from "@taruvi/tenancy";
import DataLoader from "dataloader";
import {
  cachedOrganizationStanding,
  cachedSiteAccess,
  type OrganizationStanding,
  storeOrganizationStanding,
  storeSiteAccess,
} from "./access-cache";

const NO_SITE_ACCESS = evaluateSiteAccess({ admin: false, grants: [] });

type AccessSources = { actor: Actor | null; tenant: TenantRef | null };

/**
 * The caller's site access and the site's access version it was read at, in one round trip and
 * one statement (so one snapshot: the version belongs to the grants read with it). Through
 * node-postgres: Prisma's raw-query path costs more CPU than the query itself (bench/shield).
 */
const readSiteAccess = async (
  pool: Pool,
  schemaName: string,
  actor: Actor,
): Promise<{ access: SiteAccess; version: number }> => {
  const schema = quoteSchema(schemaName);
  if (actor.type === "user") {
    // The user's flags and every grant held directly or through a group.
    const { rows } = await pool.query<{
      version: string;
      isAdmin: boolean | null;
      isActive: boolean | null;
      grants: SiteGrant[];
    }>(
      `SELECT v.version, u.is_admin AS "isAdmin", u.is_active AS "isActive",
         (SELECT coalesce(json_agg(json_build_object(
                   'permission', g.permission, 'objectType', g.object_type, 'objectId', g.object_id)), '[]')
            FROM ${schema}.permission_grants g
           WHERE g.user_id = u.id
              OR g.group_id IN (SELECT m.group_id FROM ${schema}.group_members m WHERE m.user_id = u.id)
         ) AS grants
       FROM ${schema}.access_version v LEFT JOIN ${schema}.users u ON u.id = $1::uuid`,
      [actor.id],
    );
    const row = rows[0];
    const version = Number(row?.version ?? 0);
    if (!row?.isActive) return { access: NO_SITE_ACCESS, version };
    return { access: evaluateSiteAccess({ admin: row.isAdmin === true, grants: row.grants }), version };
  }
  if (actor.type === "api_key") {
    // The key's grants, and its creator's flags and grants. A key is bounded by its creator: it
    // holds what it was given that the creator still holds, and nothing once it is revoked or
    // the creator is deactivated or deleted (or when it has no creator at all).
    const { rows } = await pool.query<{
      version: string;
      revoked: boolean | null;
      keyGrants: SiteGrant[];
      creatorAdmin: boolean | null;
      creatorActive: boolean | null;
      creatorGrants: SiteGrant[];
    }>(
      `SELECT v.version, k.revoked_at IS NOT NULL AS revoked,
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
       FROM ${schema}.access_version v
       LEFT JOIN ${schema}.api_keys k ON k.id = $1::uuid
       LEFT JOIN ${schema}.users u ON u.id = k.created_by_id`,
      [actor.id],
    );
    const row = rows[0];
    const version = Number(row?.version ?? 0);
    if (!row?.creatorActive || row.revoked !== false) return { access: NO_SITE_ACCESS, version };
    const key = evaluateSiteAccess({ admin: false, grants: row.keyGrants, scopes: actor.scopes ?? [] });
    const creator = evaluateSiteAccess({ admin: row.creatorAdmin === true, grants: row.creatorGrants });
    return { access: intersectSiteAccess(key, creator), version };
  }
  return { access: NO_SITE_ACCESS, version: 0 };
};

/**
 * The account's standing (role and ORGANIZATION grants) in each organization of `ids`, by
 * organization id as PostgreSQL writes a uuid (an id in another spelling finds nothing), and the
 * platform's access version they were read at, in one statement (one snapshot). Through
 * node-postgres like readSiteAccess, as a prepared statement (decision 0030): the version row,
 * the membership row and a row per grant, each found by its index, so the plan PostgreSQL keeps
 * stays cheap (the join over `unnest` this replaced cost it 3–5× more).
 */
const readOrganizationStandings = async (
  pool: Pool,
  accountId: string,
  ids: readonly string[],
): Promise<{ standings: Map<string, OrganizationStanding>; version: number }> => {
  const member = uuidIn("m.organization_id", ids, 2);
  const granted = uuidIn("p.object_id", ids, 2);
  const { rows } = await pool.query<{
    id: string | null;
    role: OrganizationRole | null;
    permission: string | null;
    version: string | null;
  }>(
    preparedQuery(
      `SELECT NULL::text AS id, NULL::text AS role, NULL::text AS permission, v.version::text AS version
         FROM platform.access_version v
       UNION ALL
       SELECT m.organization_id::text, m.role::text, NULL, NULL
         FROM platform.organization_members m
        WHERE m.account_id = $1::uuid AND ${member.where}
       UNION ALL
       SELECT p.object_id::text, NULL, p.permission, NULL
         FROM platform.object_permissions p
        WHERE p.account_id = $1::uuid AND p.object_type = 'ORGANIZATION' AND ${granted.where}`,
      [accountId, member.value],
    ),
  );
  let version = 0;
  const standings = new Map<string, { role: OrganizationRole | null; granted: string[] }>();
  for (const row of rows) {
    if (row.version !== null) version = Number(row.version);
    if (row.id === null) continue;
    let standing = standings.get(row.id);
    if (!standing) {
      standing = { role: null, granted: [] };
      standings.set(row.id, standing);
    }
    if (row.role !== null) standing.role = row.role;
    if (row.permission !== null) standing.granted.push(row.permission);
  }
  return { standings, version };
};

/** No role and no grant in an organization. */
const NO_STANDING: OrganizationStanding = { role: null, granted: [] };

/** The account's SITE grants on each site of `ids`, in one prepared statement, by site id. */
const readSiteGrants = async (
  pool: Pool,
  accountId: string,
  ids: readonly string[],
): Promise<Map<string, string[]>> => {
  const site = uuidIn("p.object_id", ids, 2);
  const { rows } = await pool.query<{ id: string; granted: string[] }>(
    preparedQuery(
      `SELECT p.object_id::text AS id, array_agg(p.permission ORDER BY p.permission) AS granted
         FROM platform.object_permissions p
        WHERE p.account_id = $1::uuid AND p.object_type = 'SITE' AND ${site.where}
        GROUP BY p.object_id`,
      [accountId, site.value],
    ),
  );
  return new Map(rows.map((row) => [row.id, row.granted]));
};

/**
 * Who holds what for one request: the caller's site permissions at the first question, from
 * the process's cache of site access (access-cache.ts: valid until the site's access version
 * moves, which every change of a grant, membership, user flag or key does in its own
 * transaction) or with one query; organization and site access batched by DataLoader over every
 * id asked in the same tick. An account's standing in an organization is kept across requests
 * the same way (until `platform.access_version` moves); its SITE grants for the request only.
 */
export const createAccessResolver = (sources: AccessSources, pool: Pool): AccessResolver => {
  const { actor, tenant } = sources;
  let site: Promise<SiteAccess> | undefined;

  const account = actor?.type === "account" ? actor : null;
  const superuser = account?.superuser === true;

  const organizations = new DataLoader<string, OrganizationAccess | null>(async (ids) => {
    if (!account) return ids.map(() => null);
    // The process's cache first (valid until platform.access_version moves, which every change
    // of a membership or a platform grant does in its own transaction); the rest in one query.
    const standings = new Map<string, OrganizationStanding>();
    const missing: string[] = [];
    for (const id of ids) {
      const kept = cachedOrganizationStanding(account.id, id);
      if (kept) standings.set(id, kept);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const read = await readOrganizationStandings(pool, account.id, missing);
      for (const id of missing) {
        const standing = read.standings.get(id) ?? NO_STANDING;
        storeOrganizationStanding(account.id, id, read.version, standing);
        standings.set(id, standing);
      }
    }
    return ids.map((id) => evaluateOrganizationAccess({ superuser, ...(standings.get(id) ?? NO_STANDING) }));
  });

  const sites = new DataLoader<{ id: string; organizationId: string }, SiteObjectAccess | null, string>(
    async (refs) => {
      if (!account) return refs.map(() => null);
      const [granted, orgAccess] = await Promise.all([
        readSiteGrants(
          pool,
          account.id,
          refs.map((r) => r.id),
        ),
        organizations.loadMany(refs.map((r) => r.organizationId)),
      ]);
      return refs.map((ref, i) => {
        const organization = orgAccess[i];
        return evaluateSiteObjectAccess({
          superuser,
          organization: organization instanceof Error ? null : (organization ?? null),
          granted: granted.get(ref.id) ?? [],
        });
      });
    },
    { cacheKeyFn: (ref) => ref.id },
  );

  /** Who the caller is in the site, as the cache knows them (a key's scopes come from its row). */
  const principal =
    actor?.type === "user"
      ? `user:${actor.id}`
      : actor?.type === "api_key"
        ? `api_key:${actor.id}:${(actor.scopes ?? []).join(",")}`
        : null;

  const loadSiteAccess = async (): Promise<SiteAccess> => {
    if (!tenant || !actor || !principal) return NO_SITE_ACCESS;
    const cached = cachedSiteAccess(tenant.schema, principal);
    if (cached) return cached;
    const { access, version } = await readSiteAccess(pool, tenant.schema, actor);
    storeSiteAccess(tenant.schema, principal, version, access);
    return access;
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
