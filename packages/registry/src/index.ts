export { PRODUCT_PERMISSIONS } from "./permissions.generated";
export type { ServiceEntry } from "./registry";
export {
  CORE_ENTITIES,
  CORE_MIGRATIONS,
  CORE_SERVICE_NAMES,
  parseRegistry,
  RESERVED_SERVICE_NAMES,
  ROOT,
  SERVICE_NAME,
  SERVICES,
  tenantMigrationDirs,
} from "./registry";
