/**
 * The authorization matrix: every mutation, called through the real gateway by every kind of
 * caller, must be allowed or denied with the expected code — and a successful call writes
 * exactly one audit event, a denied or failed one none (counted by the request id the test sends).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword, hashSecret } from "@taruvi/auth";
import { createTestAccount, randomSlug } from "@taruvi/testing";
import { expect } from "vitest";
import { allAuditRows, apiKeyDirectly, siteUser as makeSiteUser, oneTimeToken } from "./fixtures";
import { createSiteWithAdmin, type HttpResult, strongPassword, type TestStack } from "./helpers";

export const CALLERS = [
  "anonymous",
  "member",
  "admin",
  "owner",
  "superuser",
  "apiKeyWithScope",
  "apiKeyWithoutScope",
  "otherSiteUser",
] as const;
export type Caller = (typeof CALLERS)[number];

export type Operation = { query: string; variables?: Record<string, unknown> };

export type MatrixCase = {
  mutation: string;
  /** A fresh target for one caller's attempt (each attempt must be able to succeed on its own). */
  prepare: (w: MatrixWorld, caller: Caller) => Promise<Operation>;
  /** Callers that succeed; every other caller is denied. */
  allowed: readonly Caller[];
  /** Scopes of the "API key with the scope" caller (site scope). */
  scopes?: readonly string[];
  /** Expected codes of denied callers, where they differ from the scope's defaults. */
  denied?: Partial<Record<Caller, string>>;
  /** Audit events one success records: 1 unless the mutation records none by design (createUpload). */
  auditEvents?: number;
};

type Account = { id: string; email: string; password: string };

/** An ENTERPRISE organization with an account per role, a superuser, two sites and their users. */
export const createMatrixWorld = async (t: TestStack) => {
  const account = async (superuser = false): Promise<Account> => {
    const email = `${randomSlug("acct")}@example.test`;
    const password = strongPassword();
    const row = await t.db.platform.account.create({
      data: {
        email,
        name: "Matrix Account",
        passwordHash: await hashPassword(password),
        isSuperuser: superuser,
      },
    });
    return { id: row.id, email, password };
  };
  const [owner, admin, member, superuser] = await Promise.all([
    account(),
    account(),
    account(),
    account(true),
  ]);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Matrix Org",
      plan: "ENTERPRISE",
      members: {
        create: [
          { accountId: owner.id, role: "OWNER" },
          { accountId: admin.id, role: "ADMIN" },
          { accountId: member.id, role: "MEMBER" },
        ],
      },
    },
  });
  const { site, admin: siteAdminCredentials } = await createSiteWithAdmin(t, organization.id);
  const other = await createSiteWithAdmin(t, organization.id);
  await t.db.pool.query(`UPDATE platform.sites SET settings = '{"allowSignup": true}' WHERE id = $1`, [
    site.id,
  ]);
  const schema = `"${site.schemaName}"`;
  /** A user of one of the sites with a password (admin or deactivated on request). */
  const siteUser = (
    on: { id: string; slug: string; schemaName: string },
    options: { active?: boolean } = {},
  ) => makeSiteUser(t, on, { ...options, name: "Matrix User" });
  const siteAdmin = (
    await t.db.pool.query<{ id: string }>(`SELECT id FROM ${schema}.users WHERE email = $1`, [
      siteAdminCredentials.email,
    ])
  ).rows[0]?.id as string;
  const siteMember = await siteUser(site);
  const otherUser = await siteUser(other.site);

  const apiKeys = new Map<string, Promise<string>>();
  /** An API key of the site holding exactly `scopes` (made once per set). */
  const apiKey = (scopes: readonly string[]) => {
    const id = [...scopes].sort().join(",");
    let key = apiKeys.get(id);
    if (!key) {
      key = apiKeyDirectly(t, site, [...scopes]).then((made) => made.key);
      apiKeys.set(id, key);
    }
    return key;
  };

  return {
    t,
    organization,
    site,
    schema,
    otherSite: other.site,
    accounts: { owner, admin, member, superuser },
    siteAdmin,
    /** The site administrator's password (the member's is `siteMember.password`). */
    siteAdminPassword: siteAdminCredentials.password,
    siteMember,
    otherUser,
    account,
    siteUser,
    apiKey,
    /** A fresh ACTIVE site of the organization. */
    freshSite: () => t.createSite(organization.id),
    /** A fresh account invited to the organization; the invitation's id and token. */
    invitation: async (email = `${randomSlug("inv")}@example.test`, organizationId = organization.id) => {
      const token = randomBytes(32).toString("base64url");
      const row = await t.db.platform.invitation.create({
        data: {
          organizationId,
          email,
          role: "MEMBER",
          tokenHash: hashSecret(token),
          expiresAt: new Date(Date.now() + 86_400_000),
          invitedById: owner.id,
        },
      });
      return { id: row.id, token };
    },
    /** A single-use token mailed to a user or account (known to the test). */
    oneTimeToken: (
      purpose: "PASSWORD_RESET" | "EMAIL_VERIFICATION",
      owner: { siteSchema?: string; id: string },
    ) => oneTimeToken(t, purpose, owner),
    createTestAccount: () => createTestAccount(t.db.platform),
  };
};
export type MatrixWorld = Awaited<ReturnType<typeof createMatrixWorld>>;

/** The Authorization header of a caller, for a request addressed to `scope`. */
const authorization = async (
  w: MatrixWorld,
  scope: "platform" | "site",
  caller: Caller,
  scopes: readonly string[],
): Promise<string | undefined> => {
  const site = scope === "site" ? { id: w.site.id } : null;
  switch (caller) {
    case "anonymous":
      return undefined;
    case "member":
      return `Bearer ${await w.t.token(scope === "site" ? w.siteMember.id : w.accounts.member.id, site)}`;
    case "admin":
      return `Bearer ${await w.t.token(scope === "site" ? w.siteAdmin : w.accounts.admin.id, site)}`;
    case "owner":
      // An organization owner is a platform account: its token is worthless in a site.
      return `Bearer ${await w.t.token(w.accounts.owner.id, null)}`;
    case "superuser":
      return `Bearer ${await w.t.token(w.accounts.superuser.id, null)}`;
    case "apiKeyWithScope":
      return `ApiKey ${await w.apiKey(scopes)}`;
    case "apiKeyWithoutScope":
      return `ApiKey ${await w.apiKey([])}`;
    case "otherSiteUser":
      return `Bearer ${await w.t.token(w.otherUser.id, { id: w.otherSite.id })}`;
  }
};

/** Audit events written by one request, in the platform schema and every site schema. */
export const eventsOf = async (w: MatrixWorld, requestId: string): Promise<number> =>
  (await allAuditRows(w.t, requestId)).length;

/** `ok` or the error code, with the number of events when it is not what the outcome requires. */
/** A success that recorded `events` audit events. */
const succeeded = (events: number): string => (events === 1 ? "ok" : `ok (${events} events)`);

const outcomeOf = (res: HttpResult, events: number): string => {
  const error = res.json?.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? `HTTP ${res.status}`;
    return events === 0 ? code : `${code} (+${events} events)`;
  }
  return succeeded(events);
};

const DEFAULT_DENIAL: Record<"platform" | "site", Record<Caller, string>> = {
  platform: {
    anonymous: "UNAUTHENTICATED",
    member: "FORBIDDEN",
    admin: "FORBIDDEN",
    owner: "FORBIDDEN",
    superuser: "FORBIDDEN",
    // API keys and site tokens are bound to their site: the platform does not know them.
    apiKeyWithScope: "UNAUTHENTICATED",
    apiKeyWithoutScope: "UNAUTHENTICATED",
    otherSiteUser: "UNAUTHENTICATED",
  },
  site: {
    anonymous: "UNAUTHENTICATED",
    member: "FORBIDDEN",
    admin: "FORBIDDEN",
    owner: "UNAUTHENTICATED",
    superuser: "UNAUTHENTICATED",
    apiKeyWithScope: "FORBIDDEN",
    apiKeyWithoutScope: "FORBIDDEN",
    otherSiteUser: "UNAUTHENTICATED",
  },
};

/** Runs one mutation as every caller; compares the outcome table in one assertion. */
export const checkMatrixCase = async (w: MatrixWorld, scope: "platform" | "site", c: MatrixCase) => {
  const expected: Record<string, string> = {};
  const actual: Record<string, string> = {};
  for (const caller of CALLERS) {
    expected[caller] = c.allowed.includes(caller)
      ? succeeded(c.auditEvents ?? 1)
      : (c.denied?.[caller] ?? DEFAULT_DENIAL[scope][caller]);
    const operation = await c.prepare(w, caller);
    const requestId = randomUUID();
    const auth = await authorization(w, scope, caller, c.scopes ?? []);
    const res = await w.t.gql(operation.query, {
      ...(scope === "site" ? { tenant: w.site.slug } : {}),
      variables: operation.variables,
      headers: { "x-request-id": requestId, ...(auth ? { authorization: auth } : {}) },
    });
    actual[caller] = outcomeOf(res, await eventsOf(w, requestId));
  }
  expect(actual, `${c.mutation} (${scope} scope)`).toEqual(expected);
};

/** Mutations of the site scope, covered by authorization-matrix-site.int.test.ts. */
export const SITE_ONLY_MUTATIONS = [
  "createUser",
  "updateUser",
  "deactivateUser",
  "restoreUser",
  "sendPasswordReset",
  "createApiKey",
  "revokeApiKey",
  "createGroup",
  "updateGroup",
  "deleteGroup",
  "addGroupMember",
  "removeGroupMember",
  "updateSiteSettings",
  "createUpload",
  "completeUpload",
  "deleteFile",
];
