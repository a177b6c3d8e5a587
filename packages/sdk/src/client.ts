import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import { errorCodeOf, errorCodeOfStatus, type GraphQLResponseError, TaruviError } from "./errors.js";
import {
  type AuthPayloadFieldsFragment,
  ChangeMyEmailDocument,
  ChangeMyPasswordDocument,
  RefreshSessionDocument,
  SignInDocument,
  type SignInInput,
  SignOutDocument,
  SignUpDocument,
  type SignUpInput,
} from "./generated/index.js";
import { memoryStorage, type TokenStorage, type Tokens } from "./storage.js";

export type TaruviClientOptions = {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql or https://acme.example.com/graphql. */
  url: string;
  /** A site's slug, sent as X-Tenant; omit for the platform or when `url`'s host names the site. */
  tenant?: string | undefined;
  /** Where tokens are kept; memory by default (`localStorageTokenStorage()` in a browser). */
  storage?: TokenStorage;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
};

export type RequestOptions = {
  signal?: AbortSignal;
  headers?: Record<string, string>;
};

/** Variables may be left out when the operation has no required ones. */
type VariablesArgs<TVariables> =
  Record<string, never> extends TVariables
    ? [variables?: TVariables, options?: RequestOptions]
    : [variables: TVariables, options?: RequestOptions];

export type AuthPayload = AuthPayloadFieldsFragment;

export type TaruviClient = {
  readonly url: string;
  readonly tenant: string | undefined;
  /** The key of this client's tokens in its storage: `tenant:<slug>` or `host:<host>`. */
  readonly scope: string;
  /**
   * Runs an operation (a generated document, or any typed document) and returns its data; any
   * error is thrown as a TaruviError. With stored tokens the access token is sent; when it is
   * refused (UNAUTHENTICATED) the session is refreshed once and the operation retried once.
   */
  request: <TResult, TVariables>(
    document: DocumentTypeDecoration<TResult, TVariables>,
    ...args: VariablesArgs<TVariables>
  ) => Promise<TResult>;
  /** Signs in in this client's scope and stores the tokens. */
  signIn: (input: SignInInput, options?: RequestOptions) => Promise<AuthPayload>;
  /** Signs up (and in) in this client's scope and stores the tokens. */
  signUp: (input: SignUpInput, options?: RequestOptions) => Promise<AuthPayload>;
  /**
   * Changes the signed-in user's password (the current one is required). The server ends every
   * session of the user, this one included, and answers with a new session, which is stored.
   */
  changeMyPassword: (
    input: { currentPassword: string; newPassword: string },
    options?: RequestOptions,
  ) => Promise<AuthPayload>;
  /** Changes the signed-in user's email (unverified until confirmed); stores the new session. */
  changeMyEmail: (
    input: { currentPassword: string; newEmail: string },
    options?: RequestOptions,
  ) => Promise<AuthPayload>;
  /**
   * Ends the session (or every session of the user) and forgets the tokens, whatever the answer;
   * a session the gateway already refuses is not an error.
   */
  signOut: (options?: { allSessions?: boolean } & RequestOptions) => Promise<void>;
  /** Trades the stored refresh token for a new pair now (the client also does this by itself). */
  refresh: () => Promise<Tokens>;
  getTokens: () => Promise<Tokens | null>;
  setTokens: (tokens: Tokens | null) => Promise<void>;
  /** A client for another site (X-Tenant), sharing this one's options and storage. */
  withTenant: (slug: string) => TaruviClient;
};

/** Refreshes in flight, per storage and scope: concurrent requests share one refresh. */
const refreshes = new WeakMap<TokenStorage, Map<string, Promise<Tokens>>>();

/** A refresh that failed for one of these keeps the tokens: the session may still be good. */
const TRANSIENT = new Set(["NETWORK_ERROR", "SERVICE_UNAVAILABLE", "RATE_LIMITED"]);

const documentText = <TResult, TVariables>(document: DocumentTypeDecoration<TResult, TVariables>): string => {
  if (typeof document === "string" || document instanceof String) return document.toString();
  const body = (document as { loc?: { source?: { body?: unknown } } }).loc?.source?.body;
  if (typeof body === "string") return body;
  throw new TypeError("taruvi: pass a generated document, a string, or a DocumentNode parsed with locations");
};

const operationNameOf = (query: string): string | undefined =>
  /(?:^|\s)(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1];

const scopeOf = (url: string, tenant: string | undefined): string => {
  if (tenant) return `tenant:${tenant}`;
  const base = (globalThis as { location?: { href?: string } }).location?.href ?? "http://localhost/";
  return `host:${new URL(url, base).host}`;
};

/** A client of one gateway, in one scope (the platform or a site). */
export const createTaruviClient = (options: TaruviClientOptions): TaruviClient => {
  const storage = options.storage ?? memoryStorage();
  return clientOf({ ...options, storage });
};

const clientOf = (options: TaruviClientOptions & { storage: TokenStorage }): TaruviClient => {
  const { url, tenant, storage } = options;
  const scope = scopeOf(url, tenant);
  const fetchFn = (...args: Parameters<typeof fetch>) => (options.fetch ?? globalThis.fetch)(...args);

  /** One POST; the data, or a TaruviError. */
  const send = async <TResult>(
    query: string,
    variables: unknown,
    accessToken: string | null,
    requestOptions: RequestOptions = {},
  ): Promise<TResult> => {
    const operationName = operationNameOf(query);
    let response: Response;
    try {
      response = await fetchFn(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          ...options.headers,
          ...(tenant ? { "x-tenant": tenant } : {}),
          ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
          ...requestOptions.headers,
        },
        body: JSON.stringify({
          query,
          variables: variables ?? {},
          ...(operationName ? { operationName } : {}),
        }),
        ...(requestOptions.signal ? { signal: requestOptions.signal } : {}),
      });
    } catch (cause) {
      throw new TaruviError({
        code: "NETWORK_ERROR",
        message: `taruvi: no answer from ${url}: ${(cause as Error)?.message ?? cause}`,
        status: 0,
        cause,
      });
    }
    const requestId = response.headers.get("x-request-id") ?? undefined;
    type Body = { data?: TResult | null; errors?: GraphQLResponseError[] };
    let body: Body | null = null;
    try {
      body = (await response.json()) as Body;
    } catch {}
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    const first = errors[0];
    if (first) {
      throw new TaruviError<TResult>({
        code: errorCodeOf(first.extensions?.code),
        message: first.message,
        field: typeof first.extensions?.field === "string" ? first.extensions.field : undefined,
        requestId,
        status: response.status,
        errors,
        data: body?.data ?? null,
      });
    }
    if (!response.ok || !body?.data) {
      throw new TaruviError({
        code: response.ok ? "INTERNAL_SERVER_ERROR" : errorCodeOfStatus(response.status),
        message: `taruvi: HTTP ${response.status} without GraphQL data`,
        requestId,
        status: response.status,
      });
    }
    return body.data;
  };

  const refresh = (): Promise<Tokens> => {
    let inFlight = refreshes.get(storage);
    if (!inFlight) {
      inFlight = new Map();
      refreshes.set(storage, inFlight);
    }
    const pending = inFlight.get(scope);
    if (pending) return pending;
    const flights = inFlight;
    const started = (async () => {
      try {
        const current = await storage.get(scope);
        if (!current) throw new TaruviError({ code: "UNAUTHENTICATED", message: "not signed in", status: 0 });
        const data = await send<{ refreshSession: AuthPayload }>(
          documentText(RefreshSessionDocument),
          { refreshToken: current.refreshToken },
          null,
        ).catch(async (error: unknown) => {
          if (!(error instanceof TaruviError && TRANSIENT.has(error.code))) await storage.set(scope, null);
          throw error;
        });
        const tokens = {
          accessToken: data.refreshSession.accessToken,
          refreshToken: data.refreshSession.refreshToken,
        };
        await storage.set(scope, tokens);
        return tokens;
      } finally {
        flights.delete(scope);
      }
    })();
    flights.set(scope, started);
    return started;
  };

  const request = async <TResult, TVariables>(
    document: DocumentTypeDecoration<TResult, TVariables>,
    ...[variables, requestOptions]: VariablesArgs<TVariables>
  ): Promise<TResult> => {
    const query = documentText(document);
    const sent = await storage.get(scope);
    try {
      return await send<TResult>(query, variables, sent?.accessToken ?? null, requestOptions);
    } catch (error) {
      if (!(error instanceof TaruviError && error.code === "UNAUTHENTICATED" && sent)) throw error;
      // Another request may have refreshed meanwhile; else refresh (once for all of them).
      const current = await storage.get(scope);
      const tokens = current && current.accessToken !== sent.accessToken ? current : await refresh();
      return send<TResult>(query, variables, tokens.accessToken, requestOptions);
    }
  };

  const signedIn = async (payload: AuthPayload): Promise<AuthPayload> => {
    await storage.set(scope, { accessToken: payload.accessToken, refreshToken: payload.refreshToken });
    return payload;
  };

  return {
    url,
    tenant,
    scope,
    request,
    signIn: async (input, requestOptions) =>
      signedIn(
        (await send<{ signIn: AuthPayload }>(documentText(SignInDocument), { input }, null, requestOptions))
          .signIn,
      ),
    signUp: async (input, requestOptions) =>
      signedIn(
        (await send<{ signUp: AuthPayload }>(documentText(SignUpDocument), { input }, null, requestOptions))
          .signUp,
      ),
    changeMyPassword: async (input, requestOptions) =>
      signedIn((await request(ChangeMyPasswordDocument, input, requestOptions)).changeMyPassword),
    changeMyEmail: async (input, requestOptions) =>
      signedIn((await request(ChangeMyEmailDocument, input, requestOptions)).changeMyEmail),
    signOut: async ({ allSessions, ...requestOptions } = {}) => {
      try {
        if (await storage.get(scope)) {
          await request(SignOutDocument, { allSessions: allSessions ?? false }, requestOptions);
        }
      } catch (error) {
        // A session the gateway no longer accepts is as signed out as it gets.
        if (!(error instanceof TaruviError && error.code === "UNAUTHENTICATED")) throw error;
      } finally {
        await storage.set(scope, null);
      }
    },
    refresh,
    getTokens: async () => storage.get(scope),
    setTokens: async (tokens) => storage.set(scope, tokens),
    withTenant: (slug) => clientOf({ ...options, tenant: slug }),
  };
};
