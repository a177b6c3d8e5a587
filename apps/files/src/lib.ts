import type { SharedResources } from "@taruvi/runtime";
import { type EnvOf, startService } from "@taruvi/subgraph-kit";
import { service } from "./service";

export * from "./service";

/** Starts the files subgraph: alone (its own pool) or in the stack (`shared`). */
export const start = (env: EnvOf<typeof service>, shared?: SharedResources) =>
  startService(service, env, shared);
