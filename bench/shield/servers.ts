/**
 * The audit subgraph three times in one process, over the same database and deps:
 *
 * - `none`: createSubgraph with the app's typeDefs, resolvers and loaders and no rules;
 * - `ours`: the app's own builder (buildAuditSubgraph: the same, with its rules through the
 *   kit's shield wiring, packages/subgraph-kit/src/shield.ts);
 * - `stock`: the naive graphql-shield wiring — `shield(rules, { fallbackRule: deny })` applied
 *   with graphql-middleware's `applyMiddleware` to every field of every type: the app's rules on
 *   Query, `allow` for `_service`, `_entities` and every other type (so, unlike ours, it does not
 *   even check the entity type in `_entities`: the comparison favours it). createSubgraph builds
 *   its schema itself, so the shielded schema's field resolvers are handed to it as the resolver
 *   map: the server, context and pipeline are the same as the others'.
 */
import { createRequire } from "node:module";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { auditRules, buildAuditSubgraph, createLoaders, resolvers, typeDefs } from "@taruvi/audit";
import { createSubgraph, type Subgraph, type SubgraphDeps } from "@taruvi/subgraph-kit";
import type { GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { allow, deny, type IRules, shield } from "graphql-shield";

// The CommonJS build of graphql, the one @apollo/subgraph builds its schemas with.
const graphql = createRequire(import.meta.url)("graphql") as typeof import("graphql");

export const VARIANTS = ["none", "ours", "stock"] as const;
export type Variant = (typeof VARIANTS)[number];

type ResolverMap = Record<string, Record<string, unknown> | unknown>;

const objectTypes = (schema: GraphQLSchema) =>
  Object.values(schema.getTypeMap()).filter(
    (type): type is import("graphql").GraphQLObjectType =>
      graphql.isObjectType(type) && !type.name.startsWith("__"),
  );

/** The stock wiring's rule tree: the app's root rules, `allow` for every other type. */
const stockTree = (schema: GraphQLSchema): IRules => {
  const tree: Record<string, unknown> = {};
  for (const type of objectTypes(schema)) tree[type.name] = allow;
  tree.Query = { ...(auditRules.Query ?? {}), _service: allow, _entities: allow };
  return tree as IRules;
};

/** Every field resolver of the shielded schema (each wrapped by graphql-middleware), as a resolver map. */
const stockResolvers = (): ResolverMap => {
  // biome-ignore lint/suspicious/noExplicitAny: the app's resolvers are typed with its own context
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as any });
  const shielded = applyMiddleware(
    schema,
    shield(stockTree(schema), { fallbackRule: deny, allowExternalErrors: true }),
  );
  const map: ResolverMap = { ...resolvers };
  for (const type of objectTypes(shielded)) {
    const fields: Record<string, GraphQLFieldResolver<unknown, unknown>> = {};
    for (const [name, field] of Object.entries(type.getFields()))
      if (field.resolve) fields[name] = field.resolve;
    map[type.name] = { ...((resolvers as ResolverMap)[type.name] as object | undefined), ...fields };
  }
  return map;
};

/** How many field resolvers a schema built from `map` runs through a middleware (for the report). */
export const wrappedFieldCount = (): number =>
  Object.values(stockResolvers()).reduce<number>(
    (sum, fields) =>
      sum +
      (fields && typeof fields === "object" && !("serialize" in fields)
        ? Object.keys(fields).filter((k) => !k.startsWith("__")).length
        : 0),
    0,
  );

export const buildVariant = (variant: Variant, deps: SubgraphDeps): Promise<Subgraph> => {
  switch (variant) {
    case "ours":
      return buildAuditSubgraph(deps);
    case "none":
      return createSubgraph({ name: "audit", typeDefs, resolvers, createLoaders, deps });
    case "stock":
      return createSubgraph({
        name: "audit",
        typeDefs,
        // biome-ignore lint/suspicious/noExplicitAny: a resolver map built from a schema
        resolvers: stockResolvers() as any,
        createLoaders,
        deps,
      });
  }
};
