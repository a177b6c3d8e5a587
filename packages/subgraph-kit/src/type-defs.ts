import { readFileSync } from "node:fs";
import type { DocumentNode } from "graphql";
import { parse } from "graphql";

/** Reads an app's schema.graphql (the reviewed source of truth) as a document. */
export const loadTypeDefs = (url: URL): DocumentNode => parse(readFileSync(url, "utf8"));
