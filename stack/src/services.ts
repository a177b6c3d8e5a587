import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, SERVICES, type ServiceEntry } from "@taruvi/registry";
import type { ServiceDefinition } from "@taruvi/subgraph-kit";

// biome-ignore lint/suspicious/noExplicitAny: definitions differ in their env, services and client types
export type AnyService = ServiceDefinition<any, any, any, any>;

const isDefinitionOf = (value: unknown, name: string): value is AnyService =>
  typeof value === "object" &&
  value !== null &&
  (value as { name?: unknown }).name === name &&
  "typeDefs" in value &&
  "resolvers" in value;

/** A registered service's definition: the export of `<dir>/src/service.ts` named by the registry. */
export const loadService = async (entry: ServiceEntry): Promise<AnyService> => {
  const module = (await import(pathToFileURL(join(ROOT, entry.dir, "src", "service.ts")).href)) as Record<
    string,
    unknown
  >;
  const definition = Object.values(module).find((value) => isDefinitionOf(value, entry.name));
  if (!definition) {
    throw new Error(`${entry.dir}/src/service.ts exports no service definition named "${entry.name}"`);
  }
  if (definition.port !== entry.port) {
    throw new Error(
      `service ${entry.name}: its definition says port ${definition.port}, the registry ${entry.port}`,
    );
  }
  return definition;
};

/** Every registered service's definition, in the registry's order (the core first). */
export const loadServices = (entries: readonly ServiceEntry[] = SERVICES): Promise<AnyService[]> =>
  Promise.all(entries.map(loadService));
