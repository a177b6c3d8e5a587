import type { RequestContext } from "@taruvi/subgraph-kit";
import type { AuditLoaders } from "./loaders";

export type Context = RequestContext<AuditLoaders>;
