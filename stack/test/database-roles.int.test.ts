import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { createPool } from "@taruvi/db";
import {
  applyDatabaseRoles,
  defaultMigrationsDirs,
  installJobQueue,
  loadMigrations,
  migratePlatform,
} from "@taruvi/migrator";
import { createTestRoles, randomSlug, type TestRoles, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTrail } from "./audit-helpers";
import { type GqlOptions, startTestStack, strongPassword, type TestStack } from "./helpers";

// The whole platform with the two roles of production (docs/decisions/0022-database-roles.md):
// every app on the application role (DATABASE_URL), the sites app and the worker holding a small
// owner pool (MIGRATION_DATABASE_URL) for provisioning and purge. The database is an existing one
// (the platform migrated by an administrator): `db roles` hands it to the owner first.
let t: TestStack;
let roles: TestRoles;
/** Every warning and error any app logged. */
const logged: string[] = [];

/** A successful operation's data (fails the test, showing the response, otherwise). */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON response bodies
const ok = async (query: string, options: GqlOptions = {}): Promise<any> => {
  const res = await t.gql(query, options);
  expect(res.json?.errors, res.body).toBeUndefined();
  return res.json.data;
};

const PAYLOAD = "accessToken refreshToken user { id email }";

beforeAll(async () => {
  t = await startTestStack(
    { SITE_RETENTION_DAYS: "0" },
    {
      prepare: async (db) => {
        roles = createTestRoles(db);
        await applyDatabaseRoles(db.pool, { owner: roles.owner, app: roles.app });
        // What the migrate job does, as the owner: nothing new to apply here but the job
        // queue's function, which now runs with the owner's rights.
        const owner = createPool({ url: roles.owner.url, max: 1 });
        try {
          await migratePlatform(owner, loadMigrations(defaultMigrationsDirs.platform));
          await installJobQueue(owner);
        } finally {
          await owner.end();
        }
        return { DATABASE_URL: roles.app.url, MIGRATION_DATABASE_URL: roles.owner.url };
      },
      logLevel: "warn",
      logDestination: new Writable({
        write(chunk, _encoding, done) {
          logged.push(String(chunk));
          done();
        },
      }),
    },
  );
});
afterAll(async () => {
  try {
    await t?.close();
  } finally {
    await roles?.drop();
  }
});

describe("the platform on the application role", () => {
  let platformToken: string;
  let organizationId: string;
  let site: { id: string; slug: string };
  const admin = { email: "", password: strongPassword() };
  let adminToken: string;

  it("serves from the application role's pool", async () => {
    const { rows } = await t.stack.pool.query("SELECT current_user AS role");
    expect(rows[0]).toEqual({ role: roles.app.name });
  });

  it("signs up, signs in, refreshes, creates an organization and ACTIVE sites (provisioned by the owner)", async () => {
    const email = `${randomSlug("owner")}@example.test`;
    const password = strongPassword();
    await ok(`mutation ($i: SignUpInput!) { signUp(input: $i) { ${PAYLOAD} } }`, {
      variables: { i: { email, password, name: "Owner" } },
    });
    const signedIn = await ok(`mutation ($i: SignInInput!) { signIn(input: $i) { ${PAYLOAD} } }`, {
      variables: { i: { email, password } },
    });
    const refreshed = await ok(`mutation ($r: String!) { refreshSession(refreshToken: $r) { ${PAYLOAD} } }`, {
      variables: { r: signedIn.signIn.refreshToken },
    });
    platformToken = refreshed.refreshSession.accessToken;
    const org = await ok("mutation ($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }", {
      token: platformToken,
      variables: { i: { name: "Roles Org", slug: randomSlug("org") } },
    });
    organizationId = org.createOrganization.id;
    const slug = randomSlug("site");
    admin.email = `admin@${slug}.example.test`;
    const created = await ok("mutation ($i: CreateSiteInput!) { createSite(input: $i) { id slug status } }", {
      token: platformToken,
      variables: {
        i: {
          organizationId,
          name: "Roles Site",
          slug,
          adminEmail: admin.email,
          adminPassword: admin.password,
        },
      },
    });
    expect(created.createSite).toMatchObject({ slug, status: "ACTIVE" });
    site = created.createSite;
    // Its schema is the owner's; the application role was given its data by default privileges.
    const { rows } = await t.db.pool.query(
      `SELECT pg_get_userbyid(n.nspowner) AS owner, has_schema_privilege($2, n.oid, 'USAGE') AS usable,
              has_schema_privilege($2, n.oid, 'CREATE') AS creatable
         FROM platform.sites s JOIN pg_namespace n ON n.nspname = s.schema_name WHERE s.id = $1`,
      [site.id, roles.app.name],
    );
    expect(rows[0]).toEqual({ owner: roles.owner.name, usable: true, creatable: false });
  });

  it("manages a site's users, groups, permissions and API keys", async () => {
    const tenant = site.slug;
    adminToken = (
      await ok(`mutation ($i: SignInInput!) { signIn(input: $i) { ${PAYLOAD} } }`, {
        tenant,
        variables: { i: admin },
      })
    ).signIn.accessToken;
    const as = { tenant, token: adminToken };
    const user = (
      await ok("mutation ($i: CreateUserInput!) { createUser(input: $i) { id email } }", {
        ...as,
        variables: {
          i: { email: `${randomSlug("u")}@example.test`, name: "Ursula", password: strongPassword() },
        },
      })
    ).createUser;
    await ok('mutation ($id: ID!) { updateUser(id: $id, input: { name: "Ursula B" }) { id } }', {
      ...as,
      variables: { id: user.id },
    });
    await ok("mutation ($id: ID!) { deactivateUser(id: $id) { id } }", { ...as, variables: { id: user.id } });
    await ok("mutation ($id: ID!) { restoreUser(id: $id) { id } }", { ...as, variables: { id: user.id } });
    const group = (
      await ok("mutation ($i: CreateGroupInput!) { createGroup(input: $i) { id } }", {
        ...as,
        variables: { i: { name: "Editors" } },
      })
    ).createGroup;
    await ok("mutation ($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }", {
      ...as,
      variables: { g: group.id, u: user.id },
    });
    const grant = (
      await ok("mutation ($i: GrantPermissionInput!) { grantPermission(input: $i) { id } }", {
        ...as,
        variables: { i: { groupId: group.id, permission: "users.view" } },
      })
    ).grantPermission;
    await ok("mutation ($id: ID!) { revokePermission(id: $id) }", { ...as, variables: { id: grant.id } });
    await ok("mutation ($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }", {
      ...as,
      variables: { g: group.id, u: user.id },
    });

    const key = (
      await ok("mutation ($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id } } }", {
        ...as,
        variables: { i: { name: "CI", scopes: ["users.view"] } },
      })
    ).createApiKey;
    const byKey = await ok("{ users { edges { node { email } } } }", {
      tenant,
      headers: { authorization: `ApiKey ${key.key}` },
    });
    expect(byKey.users.edges.map((e: { node: { email: string } }) => e.node.email)).toContain(user.email);
    await ok("mutation ($id: ID!) { revokeApiKey(id: $id) { id } }", {
      ...as,
      variables: { id: key.apiKey.id },
    });
    const refused = await t.gql("{ users { edges { node { id } } } }", {
      tenant,
      headers: { authorization: `ApiKey ${key.key}` },
    });
    expect(refused.status).toBe(401);

    // A queued email (pg-boss on the application role), delivered by the worker.
    await ok("mutation ($id: ID!) { sendPasswordReset(userId: $id) }", { ...as, variables: { id: user.id } });
    expect(
      (await waitForEmail(t.stack.mailDir, user.email, { subject: "Reset your password" })).text,
    ).toContain("reset-password");
  });

  it("stores and serves a site's files", async () => {
    const bytes = Buffer.from("least privilege\n");
    const as = { tenant: site.slug, token: adminToken };
    const upload = (
      await ok(
        "mutation ($i: CreateUploadInput!) { createUpload(input: $i) { file { id } uploadUrl uploadHeaders { name value } } }",
        {
          ...as,
          variables: {
            i: {
              name: "notes.txt",
              contentType: "text/plain",
              size: bytes.length,
              sha256: createHash("sha256").update(bytes).digest("hex"),
            },
          },
        },
      )
    ).createUpload;
    const put = await fetch(upload.uploadUrl, {
      method: "PUT",
      headers: Object.fromEntries(
        upload.uploadHeaders.map((h: { name: string; value: string }) => [h.name, h.value]),
      ),
      body: bytes,
    });
    expect(put.ok).toBe(true);
    await ok("mutation ($id: ID!) { completeUpload(id: $id) { id } }", {
      ...as,
      variables: { id: upload.file.id },
    });
    const file = (
      await ok("query ($id: ID!) { file(id: $id) { status downloadUrl } }", {
        ...as,
        variables: { id: upload.file.id },
      })
    ).file;
    expect(file.status).toBe("READY");
    expect(await (await fetch(file.downloadUrl)).text()).toBe("least privilege\n");
    await ok("mutation ($id: ID!) { deleteFile(id: $id) }", { ...as, variables: { id: upload.file.id } });
  });

  it("reads the audit trail in both scopes", async () => {
    const siteTrail = await readTrail(t, {
      tenant: site.slug,
      token: adminToken,
      first: 100,
      selection: "action",
    });
    expect(siteTrail.json.errors, siteTrail.body).toBeUndefined();
    const siteActions = siteTrail.json.data.auditEvents.edges.map(
      (e: { node: { action: string } }) => e.node.action,
    );
    expect(siteActions).toEqual(
      expect.arrayContaining(["user.created", "group.created", "api_key.created", "api_key.revoked"]),
    );
    const platformTrail = await readTrail(t, { token: platformToken, first: 100, selection: "action" });
    expect(platformTrail.json.errors, platformTrail.body).toBeUndefined();
    const platformActions = platformTrail.json.data.auditEvents.edges.map(
      (e: { node: { action: string } }) => e.node.action,
    );
    expect(platformActions).toEqual(expect.arrayContaining(["organization.created", "site.created"]));
  });

  it("suspends, resumes and deletes a site; the worker purges it through the owner", async () => {
    const status = async (mutation: string) =>
      (
        await ok(`mutation ($id: ID!) { ${mutation}(id: $id) { status } }`, {
          token: platformToken,
          variables: { id: site.id },
        })
      )[mutation].status;
    expect(await status("suspendSite")).toBe("SUSPENDED");
    expect(await status("resumeSite")).toBe("ACTIVE");
    expect(await status("deleteSite")).toBe("DELETED");
    const jobs = t.stack.scheduledJobs;
    if (!jobs) throw new Error("the stack runs its worker");
    await jobs.runNow("sites.purge");
    const deadline = Date.now() + 15_000;
    while ((await t.db.pool.query("SELECT 1 FROM platform.sites WHERE id = $1", [site.id])).rowCount) {
      if (Date.now() > deadline) throw new Error("the purge job did not run");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const schemas = await t.db.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [
      `site_${site.id.replaceAll("-", "")}`,
    ]);
    expect(schemas.rowCount).toBe(0);
  });

  it("signs out", async () => {
    expect(await ok("mutation { signOut }", { token: platformToken })).toEqual({ signOut: true });
  });

  it("no app met a refusal of the database on the way", () => {
    expect(logged.filter((line) => /permission denied|must be owner|42501/.test(line))).toEqual([]);
  });
});
