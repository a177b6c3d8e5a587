import type { SharedResources } from "@taruvi/runtime";
import { type EnvOf, startService } from "@taruvi/subgraph-kit";
import { audit } from "./service";

export * from "./service";

/** Starts the audit subgraph: alone (its own pool) or in the stack (`shared`). */
export const start = (env: EnvOf<typeof audit>, shared?: SharedResources) => startService(audit, env, shared);
