import type { SharedResources } from "@taruvi/runtime";
import { type EnvOf, startService } from "@taruvi/subgraph-kit";
import { sites } from "./service";

export * from "./service";

/** Starts the sites subgraph: alone (its own pool) or in the stack (`shared`). */
export const start = (env: EnvOf<typeof sites>, shared?: SharedResources) => startService(sites, env, shared);
export type { SitesServices } from "./services";
