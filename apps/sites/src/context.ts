import type { RequestContext } from "@taruvi/subgraph-kit";
import type { createLoaders } from "./loaders";

export type Context = RequestContext<ReturnType<typeof createLoaders>>;
