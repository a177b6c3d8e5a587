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
 * A client whose every query names `schema` explicitly (the adapter qualifies table names;
 * nothing depends on search_path). `schema` must be a validated site schema name: callers go
 * through packages/tenancy, which derives it from the site id.
 */
export const createTenantClient = (pool: Pool, schema: string): TenantClient =>
  new TenantPrismaClient({ adapter: new PrismaPg(pool, { schema }) });
