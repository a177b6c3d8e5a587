import { createTestAccount, createTestDatabase, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runTaruvi } from "./run-cli";

// The CLI creates organizations and sites for an owner account: it holds them to what one
// account may own, as the API does (MAX_ORGANIZATIONS_PER_ACCOUNT, MAX_FREE_SITES_PER_ACCOUNT;
// an operator raises them for one command through the environment). Superusers are exempt.

let db: TestDatabase;
const taruvi = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runTaruvi(args, { DATABASE_URL: db.url, ...env });

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(() => db.drop());

const createOrg = (ownerEmail: string, slug = randomSlug("org")) =>
  taruvi(["orgs", "create", "--slug", slug, "--name", "Capped", "--owner-email", ownerEmail], {
    MAX_ORGANIZATIONS_PER_ACCOUNT: "1",
  });

const createSite = (org: string, slug = randomSlug("site")) =>
  taruvi(
    [
      ...["sites", "create", "--org", org, "--slug", slug, "--name", "Capped"],
      ...[
        "--admin-email",
        `${randomSlug("admin")}@example.test`,
        "--admin-password",
        "correct horse battery",
      ],
    ],
    { MAX_FREE_SITES_PER_ACCOUNT: "1" },
  );

/** A FREE organization owned by `ownerId`, made directly. */
const organizationOf = (ownerId: string) =>
  db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Owned",
      members: { create: { accountId: ownerId, role: "OWNER" } },
    },
  });

describe("taruvi orgs create", () => {
  it("refuses an owner who already owns MAX_ORGANIZATIONS_PER_ACCOUNT (exit 1, nothing written)", async () => {
    const owner = await createTestAccount(db.platform);
    expect(await createOrg(owner.email)).toMatchObject({ code: 0, stderr: "" });
    const slug = randomSlug("org");
    const refused = await createOrg(owner.email, slug);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "error: plan: one account may own at most 1 organization, and this one owns 1\n",
    );
    expect(await db.platform.organization.count({ where: { slug } })).toBe(0);
  });

  it("lets a superuser own more", async () => {
    const superuser = await createTestAccount(db.platform, { isSuperuser: true });
    await organizationOf(superuser.id);
    expect(await createOrg(superuser.email)).toMatchObject({ code: 0, stderr: "" });
  });
});

describe("taruvi sites create", () => {
  it("refuses a site past the owner's FREE allowance, and past the organization's plan (exit 1, no site)", async () => {
    const owner = await createTestAccount(db.platform);
    const [first, second] = [await organizationOf(owner.id), await organizationOf(owner.id)];
    expect(await createSite(first.slug)).toMatchObject({ code: 0, stderr: "" });

    const slug = randomSlug("site");
    const refused = await createSite(second.slug, slug);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "error: plan: one account may have at most 1 site across the FREE organizations it owns, " +
        "and an owner of this organization has 1; upgrade this organization to add more\n",
    );
    expect(await db.platform.site.count({ where: { slug } })).toBe(0);

    // The FREE plan's one site per organization holds here too.
    const again = await taruvi(
      [
        ...["sites", "create", "--org", first.slug, "--slug", randomSlug("site"), "--name", "Capped"],
        ...["--admin-email", "a@example.test", "--admin-password", "correct horse battery"],
      ],
      { MAX_FREE_SITES_PER_ACCOUNT: "5" },
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("error: plan: the FREE plan allows 1 site; upgrade to add more\n");
  });
});
