import type { SharedResources } from "@taruvi/runtime";
import { type EnvOf, startService } from "@taruvi/subgraph-kit";
import { organizations } from "./service";

export * from "./service";

/** Starts the organizations subgraph: alone (its own pool) or in the stack (`shared`). */
export const start = (env: EnvOf<typeof organizations>, shared?: SharedResources) =>
  startService(organizations, env, shared);
export type { OrganizationsServices } from "./services";
