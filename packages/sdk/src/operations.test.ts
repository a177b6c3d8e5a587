import { readdirSync, readFileSync } from "node:fs";
import { buildSchema, type DocumentNode, type GraphQLObjectType, Kind, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";

const schema = buildSchema(
  readFileSync(new URL("../../../supergraph/api-schema.graphql", import.meta.url), "utf8"),
);
const operationsDir = new URL("../operations/", import.meta.url);
const documents = readdirSync(operationsDir)
  .filter((name) => name.endsWith(".graphql"))
  .map((name) => ({ name, document: parse(readFileSync(new URL(name, operationsDir), "utf8")) }));
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

describe("SDK operations", () => {
  it("use every Query and Mutation root field of the public API schema", () => {
    const used = new Set(documents.flatMap(({ document }) => rootFieldsOf(document)));
    const all = [
      ...rootFieldsOfSchema(schema.getQueryType()),
      ...rootFieldsOfSchema(schema.getMutationType()),
      ...rootFieldsOfSchema(schema.getSubscriptionType()),
    ];
    expect(all.length).toBeGreaterThan(40);
    // A new root field fails here until an operation in packages/sdk/operations uses it.
    expect(all.filter((field) => !used.has(field))).toEqual([]);
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
