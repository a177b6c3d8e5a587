import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PlatformPrismaClient } from "./generated/platform/client";
import { PrismaClient as TenantPrismaClient } from "./generated/tenant/client";
import type { Pool } from "./pool";

export const PLATFORM_SCHEMA = "platform";

export type PlatformClient = PlatformPrismaClient;
export type TenantClient = TenantPrismaClient;

/** A client for the shared platform schema over the process pool. */
export const createPlatformClient = (pool: Pool): PlatformClient =>
  new PlatformPrismaClient({ adapter: new PrismaPg(pool, { schema: PLATFORM_SCHEMA }) });

/**
 * What one tenant client costs (decision 0026): its own schema-bound query compiler instance in
 * Prisma's shared WebAssembly memory, its plan cache and ~40 KB of JS heap. The generated
 * parameterization graph (~1.1 MB deserialized) is shared by every client of one generated class
 * through patches/@prisma+client+7.10.0.patch; it names models and fields, never a schema.
 *
 * A client whose every query names `schema` explicitly (the adapter qualifies table names;
 * nothing depends on search_path). `schema` must be a validated site schema name: callers go
 * through packages/tenancy, which derives it from the site id.
 */
export const createTenantClient = (pool: Pool, schema: string): TenantClient =>
  new TenantPrismaClient({ adapter: new PrismaPg(pool, { schema }) });

/** A generated Prisma client class (the core's or a product service's own), built on a driver adapter. */
export type PrismaClientClass<Client> = new (options: { adapter: PrismaPg }) => Client;

/**
 * How a product service builds its own generated client bound to one site schema, over the
 * process pool: the same adapter wiring as `createTenantClient` (table names qualified by the
 * adapter, nothing depends on search_path). `schema` comes from packages/tenancy's cache, which
 * validates it.
 */
export const tenantClientFactory =
  <Client>(Client: PrismaClientClass<Client>) =>
  (pool: Pool, schema: string): Client =>
    new Client({ adapter: new PrismaPg(pool, { schema }) });
