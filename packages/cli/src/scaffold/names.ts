/**
 * The names a scaffolded service is made of, derived from `<name> --entity <Entity> [--plural
 * <entities>]`, and the checks that need nothing but the names themselves.
 */
import { CORE_SITE_PERMISSIONS } from "@taruvi/auth";
import { RESERVED_SERVICE_NAMES, SERVICE_NAME } from "@taruvi/registry";

/** A refusal: nothing has been written. The message says what is wrong and what would do. */
export class ScaffoldError extends Error {
  override readonly name = "ScaffoldError";
}

export type ServiceNames = {
  /** The service: registry name, subgraph name, permission prefix, folder name. */
  name: string;
  /** PascalCase GraphQL type and Prisma model, e.g. PurchaseOrder. */
  Entity: string;
  /** lower camel: the one-item query and the Prisma delegate, e.g. purchaseOrder. */
  entity: string;
  /** lower camel plural: the list query, e.g. purchaseOrders. */
  entities: string;
  /** PascalCase plural, e.g. PurchaseOrders. */
  Entities: string;
  /** snake_case singular: the audit actions' entity, e.g. purchase_order. */
  entity_snake: string;
  /** SCREAMING_SNAKE singular, for constants. */
  ENTITY: string;
  /** snake_case plural: the table, e.g. purchase_orders. */
  table: string;
  /** kebab-case plural: the domain file, e.g. purchase-orders. */
  entities_kebab: string;
  /** Words for documentation: "purchase order", "purchase orders". */
  entity_words: string;
  entities_words: string;
};

const ENTITY = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)*$/;
const PLURAL = /^[a-z][a-zA-Z0-9]*$/;
const MAX_ENTITY = 40;

/**
 * Type names the scaffold may not take whatever the current graph holds: GraphQL's and
 * federation's own, the types every subgraph shares, and names the generated Prisma client uses.
 */
const RESERVED_TYPES = new Set([
  "Query",
  "Mutation",
  "Subscription",
  "String",
  "Int",
  "Float",
  "Boolean",
  "ID",
  "JSON",
  "User",
  "Site",
  "PageInfo",
  "Node",
  "Prisma",
  "PrismaClient",
  "DateTime",
  "Decimal",
  "BigInt",
  "Bytes",
  "Json",
]);

/** The prefixes of the core's site permissions (users, groups, permissions, apikeys, audit, settings). */
export const corePermissionPrefixes = (): Set<string> =>
  new Set(Object.keys(CORE_SITE_PERMISSIONS).map((permission) => permission.split(".")[0] as string));

const words = (pascal: string): string[] => pascal.split(/(?=[A-Z])/).map((word) => word.toLowerCase());

/** Every name of the service, or a ScaffoldError naming the argument at fault and why. */
export const deriveNames = (input: {
  name: string;
  entity: string;
  plural?: string | undefined;
}): ServiceNames => {
  const { name, entity: Entity } = input;
  if (!SERVICE_NAME.test(name)) {
    throw new ScaffoldError(
      `service name "${name}": must be 2 to 30 lower-case letters and digits, starting with a letter (e.g. projects)`,
    );
  }
  if (corePermissionPrefixes().has(name)) {
    throw new ScaffoldError(
      `service name "${name}": is a core permission prefix (${name}.*); its permissions would clash — choose another`,
    );
  }
  if (RESERVED_SERVICE_NAMES.has(name)) {
    throw new ScaffoldError(`service name "${name}": is reserved by the platform; choose another`);
  }
  if (Entity.length < 2 || Entity.length > MAX_ENTITY || !ENTITY.test(Entity)) {
    throw new ScaffoldError(
      `--entity "${Entity}": must be a PascalCase type name, 2 to ${MAX_ENTITY} letters and digits (e.g. Project, PurchaseOrder)`,
    );
  }
  if (RESERVED_TYPES.has(Entity)) {
    throw new ScaffoldError(`--entity "${Entity}": is a type the platform already defines; choose another`);
  }
  const entity = `${Entity[0]?.toLowerCase()}${Entity.slice(1)}`;
  const entities = input.plural ?? `${entity}s`;
  if (entities.length < 2 || entities.length > MAX_ENTITY + 2 || !PLURAL.test(entities)) {
    throw new ScaffoldError(
      `--plural "${entities}": must be a lower camelCase field name, letters and digits (e.g. projects, purchaseOrders)`,
    );
  }
  if (entities === entity) {
    throw new ScaffoldError(
      `--plural "${entities}": must differ from the singular "${entity}" (the list and the one-item query need two names)`,
    );
  }
  const Entities = `${entities[0]?.toUpperCase()}${entities.slice(1)}`;
  const singular = words(Entity);
  const plural = words(Entities);
  return {
    name,
    Entity,
    entity,
    entities,
    Entities,
    entity_snake: singular.join("_"),
    ENTITY: singular.join("_").toUpperCase(),
    table: plural.join("_"),
    entities_kebab: plural.join("-"),
    entity_words: singular.join(" "),
    entities_words: plural.join(" "),
  };
};

/** The GraphQL types the scaffold adds (User and PageInfo are shared stubs, not new). */
export const newTypes = (n: ServiceNames): string[] => [
  n.Entity,
  `${n.Entity}Edge`,
  `${n.Entity}Connection`,
  `Create${n.Entity}Input`,
  `Update${n.Entity}Input`,
];

export const newQueryFields = (n: ServiceNames): string[] => [n.entities, n.entity];

export const newMutationFields = (n: ServiceNames): string[] => [
  `create${n.Entity}`,
  `update${n.Entity}`,
  `delete${n.Entity}`,
];
