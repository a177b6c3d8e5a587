/** The pair a sign-in or refresh returns; the refresh token is single-use (rotated). */
export type Tokens = { accessToken: string; refreshToken: string };

type Awaitable<T> = T | Promise<T>;

/**
 * Where a client keeps its tokens, per scope: tokens are bound to one scope (the platform or
 * one site), so a client and its `withTenant` siblings share one storage under different keys.
 */
export type TokenStorage = {
  get: (scope: string) => Awaitable<Tokens | null>;
  /** null: forget the scope's tokens. */
  set: (scope: string, tokens: Tokens | null) => Awaitable<void>;
};

/** Tokens in memory (the default): gone with the process or page. */
export const memoryStorage = (): TokenStorage => {
  const tokens = new Map<string, Tokens>();
  return {
    get: (scope) => tokens.get(scope) ?? null,
    set: (scope, value) => {
      if (value) tokens.set(scope, value);
      else tokens.delete(scope);
    },
  };
};

/** The part of the Web Storage API the adapter uses (localStorage, sessionStorage). */
export type WebStorage = {
  getItem: (key: string) => string | null;
  setItem: (key: string, value: string) => void;
  removeItem: (key: string) => void;
};

/**
 * Tokens in the browser's localStorage (or another Web Storage), as JSON under
 * `<prefix>:<scope>`: they survive reloads. Anything a script on the page runs can read them.
 */
export const localStorageTokenStorage = (
  options: { prefix?: string; storage?: WebStorage } = {},
): TokenStorage => {
  const prefix = options.prefix ?? "taruvi";
  const store = () => {
    const storage = options.storage ?? (globalThis as { localStorage?: WebStorage }).localStorage;
    if (!storage) throw new Error("localStorageTokenStorage: no localStorage here; pass `storage`");
    return storage;
  };
  return {
    get: (scope) => {
      const text = store().getItem(`${prefix}:${scope}`);
      if (!text) return null;
      try {
        const value = JSON.parse(text) as Partial<Tokens>;
        return typeof value.accessToken === "string" && typeof value.refreshToken === "string"
          ? { accessToken: value.accessToken, refreshToken: value.refreshToken }
          : null;
      } catch {
        return null;
      }
    },
    set: (scope, tokens) => {
      if (tokens) store().setItem(`${prefix}:${scope}`, JSON.stringify(tokens));
      else store().removeItem(`${prefix}:${scope}`);
    },
  };
};
