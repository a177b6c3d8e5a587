import { byId, type RequestContext } from "@taruvi/subgraph-kit";
import type DataLoader from "dataloader";
import { FILE_VIEW, type FileView } from "./domain/files";
import type { PrismaClient } from "./generated/client";

export type Loaders = {
  /** Files of the addressed site by id (null: none with that id in this site). */
  fileById: DataLoader<string, FileView | null>;
};

/** Built once per request. */
export const createLoaders = (
  ctx: Omit<RequestContext<unknown, unknown, PrismaClient>, "loaders">,
): Loaders => ({
  fileById: byId((ids) => ctx.db.file.findMany({ where: { id: { in: [...ids] } }, select: FILE_VIEW })),
});
