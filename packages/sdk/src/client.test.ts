import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createTaruviClient } from "./client";
import { TaruviError } from "./errors";
import { CreateOrganizationDocument, MeDocument, SignInDocument, UsersDocument } from "./generated";
import { localStorageTokenStorage, memoryStorage, type WebStorage } from "./storage";

// The client against a scripted gateway (a fetch function): what it sends, how it reads answers,
// and refresh with rotation. The real gateway is in test/sdk.int.test.ts.

type Sent = { headers: Record<string, string>; body: { query: string; variables: Record<string, unknown> } };
type Answer = { status?: number; body: unknown; requestId?: string };

const scripted = (answer: (sent: Sent) => Answer | Promise<Answer>) => {
  const sent: Sent[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    const request: Sent = {
      headers: init?.headers as Record<string, string>,
      body: JSON.parse(String(init?.body)),
    };
    sent.push(request);
    const { status = 200, body, requestId = "req-1" } = await answer(request);
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "x-request-id": requestId },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
};

const USER = {
  id: "u1",
  email: "a@example.test",
  name: "A",
  isActive: true,
  emailVerified: false,
  isAdmin: false,
  createdAt: "2026-01-01T00:00:00.000Z",
};
const payload = (n: number) => ({
  accessToken: `at-${n}`,
  refreshToken: `rt-${n}`,
  expiresIn: 900,
  user: USER,
});
const unauthenticated = {
  status: 401,
  body: { errors: [{ message: "Invalid or expired token", extensions: { code: "UNAUTHENTICATED" } }] },
};

/** A gateway that accepts only `valid` access tokens and rotates refresh tokens. */
const gatewayWithSessions = () => {
  let generation = 1;
  let refreshed = 0;
  const gateway = scripted(async ({ headers, body }) => {
    if (body.query.includes("mutation RefreshSession")) {
      refreshed++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (body.variables.refreshToken !== `rt-${generation}`) return unauthenticated;
      generation++;
      return { body: { data: { refreshSession: payload(generation) } } };
    }
    if (headers.authorization !== `Bearer at-${generation}`) return unauthenticated;
    return { body: { data: { me: USER } } };
  });
  return { ...gateway, refreshes: () => refreshed };
};

describe("request", () => {
  it("posts the document, its variables and operation name, X-Tenant and the bearer token; returns typed data", async () => {
    const gateway = scripted(() => ({ body: { data: { me: USER } } }));
    const client = createTaruviClient({
      url: "http://gw.test/graphql",
      tenant: "acme",
      fetch: gateway.fetch,
    });
    await client.setTokens({ accessToken: "at", refreshToken: "rt" });
    const data = await client.request(MeDocument);
    expect(data.me?.email).toBe("a@example.test");
    expect(gateway.sent[0]?.headers).toMatchObject({
      "x-tenant": "acme",
      authorization: "Bearer at",
      "content-type": "application/json",
    });
    expect(gateway.sent[0]?.body).toMatchObject({ operationName: "Me", variables: {} });
    expect(gateway.sent[0]?.body.query).toContain("fragment UserFields on User");
    // Types: required variables are required; optional ones may be left out.
    await client.request(UsersDocument);
    // @ts-expect-error SignIn needs its input
    await client.request(SignInDocument).catch(() => {});
  });

  it("takes a TypedDocumentNode parsed elsewhere (sent as its source text)", async () => {
    const gateway = scripted(() => ({ body: { data: { user: { id: "u1", name: "A" } } } }));
    const client = createTaruviClient({ url: "http://gw.test/graphql", fetch: gateway.fetch });
    const document: TypedDocumentNode<{ user: { id: string; name: string } | null }, { id: string }> = parse(
      "query UserName($id: ID!) { user(id: $id) { id name } }",
    );
    expect((await client.request(document, { id: "u1" })).user?.name).toBe("A");
    expect(gateway.sent[0]?.body).toMatchObject({
      query: "query UserName($id: ID!) { user(id: $id) { id name } }",
      operationName: "UserName",
      variables: { id: "u1" },
    });
  });

  it("throws a TaruviError with code, field, request id, status and the partial data", async () => {
    const gateway = scripted(() => ({
      requestId: "req-42",
      body: {
        data: null,
        errors: [
          {
            message: "slug: an organization with this slug already exists",
            path: ["createOrganization"],
            extensions: { code: "CONFLICT", field: "slug" },
          },
        ],
      },
    }));
    const client = createTaruviClient({ url: "http://gw.test/graphql", fetch: gateway.fetch });
    const error = await client
      .request(CreateOrganizationDocument, { input: { name: "A", slug: "taken" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaruviError);
    expect(error).toMatchObject({
      code: "CONFLICT",
      field: "slug",
      requestId: "req-42",
      status: 200,
      data: null,
    });
    expect((error as TaruviError).message).toContain("already exists");
  });

  it("keeps the data that resolved next to the errors; unknown codes read as INTERNAL_SERVER_ERROR", async () => {
    const gateway = scripted(() => ({
      body: {
        data: { me: USER },
        errors: [{ message: "sites down", path: ["me", "x"], extensions: { code: "SERVICE_UNAVAILABLE" } }],
      },
    }));
    const client = createTaruviClient({ url: "http://gw.test/graphql", fetch: gateway.fetch });
    const error = (await client.request(MeDocument).catch((e: unknown) => e)) as TaruviError<{ me: unknown }>;
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.data?.me).toEqual(USER);

    const odd = scripted(() => ({
      body: { errors: [{ message: "?", extensions: { code: "SOMETHING_NEW" } }] },
    }));
    const other = createTaruviClient({ url: "http://gw.test/graphql", fetch: odd.fetch });
    const unknown = (await other.request(MeDocument).catch((e: unknown) => e)) as TaruviError;
    expect(unknown.code).toBe("INTERNAL_SERVER_ERROR");
    expect(unknown.errors[0]?.extensions?.code).toBe("SOMETHING_NEW");
  });

  it("maps an answer without a GraphQL body by its status, and no answer to NETWORK_ERROR", async () => {
    const html = async () => new Response("<html>bad gateway</html>", { status: 502 });
    const down = createTaruviClient({ url: "http://gw.test/graphql", fetch: html as typeof fetch });
    expect(await down.request(MeDocument).catch((e: unknown) => e)).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      status: 502,
    });
    const refused = async () => {
      throw new TypeError("fetch failed");
    };
    const offline = createTaruviClient({ url: "http://gw.test/graphql", fetch: refused as typeof fetch });
    expect(await offline.request(MeDocument).catch((e: unknown) => e)).toMatchObject({
      code: "NETWORK_ERROR",
      status: 0,
    });
  });
});

describe("sessions", () => {
  it("signIn stores the tokens it returns and sends none itself; signOut forgets them", async () => {
    const gateway = scripted(({ body }) =>
      body.query.includes("mutation SignIn")
        ? { body: { data: { signIn: payload(1) } } }
        : { body: { data: { signOut: true } } },
    );
    const client = createTaruviClient({ url: "http://gw.test/graphql", fetch: gateway.fetch });
    await client.setTokens({ accessToken: "stale", refreshToken: "stale" });
    const session = await client.signIn({ email: "a@example.test", password: "secret" });
    expect(session.user.id).toBe("u1");
    expect(gateway.sent[0]?.headers.authorization).toBeUndefined();
    expect(await client.getTokens()).toEqual({ accessToken: "at-1", refreshToken: "rt-1" });
    await client.signOut({ allSessions: true });
    expect(gateway.sent[1]?.headers.authorization).toBe("Bearer at-1");
    expect(gateway.sent[1]?.body.variables).toEqual({ allSessions: true });
    expect(await client.getTokens()).toBeNull();
  });

  it("refreshes a refused access token once for concurrent requests, stores the rotated pair and retries", async () => {
    const gateway = gatewayWithSessions();
    const client = createTaruviClient({ url: "http://gw.test/graphql", fetch: gateway.fetch });
    await client.setTokens({ accessToken: "garbage", refreshToken: "rt-1" });
    const results = await Promise.all([1, 2, 3, 4].map(() => client.request(MeDocument)));
    expect(results.map((r) => r.me?.id)).toEqual(["u1", "u1", "u1", "u1"]);
    expect(gateway.refreshes()).toBe(1);
    expect(await client.getTokens()).toEqual({ accessToken: "at-2", refreshToken: "rt-2" });
    const refresh = gateway.sent.find((s) => s.body.query.includes("RefreshSession"));
    expect(refresh?.headers.authorization).toBeUndefined();
    // A request that failed after the refresh finished uses the new token without refreshing again.
    await client.setTokens({ accessToken: "at-2", refreshToken: "rt-2" });
    expect((await client.request(MeDocument)).me?.id).toBe("u1");
    expect(gateway.refreshes()).toBe(1);
  });

  it("clears the tokens and throws when the refresh is refused; never retries more than once", async () => {
    const gateway = gatewayWithSessions();
    const client = createTaruviClient({ url: "http://gw.test/graphql", fetch: gateway.fetch });
    await client.setTokens({ accessToken: "garbage", refreshToken: "rt-reused" });
    const error = await client.request(MeDocument).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await client.getTokens()).toBeNull();
    expect(gateway.sent).toHaveLength(2);
    // Without tokens nothing is refreshed: the error is the answer.
    expect(await client.request(MeDocument).catch((e: unknown) => e)).toMatchObject({
      code: "UNAUTHENTICATED",
    });
    expect(gateway.refreshes()).toBe(1);
  });

  it("keeps the tokens when the refresh could not reach the gateway", async () => {
    let calls = 0;
    const flaky = (async () => {
      calls++;
      if (calls === 1) return new Response(JSON.stringify(unauthenticated.body), { status: 401 });
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    const client = createTaruviClient({ url: "http://gw.test/graphql", fetch: flaky });
    await client.setTokens({ accessToken: "old", refreshToken: "rt" });
    expect(await client.request(MeDocument).catch((e: unknown) => e)).toMatchObject({
      code: "NETWORK_ERROR",
    });
    expect(await client.getTokens()).toEqual({ accessToken: "old", refreshToken: "rt" });
  });

  it("keeps each scope's tokens apart: withTenant shares the storage under the site's key", async () => {
    const gateway = scripted(() => ({ body: { data: { me: USER } } }));
    const storage = memoryStorage();
    const platform = createTaruviClient({
      url: "http://localhost:4000/graphql",
      storage,
      fetch: gateway.fetch,
    });
    const site = platform.withTenant("acme");
    expect([platform.scope, site.scope, site.tenant]).toEqual(["host:localhost:4000", "tenant:acme", "acme"]);
    await platform.setTokens({ accessToken: "p", refreshToken: "p" });
    await site.setTokens({ accessToken: "s", refreshToken: "s" });
    await site.request(MeDocument);
    await platform.request(MeDocument);
    expect(gateway.sent.map((s) => [s.headers["x-tenant"], s.headers.authorization])).toEqual([
      ["acme", "Bearer s"],
      [undefined, "Bearer p"],
    ]);
    const byHost = createTaruviClient({ url: "http://acme.localhost:4000/graphql", storage });
    expect(byHost.scope).toBe("host:acme.localhost:4000");
    expect(await byHost.getTokens()).toBeNull();
  });
});

describe("localStorageTokenStorage", () => {
  it("keeps tokens as JSON per scope and ignores what it cannot read", () => {
    const items = new Map<string, string>();
    const web: WebStorage = {
      getItem: (key) => items.get(key) ?? null,
      setItem: (key, value) => void items.set(key, value),
      removeItem: (key) => void items.delete(key),
    };
    const storage = localStorageTokenStorage({ storage: web, prefix: "app" });
    storage.set("tenant:acme", { accessToken: "a", refreshToken: "r" });
    expect(JSON.parse(items.get("app:tenant:acme") ?? "")).toEqual({ accessToken: "a", refreshToken: "r" });
    expect(storage.get("tenant:acme")).toEqual({ accessToken: "a", refreshToken: "r" });
    items.set("app:tenant:bad", "{not json");
    expect(storage.get("tenant:bad")).toBeNull();
    storage.set("tenant:acme", null);
    expect(items.has("app:tenant:acme")).toBe(false);
    expect(() => localStorageTokenStorage().get("x")).toThrow(/no localStorage/);
  });
});
