import { useQueryClient } from "@tanstack/react-query";
import {
  createTaruviClient,
  localStorageTokenStorage,
  MeDocument,
  type MeQuery,
  MyPermissionsDocument,
  type MyPermissionsQuery,
  type TaruviClient,
} from "@taruvi/sdk";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";

/** Where the console keeps which scope it is signed in to (a site's slug, or "" for the platform). */
const SCOPE_KEY = "taruvi.console.scope";
/** Tokens live in sessionStorage: one tab's session, gone when it closes. */
const storage = localStorageTokenStorage({ prefix: "taruvi.console", storage: sessionStorage });
const GRAPHQL_URL = new URL("/graphql", window.location.origin).href;

const clientFor = (site: string): TaruviClient =>
  createTaruviClient({ url: GRAPHQL_URL, storage, ...(site ? { tenant: site } : {}) });

export type Me = NonNullable<MeQuery["me"]>;
export type Permissions = MyPermissionsQuery["myPermissions"];

export type Session = {
  client: TaruviClient;
  /** The site signed in to; null on the platform. */
  site: string | null;
  me: Me;
  permissions: Permissions;
  /** Holds `permission` model-wide (admins and superusers hold every one). */
  can: (permission: string) => boolean;
  signOut: () => Promise<void>;
};

type SessionState =
  | { status: "loading" }
  | { status: "signed-out" }
  | { status: "signed-in"; session: Session };

const SessionContext = createContext<Session | null>(null);

/** The signed-in session; only under a signed-in console. */
export const useSession = (): Session => {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in console");
  return session;
};

/** Signs in, restores a session kept in this tab, signs out. */
export const useSessionState = () => {
  const queries = useQueryClient();
  const [state, setState] = useState<SessionState>({ status: "loading" });

  const load = useCallback(
    async (site: string) => {
      const client = clientFor(site);
      if (!(await client.getTokens())) return setState({ status: "signed-out" });
      try {
        const [{ me }, { myPermissions }] = await Promise.all([
          client.request(MeDocument),
          client.request(MyPermissionsDocument),
        ]);
        if (!me) throw new Error("not signed in");
        const held = new Set(myPermissions.permissions);
        const signOut = async () => {
          await client.signOut();
          sessionStorage.removeItem(SCOPE_KEY);
          queries.clear();
          setState({ status: "signed-out" });
        };
        setState({
          status: "signed-in",
          session: {
            client,
            site: site || null,
            me,
            permissions: myPermissions,
            can: (permission) => myPermissions.admin || held.has(permission),
            signOut,
          },
        });
      } catch {
        await client.setTokens(null);
        setState({ status: "signed-out" });
      }
    },
    [queries],
  );

  useEffect(() => {
    void load(sessionStorage.getItem(SCOPE_KEY) ?? "");
  }, [load]);

  const signIn = useCallback(
    async (input: { email: string; password: string; site: string }) => {
      const site = input.site.trim().toLowerCase();
      await clientFor(site).signIn({ email: input.email, password: input.password });
      sessionStorage.setItem(SCOPE_KEY, site);
      await load(site);
    },
    [load],
  );

  return { state, signIn };
};

export const SessionProvider = ({ session, children }: { session: Session; children: ReactNode }) => {
  const value = useMemo(() => session, [session]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
};
