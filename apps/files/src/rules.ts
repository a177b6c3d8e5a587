/**
 * Who may call what in the files subgraph (graphql-shield, deny by default: every Query and
 * Mutation field is named here, and `File` and `Site` for `_entities`). In a site only; reading
 * needs files.view, writing files.manage (which implies files.view) — users, groups and API keys
 * alike. A caller without it gets FORBIDDEN "requires the files.manage permission".
 */
import { hasSitePermission, inSite, isAuthenticated } from "@taruvi/auth";
import type { SubgraphRules } from "@taruvi/subgraph-kit";
import { chain } from "graphql-shield";

const view = chain(isAuthenticated, inSite, hasSitePermission("files.view"));
const manage = chain(isAuthenticated, inSite, hasSitePermission("files.manage"));

export const rules: SubgraphRules = {
  Query: { files: view, file: view },
  Mutation: { createUpload: manage, completeUpload: manage, deleteFile: manage },
  File: view,
  Site: view,
};
