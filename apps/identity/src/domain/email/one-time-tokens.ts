import { randomBytes } from "node:crypto";
import { hashSecret } from "@taruvi/auth";
import { prismaSqlExecutor, type SqlExecutor } from "@taruvi/db";
import { badUserInput } from "@taruvi/errors";
import type { EmailJob } from "@taruvi/jobs";
import { quoteSchema } from "@taruvi/tenancy";
import type { Context } from "../../context";

// Single-use, emailed tokens (password reset, email verification) of both scopes. Raw SQL on
// schema-qualified tables (never search_path), so one code path serves the platform's accounts
// and a site's users, inside one Prisma interactive transaction with the email job.

export type OneTimeTokenPurpose = "PASSWORD_RESET" | "EMAIL_VERIFICATION";

/** A token works for one hour, once. */
export const ONE_TIME_TOKEN_TTL_SECONDS = 3600;

/** 32 random bytes, base64url: what the email carries. Only its SHA-256 is stored. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type ScopeTables = {
  principals: string;
  sessions: string;
  tokens: string;
  /** The principal column of `sessions` and `tokens`. */
  owner: "account_id" | "user_id";
  /** The enum type, qualified like the tables. */
  purpose: string;
};

/** The request scope's tables: the platform's accounts, or the addressed site's users. */
export const tablesOf = (ctx: Context): ScopeTables => {
  if (!ctx.tenant) {
    return {
      principals: '"platform"."accounts"',
      sessions: '"platform"."account_sessions"',
      tokens: '"platform"."one_time_tokens"',
      owner: "account_id",
      purpose: '"platform"."OneTimeTokenPurpose"',
    };
  }
  const schema = quoteSchema(ctx.tenant.schema);
  return {
    principals: `${schema}."users"`,
    sessions: `${schema}."sessions"`,
    tokens: `${schema}."one_time_tokens"`,
    owner: "user_id",
    purpose: `${schema}."OneTimeTokenPurpose"`,
  };
};

/** The rows of one raw SQL statement (in the caller's transaction, or the scope's client). */
export const rows = async <T>(db: SqlExecutor, sql: string, ...values: unknown[]): Promise<T[]> =>
  (await db.query(sql, values)).rows as T[];

/** The request scope's client for reads outside a transaction. */
export const scopeClient = (ctx: Context): SqlExecutor =>
  prismaSqlExecutor(ctx.tenant ? ctx.db : ctx.platform);

const invalidToken = () => badUserInput("token", "is invalid, expired or already used");

/** A new token of `principalId`, stored hashed in the caller's transaction. */
export const createOneTimeToken = async (
  tx: SqlExecutor,
  tables: ScopeTables,
  purpose: OneTimeTokenPurpose,
  principalId: string,
): Promise<string> => {
  const token = randomBytes(32).toString("base64url");
  await rows(
    tx,
    `INSERT INTO ${tables.tokens} (purpose, ${tables.owner}, token_hash, expires_at)
     VALUES ($1::${tables.purpose}, $2::uuid, $3, now() + make_interval(secs => $4::int)) RETURNING id`,
    purpose,
    principalId,
    hashSecret(token),
    ONE_TIME_TOKEN_TTL_SECONDS,
  );
  return token;
};

/** The principal of a token that is still usable, without using it; BAD_USER_INPUT on `token` otherwise. */
export const peekOneTimeToken = async (
  db: SqlExecutor,
  tables: ScopeTables,
  purpose: OneTimeTokenPurpose,
  token: unknown,
): Promise<string> => {
  if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) throw invalidToken();
  const [row] = await rows<{ principalId: string }>(
    db,
    `SELECT ${tables.owner}::text AS "principalId" FROM ${tables.tokens}
     WHERE token_hash = $1 AND purpose = $2::${tables.purpose} AND used_at IS NULL AND expires_at > now()`,
    hashSecret(token),
    purpose,
  );
  if (!row) throw invalidToken();
  return row.principalId;
};

/**
 * Uses a token in the caller's transaction: marks it used and returns its principal. Unknown,
 * expired, used or of another purpose: BAD_USER_INPUT on `token`. Of two concurrent uses, one wins.
 */
export const useOneTimeToken = async (
  tx: SqlExecutor,
  tables: ScopeTables,
  purpose: OneTimeTokenPurpose,
  token: unknown,
): Promise<string> => {
  if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) throw invalidToken();
  const [row] = await rows<{ principalId: string }>(
    tx,
    `UPDATE ${tables.tokens} SET used_at = now()
     WHERE token_hash = $1 AND purpose = $2::${tables.purpose} AND used_at IS NULL AND expires_at > now()
     RETURNING ${tables.owner}::text AS "principalId"`,
    hashSecret(token),
    purpose,
  );
  if (!row) throw invalidToken();
  return row.principalId;
};

/** Fails the caller's transaction (token kept unused) when the principal is gone or deactivated. */
export const principalMustBeActive = (found: unknown[]): void => {
  if (found.length === 0) throw invalidToken();
};

/** A page of the front end with the token (and, in a site, the site's slug). */
export const linkTo = (ctx: Context, path: string, token: string): string => {
  const url = new URL(
    path,
    ctx.services.publicUrl.endsWith("/") ? ctx.services.publicUrl : `${ctx.services.publicUrl}/`,
  );
  url.searchParams.set("token", token);
  if (ctx.tenant) url.searchParams.set("tenant", ctx.tenant.slug);
  return url.toString();
};

/** Enqueues the email in the caller's transaction: it is sent if and only if the transaction commits. */
export const sendEmailInTransaction = (ctx: Context, tx: SqlExecutor, email: EmailJob): Promise<void> =>
  ctx.services.jobs.sendEmail(email, { db: tx });

/** Where the email says it comes from: the site's slug, or the platform. */
export const scopeName = (ctx: Context): string => (ctx.tenant ? `the site "${ctx.tenant.slug}"` : "Taruvi");
