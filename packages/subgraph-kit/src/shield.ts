/**
 * graphql-shield, wired for a federated subgraph and for speed (docs/decisions/0008).
 *
 * Deny by default where a request can enter the graph: every Query and Mutation field needs a
 * rule, else FORBIDDEN. `_service` is open (the gateway's composition). `_entities` is open to
 * the gateway but each representation's type must pass its entity rule (a rule function given
 * for the type, e.g. `User: isAuthenticated`); an entity type without one is denied.
 *
 * Fields of other types are reached only through those guarded entry points, so they are not
 * wrapped unless a rule names them (`Site: { domains: rule }`). Stock graphql-shield wraps every
 * field of every type in an async middleware, which on a 500-item list costs more than the query
 * (bench/shield); entity rules run once per `_entities` call instead of once per field.
 */

import { AppError } from "@taruvi/errors";
import type { GraphQLSchema } from "graphql";
import { applyMiddleware, type IMiddlewareTypeMap } from "graphql-middleware";
import { allow, deny, type IRules, rule, shield } from "graphql-shield";

type ShieldRule = Extract<IRules, { resolve: unknown }>;
type FieldRules = Record<string, ShieldRule>;

/** Query and Mutation field maps; per other type, a rule (entity guard) or a map of field rules. */
export type SubgraphRules = {
  Query?: FieldRules;
  Mutation?: FieldRules;
  [type: string]: FieldRules | ShieldRule | undefined;
};

const ROOT_TYPES = new Set(["Query", "Mutation"]);

const isRule = (value: unknown): value is ShieldRule =>
  typeof (value as { resolve?: unknown } | undefined)?.resolve === "function";

const denied = () => new AppError("FORBIDDEN", "not allowed");

const options = {
  // A rule that throws (its permission lookup found the database down) fails the field with that
  // error, which formatError makes SERVICE_UNAVAILABLE; graphql-shield would otherwise read the
  // throw as `false` and answer FORBIDDEN, telling a client it lacks a permission it holds.
  // `debug` changes nothing else in graphql-shield.
  debug: true,
  allowExternalErrors: true,
  fallbackRule: deny,
  fallbackError: denied,
  // Our rules depend on arguments only; object-hash (the default) is slow and would hash parents.
  hashFunction: ({ args }: { parent: unknown; args: unknown }) => JSON.stringify(args ?? null),
};

type Representation = { __typename?: unknown };

/** `_entities`: each distinct __typename of the batch must pass its entity type's rule. */
const entitiesRule = (entityRules: Record<string, ShieldRule>) =>
  rule("_entities", { cache: "no_cache" })(async (parent, args, ctx, info) => {
    const representations = (args as { representations?: Representation[] }).representations ?? [];
    const typenames = new Set(representations.map((r) => String(r.__typename)));
    for (const typename of typenames) {
      const guard = entityRules[typename];
      if (!guard) return denied();
      const result = await guard.resolve(parent, args, ctx, info, options);
      if (result !== true) return result instanceof Error ? result : denied();
    }
    return true;
  });

export const applyShield = (schema: GraphQLSchema, rules: SubgraphRules): GraphQLSchema => {
  const entityRules: Record<string, ShieldRule> = {};
  const tree: Record<string, FieldRules> = {};
  for (const [type, value] of Object.entries(rules)) {
    if (!value) continue;
    if (!schema.getType(type)) throw new Error(`shield: rules name ${type}, which this schema does not have`);
    if (isRule(value)) {
      if (ROOT_TYPES.has(type)) throw new Error(`shield: give ${type} a map of field rules, not one rule`);
      entityRules[type] = value;
    } else {
      tree[type] = value;
    }
  }
  tree.Query = { ...(tree.Query ?? {}), _service: allow, _entities: entitiesRule(entityRules) };

  const generated = shield(tree as IRules, options).generate(schema) as IMiddlewareTypeMap;
  const kept: IMiddlewareTypeMap = {};
  for (const [type, fields] of Object.entries(generated)) {
    if (!fields || typeof fields === "function") continue;
    if (ROOT_TYPES.has(type)) {
      kept[type] = fields;
    } else if (tree[type]) {
      const named = Object.keys(tree[type] ?? {});
      kept[type] = Object.fromEntries(Object.entries(fields).filter(([field]) => named.includes(field)));
    }
  }
  return applyMiddleware(schema, kept);
};
