export type { TenantChangeBus } from "./change-bus";
export { createTenantChangeBus } from "./change-bus";
export type { DisconnectableClient, TenantClientCache } from "./client-cache";
export { createTenantClientCache } from "./client-cache";
export { assertSchemaName, isSchemaName, quoteSchema, schemaNameForSite } from "./schema-name";
