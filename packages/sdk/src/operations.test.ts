import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SERVICES } from "@taruvi/registry";
import { buildSchema, type DocumentNode, type GraphQLObjectType, Kind, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { operationDocuments } from "../scripts/documents";

const schema = buildSchema(
  readFileSync(new URL("../../../supergraph/api-schema.graphql", import.meta.url), "utf8"),
);
// The SDK's own operations and every registered product service's (`<dir>/operations`).
const documents = operationDocuments().map(({ location, document }) => ({ name: location, document }));
// All fragments are visible to every document (codegen sees them as one set).
const fragments = documents.flatMap(({ document }) =>
  document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION),
);

/** Root fields selected by the operations of a document, as `Query.x` / `Mutation.y`. */
const rootFieldsOf = (document: DocumentNode): string[] =>
  document.definitions.flatMap((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return [];
    const root =
      definition.operation === "query"
        ? "Query"
        : definition.operation === "mutation"
          ? "Mutation"
          : "Subscription";
    return definition.selectionSet.selections.flatMap((selection) =>
      selection.kind === Kind.FIELD ? [`${root}.${selection.name.value}`] : [],
    );
  });

const rootFieldsOfSchema = (type: GraphQLObjectType | null | undefined): string[] =>
  type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [];

/** Which registered service defines each root field (from its schema.graphql), and where its operations go. */
const ownerOf = new Map(
  SERVICES.flatMap((service) =>
    parse(readFileSync(join(ROOT, service.dir, "schema.graphql"), "utf8")).definitions.flatMap(
      (definition) =>
        (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
        ["Query", "Mutation", "Subscription"].includes(definition.name.value)
          ? (definition.fields ?? []).map(
              (field) =>
                [
                  `${definition.name.value}.${field.name.value}` as string,
                  service.core ? "packages/sdk/operations" : `${service.dir}/operations`,
                ] as const,
            )
          : [],
    ),
  ),
);

describe("SDK operations", () => {
  it("use every Query and Mutation root field of the public API schema", () => {
    const used = new Set(documents.flatMap(({ document }) => rootFieldsOf(document)));
    const all = [
      ...rootFieldsOfSchema(schema.getQueryType()),
      ...rootFieldsOfSchema(schema.getMutationType()),
      ...rootFieldsOfSchema(schema.getSubscriptionType()),
    ];
    expect(all.length).toBeGreaterThan(40);
    // A new root field fails here until an operation uses it: in packages/sdk/operations for the
    // core's subgraphs, in the service's own operations/ folder for a product service.
    expect(
      all
        .filter((field) => !used.has(field))
        .map((field) => `${field} (${ownerOf.get(field) ?? "no registered service"})`),
    ).toEqual([]);
  });

  it("know every root field's service from the registry", () => {
    const all = [
      ...rootFieldsOfSchema(schema.getQueryType()),
      ...rootFieldsOfSchema(schema.getMutationType()),
      ...rootFieldsOfSchema(schema.getSubscriptionType()),
    ];
    // The API schema is composed from the registered services only (npm run compose).
    expect(all.filter((field) => !ownerOf.has(field))).toEqual([]);
  });

  it("are valid against the API schema, with unique operation names", () => {
    const names: string[] = [];
    for (const { name, document } of documents) {
      const own = new Set(document.definitions.map((d) => ("name" in d ? d.name?.value : undefined)));
      const withFragments: DocumentNode = {
        kind: Kind.DOCUMENT,
        definitions: [...document.definitions, ...fragments.filter((f) => !own.has(f.name.value))],
      };
      const errors = validate(schema, withFragments).map((e) => `${name}: ${e.message}`);
      // Fragments defined in another file are fine; anything else is not.
      expect(errors.filter((e) => !/Fragment "\w+" is never used/.test(e))).toEqual([]);
      for (const definition of document.definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION) {
          expect(definition.name, `${name}: every operation is named`).toBeDefined();
          names.push(definition.name?.value ?? "");
        }
      }
    }
    expect(names.length).toBe(new Set(names).size);
  });
});
