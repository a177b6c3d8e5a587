import { AppError } from "@taruvi/errors";

/**
 * Site schemas are named `site_<id as 32 hex digits>`: derived from the immutable site id,
 * never from user text, so a rename cannot move data and no input reaches an identifier.
 */
const SCHEMA_NAME = /^site_[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isSchemaName = (name: string): boolean => SCHEMA_NAME.test(name);

export const assertSchemaName = (name: string): string => {
  if (!isSchemaName(name)) {
    throw new AppError("INTERNAL_SERVER_ERROR", `refusing invalid site schema name ${JSON.stringify(name)}`);
  }
  return name;
};

export const schemaNameForSite = (siteId: string): string => {
  const id = siteId.toLowerCase();
  if (!UUID.test(id)) {
    throw new AppError("INTERNAL_SERVER_ERROR", `site id ${JSON.stringify(siteId)} is not a UUID`);
  }
  return `site_${id.replaceAll("-", "")}`;
};

/** The schema as a quoted identifier, after validation (platform or a site schema). */
export const quoteSchema = (name: string): string =>
  name === "platform" ? '"platform"' : `"${assertSchemaName(name)}"`;
