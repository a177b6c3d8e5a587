/**
 * What a repository (or scratch copy) already holds that a new service must not collide with:
 * its registry, the types and root fields of its graph, and the tables of its site schemas.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseRegistry, type ServiceEntry } from "@taruvi/registry";
import { type DocumentNode, Kind, parse } from "graphql";
import { ScaffoldError } from "./names";

export type ExistingGraph = {
  /** Every named type (object, input, enum, scalar, interface, union), with where it is defined. */
  types: Map<string, string>;
  queryFields: Map<string, string>;
  mutationFields: Map<string, string>;
};

/** The registry at `root` as JSON (to append to) and parsed (to check against). */
export const readRegistry = (root: string): { json: { services: unknown[] }; services: ServiceEntry[] } => {
  const path = join(root, "services", "registry.json");
  let json: { services: unknown[] };
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ScaffoldError(`cannot read ${path}: ${error instanceof Error ? error.message : error}`);
  }
  return { json, services: parseRegistry(json, root.endsWith("/") ? root : `${root}/`) };
};

const collect = (graph: ExistingGraph, document: DocumentNode, source: string) => {
  for (const definition of document.definitions) {
    if (!("name" in definition) || !definition.name) continue;
    const typeName = definition.name.value;
    if (definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    if (!graph.types.has(typeName)) graph.types.set(typeName, source);
    const fields =
      typeName === "Query" ? graph.queryFields : typeName === "Mutation" ? graph.mutationFields : null;
    if (fields && "fields" in definition) {
      for (const field of definition.fields ?? []) {
        if (!fields.has(field.name.value)) fields.set(field.name.value, source);
      }
    }
  }
};

/**
 * The graph as composed (supergraph/api-schema.graphql, what `npm run compose` writes) plus every
 * registered service's own schema.graphql (a service registered since the last compose counts).
 */
export const readGraph = (root: string, services: readonly ServiceEntry[]): ExistingGraph => {
  const graph: ExistingGraph = { types: new Map(), queryFields: new Map(), mutationFields: new Map() };
  const sources = [
    "supergraph/api-schema.graphql",
    ...services.map((service) => `${service.dir}/schema.graphql`),
  ];
  for (const source of sources) {
    const path = join(root, source);
    if (!existsSync(path)) continue;
    try {
      collect(graph, parse(readFileSync(path, "utf8")), source);
    } catch (error) {
      throw new ScaffoldError(`cannot parse ${source}: ${error instanceof Error ? error.message : error}`);
    }
  }
  return graph;
};

const CREATE_TABLE = /\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_$]*))/gi;

/** The tables the site schemas hold: the core tenant model's and every registered service's, with their owner. */
export const readSiteTables = (root: string, services: readonly ServiceEntry[]): Map<string, string> => {
  const tables = new Map<string, string>();
  const sets = [
    { owner: "the core", dir: "prisma/tenant/migrations" },
    ...services
      .filter((s) => !s.core)
      .map((s) => ({ owner: `service ${s.name}`, dir: `${s.dir}/prisma/migrations` })),
  ];
  for (const { owner, dir } of sets) {
    const path = join(root, dir);
    if (!existsSync(path)) continue;
    for (const migration of readdirSync(path, { withFileTypes: true })) {
      const file = join(path, migration.name, "migration.sql");
      if (!migration.isDirectory() || !existsSync(file)) continue;
      const sql = readFileSync(file, "utf8").replace(/--[^\n]*/g, " ");
      for (const match of sql.matchAll(CREATE_TABLE)) {
        const table = match[1] ?? match[2]?.toLowerCase();
        if (table && !tables.has(table)) tables.set(table, owner);
      }
    }
  }
  return tables;
};

/** The lowest port ≥ 4101 no registered service uses. */
export const nextFreePort = (services: readonly ServiceEntry[]): number => {
  const used = new Set(services.map((service) => service.port));
  let port = 4101;
  while (used.has(port)) port += 1;
  return port;
};
