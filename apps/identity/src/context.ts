import type { RequestContext } from "@taruvi/subgraph-kit";
import type { createLoaders } from "./loaders";
import type { IdentityServices } from "./services";

export type Context = RequestContext<ReturnType<typeof createLoaders>, IdentityServices>;
