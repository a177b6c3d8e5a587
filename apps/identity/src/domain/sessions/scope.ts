import { audienceFor, type TenantRef } from "@taruvi/auth";
import { type PlatformClient, prismaSqlExecutor, type SqlExecutor, type TenantClient } from "@taruvi/db";
import {
  type AuditRecord,
  auditedPlatformChange,
  auditedSiteChange,
  requireSite,
} from "@taruvi/subgraph-kit";
import { quoteSchema } from "@taruvi/tenancy";
import type { Context } from "../../context";
import { ACCOUNT_VIEW, accountView, USER_VIEW, type UserView, userView } from "../users/user-views";

/** A user of the scope with what signing in needs. Never leaves the domain layer. */
export type Principal = UserView & { passwordHash: string | null };

export type SessionRow = {
  principalId: string;
  familyId: string;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
};

/** Where a refresh token is stored: hashed, with the client that obtained it. */
export type NewSession = {
  tokenHash: string;
  ttlSeconds: number;
  ip: string | null;
  userAgent: string | null;
};

/**
 * The principals and refresh-token sessions of the request's scope, so each flow is written once:
 * platform accounts and `platform.account_sessions` on the platform, the site's `users` and
 * `sessions` in a site.
 */
export type Scope = {
  kind: "platform" | "site";
  /** `platform` or `site:<siteId>`: the access token audience, and the scope of an email. */
  audience: string;
  /** How the audit trail names a principal of this scope acting for themself (sign-up, sign-in). */
  actorType: "ACCOUNT" | "USER";
  findByEmail: (email: string) => Promise<Principal | null>;
  findById: (id: string) => Promise<Principal | null>;
  create: (data: { email: string; name: string; passwordHash: string }) => Promise<UserView>;
  recordLogin: (id: string) => Promise<void>;
  /** Replaces the password hash and/or the email (a new email is unverified); CONFLICT if taken. */
  setCredentials: (id: string, change: { passwordHash?: string; email?: string }) => Promise<UserView>;
  sessions: {
    /** Starts a family with its first refresh token. */
    create: (principalId: string, familyId: string, session: NewSession) => Promise<void>;
    /**
     * Rotates in one statement: the current token of a live family is marked rotated and its
     * successor inserted, or nothing happens (unknown, rotated, revoked or expired token). Of two
     * concurrent rotations of one token exactly one wins.
     */
    rotate: (
      tokenHash: string,
      next: NewSession,
    ) => Promise<{ principalId: string; familyId: string } | null>;
    /**
     * The family's current token when it is the successor (`successorHash`) of the token
     * `tokenHash`, rotated less than `graceSeconds` ago: both live, neither revoked, the
     * successor not rotated yet. Null otherwise (a replay of an older token, a signed-out family).
     */
    findGraceSuccessor: (
      tokenHash: string,
      successorHash: string,
      graceSeconds: number,
    ) => Promise<{ principalId: string; familyId: string } | null>;
    find: (tokenHash: string) => Promise<SessionRow | null>;
    /** Revokes every token of a family (of `principalId` when given); returns how many were live. */
    revokeFamily: (familyId: string, principalId?: string) => Promise<number>;
    /**
     * Revokes every session of a principal; returns the families whose access tokens may still
     * be live (a token was issued within `recentSeconds`, or the family was live until now).
     */
    revokeAll: (principalId: string, recentSeconds: number) => Promise<string[]>;
  };
};

const sessionStore = (db: SqlExecutor, table: string, owner: "account_id" | "user_id"): Scope["sessions"] => {
  const query = async <T>(sql: string, ...values: unknown[]): Promise<T> =>
    (await db.query(sql, values)).rows as T;
  return {
    create: async (principalId, familyId, s) => {
      await query(
        `INSERT INTO ${table} (${owner}, family_id, token_hash, expires_at, ip, user_agent)
       VALUES ($1::uuid, $2::uuid, $3, now() + make_interval(secs => $4::int), $5, $6)`,
        principalId,
        familyId,
        s.tokenHash,
        s.ttlSeconds,
        s.ip,
        s.userAgent,
      );
    },
    rotate: async (tokenHash, next) => {
      const rows = await query<{ principalId: string; familyId: string }[]>(
        `WITH current AS (
         UPDATE ${table} SET rotated_at = now()
         WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
         RETURNING ${owner} AS owner, family_id
       )
       INSERT INTO ${table} (${owner}, family_id, token_hash, expires_at, ip, user_agent)
       SELECT owner, family_id, $2, now() + make_interval(secs => $3::int), $4, $5 FROM current
       RETURNING ${owner}::text AS "principalId", family_id::text AS "familyId"`,
        tokenHash,
        next.tokenHash,
        next.ttlSeconds,
        next.ip,
        next.userAgent,
      );
      return rows[0] ?? null;
    },
    findGraceSuccessor: async (tokenHash, successorHash, graceSeconds) => {
      const rows = await query<{ principalId: string; familyId: string }[]>(
        `SELECT successor.${owner}::text AS "principalId", successor.family_id::text AS "familyId"
       FROM ${table} AS used
       JOIN ${table} AS successor ON successor.family_id = used.family_id AND successor.token_hash = $2
       WHERE used.token_hash = $1
         AND used.revoked_at IS NULL
         AND used.rotated_at > now() - make_interval(secs => $3::int)
         AND successor.rotated_at IS NULL AND successor.revoked_at IS NULL AND successor.expires_at > now()`,
        tokenHash,
        successorHash,
        graceSeconds,
      );
      return rows[0] ?? null;
    },
    find: async (tokenHash) => {
      const rows = await query<SessionRow[]>(
        `SELECT ${owner}::text AS "principalId", family_id::text AS "familyId", rotated_at AS "rotatedAt",
              revoked_at AS "revokedAt", expires_at AS "expiresAt"
       FROM ${table} WHERE token_hash = $1`,
        tokenHash,
      );
      return rows[0] ?? null;
    },
    revokeFamily: async (familyId, principalId) => {
      const rows = await query<unknown[]>(
        `UPDATE ${table} SET revoked_at = now()
       WHERE family_id = $1::uuid AND revoked_at IS NULL ${principalId ? `AND ${owner} = $2::uuid` : ""}
       RETURNING id`,
        ...(principalId ? [familyId, principalId] : [familyId]),
      );
      return rows.length;
    },
    revokeAll: async (principalId, recentSeconds) => {
      const rows = await query<{ familyId: string }[]>(
        `WITH revoked AS (
         UPDATE ${table} SET revoked_at = now() WHERE ${owner} = $1::uuid AND revoked_at IS NULL
         RETURNING family_id
       )
       SELECT family_id::text AS "familyId" FROM revoked
       UNION
       SELECT family_id::text FROM ${table}
       WHERE ${owner} = $1::uuid AND created_at > now() - make_interval(secs => $2::int)`,
        principalId,
        recentSeconds,
      );
      return rows.map((row) => row.familyId);
    },
  };
};

const credentialData = ({ passwordHash, email }: { passwordHash?: string; email?: string }) => ({
  ...(passwordHash ? { passwordHash } : {}),
  ...(email ? { email, emailVerifiedAt: null } : {}),
});

/** What a scope reads and writes through: the scope's client or one of its transactions. */
type PlatformDb = Pick<PlatformClient, "account" | "$queryRawUnsafe">;
type SiteDb = Pick<TenantClient, "user" | "$queryRawUnsafe">;

const platformScope = (db: PlatformDb): Scope => {
  const accounts = db.account;
  const principal = async (where: { id: string } | { email: string }) => {
    const row = await accounts.findUnique({ where, select: { ...ACCOUNT_VIEW, passwordHash: true } });
    return row ? { ...accountView(row), passwordHash: row.passwordHash } : null;
  };
  return {
    kind: "platform",
    audience: audienceFor(null),
    actorType: "ACCOUNT",
    findByEmail: (email) => principal({ email }),
    findById: (id) => principal({ id }),
    create: async (data) => accountView(await accounts.create({ data, select: ACCOUNT_VIEW })),
    recordLogin: async (id) => {
      await accounts.update({ where: { id }, data: { lastLoginAt: new Date() }, select: { id: true } });
    },
    setCredentials: async (id, change) =>
      accountView(
        await accounts.update({ where: { id }, data: credentialData(change), select: ACCOUNT_VIEW }),
      ),
    sessions: sessionStore(prismaSqlExecutor(db), '"platform"."account_sessions"', "account_id"),
  };
};

const siteScope = (db: SiteDb, tenant: TenantRef): Scope => {
  const users = db.user;
  const principal = async (where: { id: string } | { email: string }) => {
    const row = await users.findUnique({ where, select: { ...USER_VIEW, passwordHash: true } });
    return row ? { ...userView(row), passwordHash: row.passwordHash } : null;
  };
  return {
    kind: "site",
    audience: audienceFor(tenant),
    actorType: "USER",
    findByEmail: (email) => principal({ email }),
    findById: (id) => principal({ id }),
    create: async (data) => userView(await users.create({ data, select: USER_VIEW })),
    recordLogin: async (id) => {
      await users.update({ where: { id }, data: { lastLoginAt: new Date() }, select: { id: true } });
    },
    setCredentials: async (id, change) =>
      userView(await users.update({ where: { id }, data: credentialData(change), select: USER_VIEW })),
    sessions: sessionStore(prismaSqlExecutor(db), `${quoteSchema(tenant.schema)}."sessions"`, "user_id"),
  };
};

/**
 * The scope the request addresses (a site when the gateway resolved one, else the platform),
 * reading through the scope's client, outside any transaction.
 */
export const scopeOf = (ctx: Context): Scope =>
  ctx.tenant ? siteScope(ctx.db, ctx.tenant) : platformScope(ctx.platform);

/** The addressed site's scope, bound to `db` (a transaction of the site's client). */
export const siteScopeIn = (ctx: Context, db: SiteDb): Scope => siteScope(db, requireSite(ctx));

/** What a change of the request's scope returns: its result and the one event that records it. */
export type ScopeChange<T> = { result: T; audit: AuditRecord | null };

/**
 * Runs a change of the request's scope in one transaction of that scope (the site's schema, or
 * `platform`), with `scope` bound to the transaction, and appends its audit event in the same
 * transaction: the change and its event commit together or not at all. `audit` is null for an
 * outcome the caller then turns into an error (a failed mutation records nothing), except for
 * the security event that outlives the failure: `session.reuse_detected` commits with the
 * revocation it records.
 */
export const auditedScopeChange = <T>(
  ctx: Context,
  change: (scope: Scope, tx: SqlExecutor) => Promise<ScopeChange<T>>,
): Promise<T> => {
  const tenant = ctx.tenant;
  return tenant
    ? auditedSiteChange(ctx, (tx) => change(siteScope(tx, tenant), prismaSqlExecutor(tx)))
    : auditedPlatformChange(ctx, (tx) => change(platformScope(tx), prismaSqlExecutor(tx)));
};
