import type { SharedResources } from "@taruvi/runtime";
import { type EnvOf, startService } from "@taruvi/subgraph-kit";
import { identity } from "./service";

export type { IdentityEnv } from "./env";
export { identity, typeDefs } from "./service";
export type { IdentityServices } from "./services";

/** Starts the identity subgraph: alone (its own pool) or in the stack (`shared`). */
export const start = (env: EnvOf<typeof identity>, shared?: SharedResources) =>
  startService(identity, env, shared);
