import type { RequestContext } from "@taruvi/subgraph-kit";
import type { createLoaders } from "./loaders";
import type { SitesRequestServices } from "./services";

export type Context = RequestContext<ReturnType<typeof createLoaders>, SitesRequestServices>;
