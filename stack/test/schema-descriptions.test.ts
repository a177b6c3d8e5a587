// "Every type and field in the SDL has a description": each subgraph's schema.graphql and the public
// API schema (supergraph/api-schema.graphql, or the one composed from the subgraphs when that file
// is absent). Failures list schema coordinates: Type, Type.field, Type.field(arg:), Enum.VALUE.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import {
  type ArgumentNode,
  buildSchema,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  Kind,
  parse,
  printSchema,
  type StringValueNode,
} from "graphql";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

const SUBGRAPHS = readdirSync(new URL("apps/", root)).filter((name) =>
  existsSync(new URL(`apps/${name}/schema.graphql`, root)),
);

/** Root operation types hold every subgraph's entry points; their fields carry the descriptions. */
const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);
/** Federation and link machinery: not part of the public API. */
const MACHINERY =
  /^(_Service|_Entity|_Any|_service|_entities|_FieldSet|FieldSet|(join|link|federation)__.*)$/;
const FEDERATION_DIRECTIVES = new Set([
  "key",
  "requires",
  "provides",
  "external",
  "shareable",
  "extends",
  "link",
  "tag",
  "inaccessible",
  "override",
  "composeDirective",
  "interfaceObject",
  "authenticated",
  "requiresScopes",
  "policy",
  "cost",
  "listSize",
  "context",
  "fromContext",
]);

const described = (description: StringValueNode | string | null | undefined) => {
  const text = typeof description === "string" ? description : description?.value;
  return typeof text === "string" && text.trim() !== "";
};

type Described = { name: { value: string }; description?: StringValueNode | undefined };
type WithArgs = Described & { arguments?: readonly (Described | ArgumentNode)[] | undefined };

/** Coordinates without a description in one subgraph's SDL (type definitions and extensions). */
const missingInSdl = (document: DocumentNode): string[] => {
  const missing: string[] = [];
  const need = (node: Described, coordinate: string) => {
    if (!described(node.description)) missing.push(coordinate);
  };
  const fieldsOf = (type: string, fields: readonly WithArgs[] | undefined) => {
    for (const field of fields ?? []) {
      if (MACHINERY.test(field.name.value)) continue;
      need(field, `${type}.${field.name.value}`);
      for (const arg of (field.arguments ?? []) as Described[]) {
        need(arg, `${type}.${field.name.value}(${arg.name.value}:)`);
      }
    }
  };
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.UNION_TYPE_DEFINITION: {
        const name = definition.name.value;
        if (MACHINERY.test(name)) break;
        if (!ROOT_TYPES.has(name)) need(definition, name);
        if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
          for (const value of definition.values ?? []) need(value, `${name}.${value.name.value}`);
        } else if ("fields" in definition) {
          fieldsOf(name, definition.fields as readonly WithArgs[] | undefined);
        }
        break;
      }
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_EXTENSION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        fieldsOf(definition.name.value, definition.fields as readonly WithArgs[] | undefined);
        break;
      case Kind.ENUM_TYPE_EXTENSION:
        for (const value of definition.values ?? []) {
          need(value, `${definition.name.value}.${value.name.value}`);
        }
        break;
      case Kind.DIRECTIVE_DEFINITION:
        if (FEDERATION_DIRECTIVES.has(definition.name.value)) break;
        need(definition, `@${definition.name.value}`);
        for (const arg of definition.arguments ?? []) {
          need(arg, `@${definition.name.value}(${arg.name.value}:)`);
        }
        break;
      default:
        break;
    }
  }
  return missing;
};

/** Coordinates without a description in a built schema (the public API). */
const missingInSchema = (schema: GraphQLSchema): string[] => {
  const missing: string[] = [];
  const need = (description: string | null | undefined, coordinate: string) => {
    if (!described(description)) missing.push(coordinate);
  };
  const argsOf = (owner: string, args: readonly GraphQLArgument[]) => {
    for (const arg of args) need(arg.description, `${owner}(${arg.name}:)`);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type) || MACHINERY.test(type.name)) continue;
    if (!ROOT_TYPES.has(type.name)) need(type.description, type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (MACHINERY.test(field.name)) continue;
        need(field.description, `${type.name}.${field.name}`);
        argsOf(`${type.name}.${field.name}`, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        need(field.description, `${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(value.description, `${type.name}.${value.name}`);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive) || FEDERATION_DIRECTIVES.has(directive.name)) continue;
    if (MACHINERY.test(directive.name)) continue;
    need(directive.description, `@${directive.name}`);
    argsOf(`@${directive.name}`, directive.args);
  }
  return missing;
};

const API_SCHEMA_PATH = "supergraph/api-schema.graphql";

/** The committed API schema when there is one, else the API schema composed from the subgraphs. */
const apiSchemaSdl = (): { source: string; sdl: string } => {
  if (existsSync(new URL(API_SCHEMA_PATH, root)))
    return { source: API_SCHEMA_PATH, sdl: read(API_SCHEMA_PATH) };
  const result = composeServices(
    SUBGRAPHS.map((name) => ({
      name,
      url: `http://${name}.invalid/graphql`,
      typeDefs: parse(read(`apps/${name}/schema.graphql`)),
    })),
  );
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join("\n"));
  return {
    source: "the composed supergraph's API schema",
    sdl: printSchema(result.schema.toAPISchema().toGraphQLJSSchema()),
  };
};

describe("every type and field in the SDL has a description", () => {
  it("finds the four subgraphs", () => {
    expect(SUBGRAPHS.sort()).toEqual(expect.arrayContaining(["audit", "identity", "organizations", "sites"]));
  });

  it.each(SUBGRAPHS)("apps/%s/schema.graphql", (name) => {
    const missing = missingInSdl(parse(read(`apps/${name}/schema.graphql`)));
    expect(missing, `apps/${name}/schema.graphql: missing descriptions`).toEqual([]);
  });

  it("the public API schema", () => {
    const { source, sdl } = apiSchemaSdl();
    const missing = missingInSchema(buildSchema(sdl));
    expect(missing, `${source}: missing descriptions`).toEqual([]);
  });

  it("the public API schema describes types for clients, not as one subgraph's stub of them", () => {
    const schema = buildSchema(apiSchemaSdl().sdl);
    const leaking = Object.values(schema.getTypeMap())
      .filter((type) => !isIntrospectionType(type) && /\bsubgraph\b/i.test(type.description ?? ""))
      .map((type) => `${type.name}: ${type.description}`);
    expect(leaking, "composition picked a subgraph stub's description").toEqual([]);
  });

  it("the check itself finds what is missing", () => {
    const sdl = `
      type Query { "ok" a(x: Int): T }
      "T" type T { b: String "c" c: E }
      "E" enum E { "ONE" ONE TWO }
      input I { d: Int }
      extend type Query { e: Int }
    `;
    expect(missingInSdl(parse(sdl))).toEqual(["Query.a(x:)", "T.b", "E.TWO", "I", "I.d", "Query.e"]);
    expect(missingInSchema(buildSchema(sdl))).toEqual(["Query.a(x:)", "Query.e", "T.b", "E.TWO", "I", "I.d"]);
  });
});
