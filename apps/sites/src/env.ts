import { int, loadEnv, optionalString, string } from "@taruvi/config";
import { subgraphEnvShape } from "@taruvi/subgraph-kit";

/** The only place this app reads process.env. */
export const env = loadEnv({
  ...subgraphEnvShape(4003),
  /** Site changes are announced to every gateway here; in-process when unset. */
  REDIS_URL: optionalString(),
  /** Days a deleted site can be restored before its schema is dropped. */
  SITE_RETENTION_DAYS: int(30, { min: 0, max: 3650 }),
  BASE_DOMAIN: string("localhost"),
});
