import { randomUUID } from "node:crypto";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, strongPassword, type TestStack } from "../../../stack/test/helpers";
import {
  AuditEventsDocument,
  CreateOrganizationDocument,
  CreateSiteDocument,
  CreateUserDocument,
  createTaruviClient,
  MeDocument,
  OrganizationsDocument,
  TaruviError,
  UsersDocument,
} from "../src/index";

// The SDK against a real gateway and subgraphs: the whole path a client takes, from platform
// sign-up to a site's audit trail, plus token refresh with rotation and typed errors.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.close());

/** A fetch that counts the refreshSession calls it carries. */
const countingFetch = () => {
  const counter = { refreshes: 0 };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (String(init?.body).includes("mutation RefreshSession")) counter.refreshes++;
    return globalThis.fetch(input, init);
  };
  return { fetch, counter };
};

/** A platform account signed up through the SDK, with an organization and a site (and its admin). */
const world = async (fetch?: typeof globalThis.fetch) => {
  const platform = createTaruviClient({ url: t.stack.gatewayUrl, ...(fetch ? { fetch } : {}) });
  const owner = { email: `${randomSlug("owner")}@example.test`, password: strongPassword() };
  await platform.signUp({ ...owner, name: "Olive Owner" });
  const { createOrganization: organization } = await platform.request(CreateOrganizationDocument, {
    input: { name: "SDK Org", slug: randomSlug("org") },
  });
  const admin = { email: `${randomSlug("admin")}@example.test`, password: strongPassword() };
  const { createSite: site } = await platform.request(CreateSiteDocument, {
    input: {
      organizationId: organization.id,
      name: `SDK Site ${randomSlug("n")}`,
      slug: randomSlug("site"),
      adminEmail: admin.email,
      adminPassword: admin.password,
    },
  });
  return { platform, owner, organization, site, admin };
};

describe("the SDK through the gateway", () => {
  it("signs up, creates an organization and a site, signs in to the site, creates a user and reads it in the audit trail", async () => {
    const { platform, organization, site, admin } = await world();
    expect(site).toMatchObject({ status: "ACTIVE", organization: { id: organization.id } });
    expect((await platform.request(MeDocument)).me?.name).toBe("Olive Owner");
    const { organizations } = await platform.request(OrganizationsDocument);
    expect(organizations).toEqual([
      expect.objectContaining({
        id: organization.id,
        viewerRole: "OWNER",
        sites: [expect.objectContaining({ slug: site.slug, name: site.name })],
      }),
    ]);

    const siteClient = platform.withTenant(site.slug);
    const session = await siteClient.signIn({ email: admin.email, password: admin.password });
    expect(session.user).toMatchObject({ email: admin.email, isAdmin: true });
    // The platform session is untouched: each scope keeps its own tokens.
    expect((await platform.request(MeDocument)).me?.name).toBe("Olive Owner");

    const requestId = randomUUID();
    const email = `${randomSlug("user")}@example.test`;
    const { createUser: user } = await siteClient.request(
      CreateUserDocument,
      { input: { email, name: "Sam Siteuser", password: strongPassword() } },
      { headers: { "x-request-id": requestId } },
    );
    expect(user).toMatchObject({ email, name: "Sam Siteuser", isAdmin: false, isActive: true });
    const { users } = await siteClient.request(UsersDocument, { filter: { search: email } });
    expect(users.edges.map((e) => e.node.id)).toEqual([user.id]);

    const { auditEvents } = await siteClient.request(AuditEventsDocument, {
      filter: { action: "user.created", entityId: user.id },
    });
    const events = auditEvents.edges.map((e) => e.node);
    expect(events).toEqual([
      expect.objectContaining({
        action: "user.created",
        entityType: "User",
        entityId: user.id,
        actorType: "USER",
        actorId: session.user.id,
        requestId,
        siteId: site.id,
      }),
    ]);
    expect(JSON.stringify(events[0]?.changes)).toContain(email);
    // The platform's trail is another one: the site user's creation is not in it.
    const platformTrail = await platform.request(AuditEventsDocument, { filter: { entityId: user.id } });
    expect(platformTrail.auditEvents.edges).toEqual([]);
  });

  it("refreshes a refused access token transparently: one rotation for concurrent requests", async () => {
    const { fetch, counter } = countingFetch();
    const { platform, site, admin } = await world(fetch);
    const siteClient = platform.withTenant(site.slug);
    await siteClient.signIn(admin);
    const signedIn = await siteClient.getTokens();
    if (!signedIn) throw new Error("no tokens after signIn");
    await siteClient.setTokens({ accessToken: "garbage.not.a-jwt", refreshToken: signedIn.refreshToken });

    const results = await Promise.all([1, 2, 3].map(() => siteClient.request(MeDocument)));
    expect(results.map((r) => r.me?.email)).toEqual([admin.email, admin.email, admin.email]);
    expect(counter.refreshes).toBe(1);
    const rotated = await siteClient.getTokens();
    expect(rotated?.refreshToken).toBeDefined();
    expect(rotated?.refreshToken).not.toBe(signedIn.refreshToken);
    expect(rotated?.accessToken).not.toBe("garbage.not.a-jwt");

    // The rotated pair is a working session: no further refresh.
    expect((await siteClient.request(MeDocument)).me?.email).toBe(admin.email);
    expect(counter.refreshes).toBe(1);
  });

  it("clears the tokens and throws UNAUTHENTICATED when the session was revoked", async () => {
    const { platform } = await world();
    const tokens = await platform.getTokens();
    const elsewhere = createTaruviClient({ url: t.stack.gatewayUrl });
    await elsewhere.setTokens(tokens);
    // Signing out everywhere ends this session: its access and refresh tokens both stop working.
    await elsewhere.signOut({ allSessions: true });
    const error = await platform.request(MeDocument).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaruviError);
    expect(error).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await platform.getTokens()).toBeNull();
    // Signed out, `me` is simply null.
    expect((await platform.request(MeDocument)).me).toBeNull();
  });

  it("changeMyPassword keeps the client signed in with the new session the server returns", async () => {
    const { platform, owner } = await world();
    const before = await platform.getTokens();
    const newPassword = strongPassword();
    await platform.changeMyPassword({ currentPassword: owner.password, newPassword });
    const after = await platform.getTokens();
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect((await platform.request(MeDocument)).me?.email).toBe(owner.email);
    const again = createTaruviClient({ url: t.stack.gatewayUrl });
    await expect(again.signIn(owner)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(again.signIn({ email: owner.email, password: newPassword })).resolves.toBeTruthy();
  });

  it("throws typed errors: CONFLICT on slug, BAD_USER_INPUT on slug, TENANT_NOT_FOUND", async () => {
    const { platform, organization } = await world();
    const taken = await platform
      .request(CreateOrganizationDocument, { input: { name: "Again", slug: organization.slug } })
      .catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(TaruviError);
    const conflict = taken as TaruviError;
    expect(conflict).toMatchObject({ code: "CONFLICT", field: "slug", data: null });
    expect(conflict.message).toContain("already exists");
    expect(conflict.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const bad = await platform
      .request(CreateOrganizationDocument, { input: { name: "Bad", slug: "Not A Slug" } })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "BAD_USER_INPUT", field: "slug" });

    const nowhere = await platform
      .withTenant(randomSlug("nosite"))
      .request(MeDocument)
      .catch((e: unknown) => e);
    expect(nowhere).toMatchObject({ code: "TENANT_NOT_FOUND", status: 404 });
  });
});
