import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword } from "@taruvi/auth";
import { type ReceivedEmail, randomSlug, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSiteWithAdmin,
  type HttpResult,
  signedIn,
  signedInAccount,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

// No readable secret at rest: once an email with a single-use link went out, no table of the
// database (pg-boss's queue and archive, the platform, every site schema) holds the token that
// the email carries, and the link still works. The queue only ever holds the body sealed
// (packages/jobs), and the worker erases it when the job completes (decision 0012).

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.close());

const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};

/** Every table of the database, partitioned ones included, with its schema. */
const everyTable = async () =>
  (
    await t.db.pool.query<{ schema: string; table: string }>(
      `SELECT n.nspname AS schema, c.relname AS "table" FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY 1, 2`,
    )
  ).rows;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `schema.table` of every table with a row whose text (every column, JSON included) contains `needle`. */
const tablesHolding = async (needle: string): Promise<string[]> => {
  const found: string[] = [];
  for (const { schema, table } of await everyTable()) {
    const { rows } = await t.db.pool.query<{ hit: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quote(schema)}.${quote(table)} AS r WHERE strpos(r::text, $1) > 0) AS hit`,
      [needle],
    );
    if (rows[0]?.hit) found.push(`${schema}.${table}`);
  }
  return found;
};

/** The token in the email's link. */
const tokenIn = (mail: ReceivedEmail): string => {
  const token = /[?&]token=([A-Za-z0-9_-]{43})\b/.exec(mail.text)?.[1];
  if (!token) throw new Error(`no token in ${mail.path}`);
  return token;
};

/** Waits until pg-boss marked the email's job (the .eml file is named after it) completed. */
const jobCompleted = async (mail: ReceivedEmail) => {
  const id = basename(mail.path, ".eml");
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { rows } = await t.db.pool.query<{ state: string }>("SELECT state FROM pgboss.job WHERE id = $1", [
      id,
    ]);
    if (rows[0]?.state === "completed") return;
    if (Date.now() > deadline) throw new Error(`job ${id} is ${rows[0]?.state ?? "missing"}, not completed`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** The emailed token once its job completed, and the tables that still hold it (none expected). */
const sentToken = async (to: string, subject: string) => {
  const mail = await waitForEmail(t.stack.mailDir, to, { subject });
  await jobCompleted(mail);
  const token = tokenIn(mail);
  return { token, holders: await tablesHolding(token) };
};

const REQUEST_RESET = "mutation ($email: String!) { requestPasswordReset(email: $email) }";
const RESET =
  "mutation ($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }";
const INVITE = "mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id } }";
const ACCEPT = "mutation ($token: String!) { acceptInvitation(token: $token) { id viewerRole } }";
const CREATE_ORG = "mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }";
const REQUEST_VERIFICATION = "mutation { requestEmailVerification }";
const VERIFY = "mutation ($token: String!) { verifyEmail(token: $token) }";

/** A signed-in account that owns an organization made through the API. */
const ownerWithOrganization = async () => {
  const owner = await signedInAccount(t, { name: "Olive Owner" });
  const { createOrganization } = ok(
    await t.gql(CREATE_ORG, {
      token: owner.token,
      variables: { input: { name: "Secrets Co", slug: randomSlug("org") } },
    }),
  );
  return { owner, organizationId: createOrganization.id as string };
};

describe("the search over every table", () => {
  it("covers pg-boss, the platform and the site schemas, and finds what is there", async () => {
    const { site, admin } = await createSiteWithAdmin(t, (await ownerWithOrganization()).organizationId);
    const schemas = new Set((await everyTable()).map((row) => row.schema));
    expect([...schemas]).toEqual(expect.arrayContaining(["pgboss", "platform", site.schemaName]));
    // A value that is stored is found: the site admin's address in the site's users.
    expect(await tablesHolding(admin.email)).toContain(`${site.schemaName}.users`);
  });
});

describe("after the email is sent, no table holds its token, and the link still works", () => {
  it("a platform password reset", async () => {
    const account = await signedInAccount(t, { name: "Reset Me" });
    ok(await t.gql(REQUEST_RESET, { variables: { email: account.email } }));
    const { token, holders } = await sentToken(account.email, "Reset your password");
    // The recipient is still in the job (it is no secret): the search does look into pg-boss.
    expect(await tablesHolding(account.email)).toEqual(expect.arrayContaining(["pgboss.job"]));
    expect(holders).toEqual([]);

    const password = strongPassword();
    expect(ok(await t.gql(RESET, { variables: { token, password } }))).toEqual({ resetPassword: true });
    await signedIn(t, { email: account.email, password });
  });

  it("a site user's password reset", async () => {
    const { organizationId } = await ownerWithOrganization();
    const { site, admin } = await createSiteWithAdmin(t, organizationId);
    ok(await t.gql(REQUEST_RESET, { variables: { email: admin.email }, tenant: site.slug }));
    const { token, holders } = await sentToken(admin.email, "Reset your password");
    expect(holders).toEqual([]);

    const password = strongPassword();
    const reset = await t.gql(RESET, { variables: { token, password }, tenant: site.slug });
    expect(ok(reset)).toEqual({ resetPassword: true });
    await signedIn(t, { email: admin.email, password }, site.slug);
  });

  it("an invitation", async () => {
    const { owner, organizationId } = await ownerWithOrganization();
    const invitee = await signedInAccount(t, { name: "Ivy Invitee" });
    ok(
      await t.gql(INVITE, {
        token: owner.token,
        variables: { input: { organizationId, email: invitee.email } },
      }),
    );
    const { token, holders } = await sentToken(invitee.email, "Join ");
    expect(holders).toEqual([]);

    const accepted = ok(await t.gql(ACCEPT, { token: invitee.token, variables: { token } }));
    expect(accepted.acceptInvitation).toEqual({ id: organizationId, viewerRole: "MEMBER" });
  });

  it("an email verification", async () => {
    const credentials = { email: `${randomSlug("verify")}@example.test`, password: strongPassword() };
    await t.db.platform.account.create({
      data: {
        email: credentials.email,
        name: "Vera",
        passwordHash: await hashPassword(credentials.password),
      },
    });
    const session = await signedIn(t, credentials);
    ok(await t.gql(REQUEST_VERIFICATION, { token: session.accessToken }));
    const { token, holders } = await sentToken(credentials.email, "Confirm your email address");
    expect(holders).toEqual([]);
    expect(ok(await t.gql(VERIFY, { variables: { token } }))).toEqual({ verifyEmail: true });
  });
});

describe("EMAIL_ENCRYPTION_KEY in production", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  /** Starts an app as `npm run start:<app>` would, with NODE_ENV=production and no email key. */
  const start = (app: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(
        join(root, "node_modules/.bin/tsx"),
        [join(root, `apps/${app}/src/index.ts`)],
        {
          env: {
            ...process.env,
            NODE_ENV: "production",
            DATABASE_URL: t.db.url,
            INTERNAL_CONTEXT_SECRET: randomBytes(32).toString("hex"),
            EMAIL_ENCRYPTION_KEY: "",
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === "number" ? error.code : null) : 0,
            output: stdout + stderr,
          }),
      );
    });

  it("identity and organizations refuse to start with the development key (exit 1, naming it)", async () => {
    for (const run of await Promise.all([start("identity"), start("organizations")])) {
      expect(run.code).toBe(1);
      expect(run.output).toContain("EMAIL_ENCRYPTION_KEY: must be set in production");
    }
  });
});
