import type { RequestContext } from "@taruvi/subgraph-kit";
import type { createLoaders } from "./loaders";

export type Context = RequestContext<ReturnType<typeof createLoaders>>;

/** What the API shows of an account or a site user. */
export type UserView = { id: string; email: string; name: string; isActive: boolean; createdAt: Date };
