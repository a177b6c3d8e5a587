import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";

/**
 * The Authorization header the Sandbox starts with. It is no credential: while the Sandbox is on,
 * the gateway treats exactly this value as no Authorization header, so SignIn runs before a token
 * is pasted (any other malformed credential is still 401).
 */
export const SANDBOX_AUTHORIZATION_PLACEHOLDER = "Bearer <paste access token from signIn>";

/** The operations the Sandbox opens with, and how to get a token, for the site `tenant`. */
export const sandboxDocument = (
  tenant: string,
) => `# Taruvi GraphQL API. This Sandbox is served in development only.
#
# Scope: the X-Tenant header (Headers tab) addresses the site "${tenant}"; delete it to work in
# the platform scope (accounts, organizations, sites). \`npm start\` seeds the organization
# "demo" with the site "acme" and prints the demo accounts' emails and password.
#
# Token: 1. put the email and password of a user of this scope in Variables and run SignIn;
# 2. copy accessToken from the response; 3. in the Authorization header, replace
# <paste access token from signIn> with it (keep "Bearer "); 4. run Me.
# A token is valid only in the scope that issued it, for 15 minutes: trade refreshToken for a
# new pair with refreshSession. The gateway ignores the placeholder until a token is pasted.

mutation SignIn($input: SignInInput!) {
  signIn(input: $input) {
    accessToken
    refreshToken
    expiresIn
    user { id email name }
  }
}

query Me {
  me { id email name isAdmin }
  currentSite { slug name status }
}

# Platform scope (no X-Tenant header), signed in with a platform account.
query MyOrganizations {
  organizations { slug name viewerRole sites { slug name status } }
}
`;

/**
 * Apollo Sandbox at GET /graphql (Accept: text/html), opened on the example operations with the
 * X-Tenant header set to `tenant` and an Authorization header waiting for a token.
 */
export const sandboxLandingPage = ({ tenant }: { tenant: string }): ApolloServerPlugin =>
  ApolloServerPluginLandingPageLocalDefault({
    embed: { endpointIsEditable: false, initialState: { pollForSchemaUpdates: false } },
    document: sandboxDocument(tenant),
    variables: { input: { email: "", password: "" } },
    headers: { "X-Tenant": tenant, Authorization: SANDBOX_AUTHORIZATION_PLACEHOLDER },
    includeCookies: false,
  });
