import type { RequestContext } from "@taruvi/subgraph-kit";
import type { PrismaClient } from "./generated/client";
import type { Loaders } from "./loaders";
import type { FilesServices } from "./services";

/** A request of this service: `db` is its own client, bound to the addressed site's schema. */
export type Context = RequestContext<Loaders, FilesServices, PrismaClient>;

/** A transaction of `db`. */
export type Tx = Parameters<Parameters<Context["db"]["$transaction"]>[0]>[0];
