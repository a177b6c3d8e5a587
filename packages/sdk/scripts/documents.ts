// The SDK's operation documents: its own (packages/sdk/operations, the core API) and each
// registered product service's (`<dir>/operations/*.graphql`, written with the service), so a
// service brings its typed operations without an edit here. Read by `npm run sdk:generate` and
// the operations test.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SERVICES, type ServiceEntry } from "@taruvi/registry";
import { type DocumentNode, parse } from "graphql";

export type OperationDocument = {
  /** Path from the repository root, e.g. `packages/sdk/operations/users.graphql`. */
  location: string;
  document: DocumentNode;
};

/** The folders holding operations: the SDK's, then each product service's that has one. */
export const operationDirs = (services: readonly ServiceEntry[] = SERVICES): string[] => [
  "packages/sdk/operations",
  ...services
    .filter((service) => !service.core)
    .map((service) => `${service.dir}/operations`)
    .filter((dir) => existsSync(join(ROOT, dir))),
];

/** Every operation document, parsed, in a stable order. */
export const operationDocuments = (services: readonly ServiceEntry[] = SERVICES): OperationDocument[] =>
  operationDirs(services).flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith(".graphql"))
      .sort()
      .map((name) => ({
        location: `${dir}/${name}`,
        document: parse(readFileSync(join(ROOT, dir, name), "utf8")),
      })),
  );
