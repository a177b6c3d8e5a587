import { createServer } from "node:net";
import { PassThrough } from "node:stream";
import { hashPassword, verifyPassword } from "@taruvi/auth";
import { randomSlug, readEmails, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSiteWithAdmin,
  createWorld,
  errorCode,
  refreshAt,
  signedIn,
  signInAt,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

// Password reset and email verification through the real gateway, with the in-process worker
// delivering the emails as .eml files (t.stack.mailDir).

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let site: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let logs = "";

beforeAll(async () => {
  const destination = new PassThrough();
  destination.on("data", (chunk: Buffer) => {
    logs += chunk.toString();
  });
  t = await startTestStack({}, { logDestination: destination, logLevel: "debug" });
  world = await createWorld(t);
  site = await createSiteWithAdmin(t, world.organization.id);
});
afterAll(() => t?.close());

const REQUEST_RESET = "mutation ($email: String!) { requestPasswordReset(email: $email) }";
const RESET =
  "mutation ($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }";
const REQUEST_VERIFICATION = "mutation { requestEmailVerification }";
const VERIFY = "mutation ($token: String!) { verifyEmail(token: $token) }";
const ME = "{ me { id emailVerified } }";

const tenantOf = (tenant?: string) => (tenant ? { tenant } : {});
const requestReset = (email: string, tenant?: string) =>
  t.gql(REQUEST_RESET, { variables: { email }, ...tenantOf(tenant) });
const reset = (token: string, password: string, tenant?: string) =>
  t.gql(RESET, { variables: { token, password }, ...tenantOf(tenant) });

/** A platform account with a password. */
const account = async () => {
  const credentials = { email: `${randomSlug("acct")}@example.test`, password: strongPassword() };
  const row = await t.db.platform.account.create({
    data: {
      email: credentials.email,
      name: "Reset Me",
      passwordHash: await hashPassword(credentials.password),
    },
  });
  return { id: row.id, ...credentials };
};

/** The link in the email to `to` with `subject`, once the worker delivered it. */
const linkIn = async (to: string, subject: string) => {
  const mail = await waitForEmail(t.stack.mailDir, to, { subject });
  const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no link in ${mail.path}`);
  const url = new URL(link);
  return { url, token: url.searchParams.get("token") ?? "" };
};

const tokenRow = (tokens: string, token: string) =>
  `UPDATE ${tokens} SET expires_at = now() - interval '1 second'
   WHERE token_hash = encode(sha256(convert_to('${token}', 'UTF8')), 'hex') RETURNING id`;

describe("password reset", () => {
  it("platform: emails a single-use link; the reset changes the password and ends every session", async () => {
    const user = await account();
    const first = await signedIn(t, user);
    const second = await signedIn(t, user);
    expect((await t.gql(ME, { token: first.accessToken })).json.data.me.id).toBe(user.id);

    expect((await requestReset(user.email.toUpperCase())).json.data).toEqual({ requestPasswordReset: true });
    const { url, token } = await linkIn(user.email, "Reset your password");
    expect(`${url.origin}${url.pathname}`).toBe("http://localhost:5173/reset-password");
    expect(url.searchParams.has("tenant")).toBe(false);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const password = strongPassword();
    expect((await reset(token, password)).json.data).toEqual({ resetPassword: true });

    expect(errorCode(await signInAt(t, user))).toBe("UNAUTHENTICATED");
    await signedIn(t, { email: user.email, password });
    // Every session from before: rows revoked, access tokens refused, refresh tokens dead.
    const sessions = await t.db.pool.query(
      "SELECT revoked_at FROM platform.account_sessions WHERE account_id = $1",
      [user.id],
    );
    expect(sessions.rows.filter((row) => row.revoked_at === null)).toHaveLength(1); // the new sign-in
    for (const old of [first, second]) {
      expect(errorCode(await t.gql(ME, { token: old.accessToken }))).toBe("UNAUTHENTICATED");
      expect(errorCode(await refreshAt(t, old.refreshToken))).toBe("UNAUTHENTICATED");
    }
    const row = await t.db.platform.account.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(row.passwordHash ?? "", password)).toBe(true);
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.emailVerifiedAt).not.toBeNull(); // the link reached the address

    const again = await reset(token, strongPassword());
    expect(again.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "token" } });
  });

  it("site: the link names the site, the token works there only, and the site user's sessions end", async () => {
    const session = await signedIn(t, site.admin, site.site.slug);
    await requestReset(site.admin.email, site.site.slug);
    const { url, token } = await linkIn(site.admin.email, "Reset your password");
    expect(url.searchParams.get("tenant")).toBe(site.site.slug);

    // A site's token means nothing on the platform or at another site.
    expect(errorCode(await reset(token, strongPassword()))).toBe("BAD_USER_INPUT");
    expect(errorCode(await reset(token, strongPassword(), world.siteA.slug))).toBe("BAD_USER_INPUT");

    const password = strongPassword();
    expect((await reset(token, password, site.site.slug)).json.data).toEqual({ resetPassword: true });
    expect(errorCode(await signInAt(t, site.admin, site.site.slug))).toBe("UNAUTHENTICATED");
    await signedIn(t, { email: site.admin.email, password }, site.site.slug);
    expect(errorCode(await t.gql(ME, { token: session.accessToken, tenant: site.site.slug }))).toBe(
      "UNAUTHENTICATED",
    );
    site.admin.password = password;
  });

  it("refuses a weak password (BAD_USER_INPUT on password) and keeps the token usable", async () => {
    const user = await account();
    await requestReset(user.email);
    const { token } = await linkIn(user.email, "Reset your password");
    for (const weak of ["short", "password123", `${user.email.split("@")[0]}-x`]) {
      const res = await reset(token, weak);
      expect(res.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "password" } });
    }
    expect((await reset(token, strongPassword())).json.data).toEqual({ resetPassword: true });
  });

  it("refuses an expired, unknown or malformed token (BAD_USER_INPUT on token)", async () => {
    const user = await account();
    await requestReset(user.email);
    const { token } = await linkIn(user.email, "Reset your password");
    expect((await t.db.pool.query(tokenRow("platform.one_time_tokens", token))).rowCount).toBe(1);
    for (const bad of [token, "A".repeat(43), "not a token"]) {
      const res = await reset(bad, strongPassword());
      expect(res.json.errors[0]).toMatchObject({
        message: "token: is invalid, expired or already used",
        extensions: { code: "BAD_USER_INPUT", field: "token" },
      });
    }
  });

  it("answers true for an unknown email, as slowly as for a known one, and sends nothing", async () => {
    const unknown = `${randomSlug("nobody")}@example.test`;
    const user = await account();
    const timed = async (email: string) => {
      const started = performance.now();
      const res = await requestReset(email);
      return { data: res.json.data, ms: performance.now() - started };
    };
    const missing = await timed(unknown);
    const known = await timed(user.email);
    expect(missing.data).toEqual({ requestPasswordReset: true });
    expect(known.data).toEqual({ requestPasswordReset: true });
    expect(missing.ms).toBeGreaterThanOrEqual(145);
    expect(known.ms).toBeGreaterThanOrEqual(145);

    await linkIn(user.email, "Reset your password"); // the worker is past both requests
    expect((await readEmails(t.stack.mailDir)).filter((m) => m.to === unknown)).toEqual([]);
    const jobs = await t.db.pool.query("SELECT 1 FROM pgboss.job WHERE data->>'to' = $1", [unknown]);
    expect(jobs.rowCount).toBe(0);
  });

  it("sends nothing when the transaction that enqueued the email rolls back", async () => {
    const broken = await createSiteWithAdmin(t, world.organization.id);
    // Fails every commit that stored a token in this site, after the job was enqueued.
    await t.db.pool.query(`
      CREATE FUNCTION "${broken.site.schemaName}".refuse() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
      CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON "${broken.site.schemaName}".one_time_tokens
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "${broken.site.schemaName}".refuse();`);
    const res = await requestReset(broken.admin.email, broken.site.slug);
    expect(errorCode(res)).toBe("INTERNAL_SERVER_ERROR");

    const witness = await account(); // enqueued after; once it is delivered, the worker had its chance
    await requestReset(witness.email);
    await linkIn(witness.email, "Reset your password");
    expect((await readEmails(t.stack.mailDir)).filter((m) => m.to === broken.admin.email)).toEqual([]);
    const jobs = await t.db.pool.query("SELECT 1 FROM pgboss.job WHERE data->>'to' = $1", [
      broken.admin.email,
    ]);
    expect(jobs.rowCount).toBe(0);
    const tokens = await t.db.pool.query(`SELECT 1 FROM "${broken.site.schemaName}".one_time_tokens`);
    expect(tokens.rowCount).toBe(0);
  });
});

describe("email verification", () => {
  const verifyFlow = async (credentials: { email: string; password: string }, tenant?: string) => {
    const session = await signedIn(t, credentials, tenant);
    const me = () => t.gql(ME, { token: session.accessToken, ...tenantOf(tenant) });
    expect((await me()).json.data.me.emailVerified).toBe(false);

    const requested = await t.gql(REQUEST_VERIFICATION, { token: session.accessToken, ...tenantOf(tenant) });
    expect(requested.json.data).toEqual({ requestEmailVerification: true });
    const { url, token } = await linkIn(credentials.email, "Confirm your email address");
    expect(url.pathname).toBe("/verify-email");
    expect(url.searchParams.get("tenant")).toBe(tenant ?? null);

    expect((await t.gql(VERIFY, { variables: { token }, ...tenantOf(tenant) })).json.data).toEqual({
      verifyEmail: true,
    });
    expect((await me()).json.data.me.emailVerified).toBe(true);
    const reused = await t.gql(VERIFY, { variables: { token }, ...tenantOf(tenant) });
    expect(reused.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "token" } });
  };

  it("platform: the signed-in account confirms its address with the emailed token", async () => {
    await verifyFlow(await account());
  });

  it("site: the signed-in site user confirms its address with the emailed token", async () => {
    const credentials = { email: `${randomSlug("member")}@example.test`, password: strongPassword() };
    await t.db.pool.query(
      `INSERT INTO "${world.siteA.schemaName}".users (email, name, password_hash) VALUES ($1, $2, $3)`,
      [credentials.email, "Site Member", await hashPassword(credentials.password)],
    );
    await verifyFlow(credentials, world.siteA.slug);
  });

  it("needs a signed-in user; a reset token is not a verification token", async () => {
    expect(errorCode(await t.gql(REQUEST_VERIFICATION))).toBe("UNAUTHENTICATED");
    const user = await account();
    await requestReset(user.email);
    const { token } = await linkIn(user.email, "Reset your password");
    expect(errorCode(await t.gql(VERIFY, { variables: { token } }))).toBe("BAD_USER_INPUT");
  });
});

describe("logs", () => {
  it("never contain a token from an email", async () => {
    const tokens = (await readEmails(t.stack.mailDir))
      .map((mail) => /[?&]token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1])
      .filter((token): token is string => Boolean(token));
    expect(tokens.length).toBeGreaterThan(5);
    expect(logs).toContain("email sent");
    for (const token of tokens) expect(logs).not.toContain(token);
  });
});

describe("the worker", () => {
  it("retries a send the mail server refuses, then marks the job failed", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const s = await startTestStack({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      EMAIL_RETRY_LIMIT: "1",
      EMAIL_RETRY_DELAY_SECONDS: "1",
    });
    try {
      const email = `${randomSlug("smtp")}@example.test`;
      await s.db.platform.account.create({
        data: { email, name: "Smtp", passwordHash: await hashPassword(strongPassword()) },
      });
      expect((await s.gql(REQUEST_RESET, { variables: { email } })).json.data).toEqual({
        requestPasswordReset: true,
      });
      const state = async () =>
        (
          await s.db.pool.query<{ state: string; retry_count: number }>(
            "SELECT state, retry_count FROM pgboss.job WHERE data->>'to' = $1",
            [email],
          )
        ).rows[0];
      const deadline = Date.now() + 30_000;
      while ((await state())?.state !== "failed" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(await state()).toEqual({ state: "failed", retry_count: 1 });
    } finally {
      await s.close();
    }
  });
});
