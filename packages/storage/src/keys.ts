import { badUserInput } from "@taruvi/errors";
import { parseUuid } from "@taruvi/validation";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const OBJECT_KEY = new RegExp(`^sites/${UUID}/${UUID}$`);
const SITE_PREFIX = new RegExp(`^sites/${UUID}/$`);

/**
 * The one key shape a driver accepts: `sites/<siteId>/<fileId>`, both lower-case UUIDs. Nothing
 * else (no `..`, no separators, no encoding) can name an object, so a key of one site never
 * reaches another's.
 */
export const objectKey = (siteId: string, fileId: string): string =>
  `sites/${parseUuid(siteId, "siteId")}/${parseUuid(fileId, "fileId")}`;

/** The prefix holding every object of one site, for `deletePrefix`. */
export const sitePrefix = (siteId: string): string => `sites/${parseUuid(siteId, "siteId")}/`;

export const isObjectKey = (key: string): boolean => OBJECT_KEY.test(key);

export const assertObjectKey = (key: string): string => {
  if (!isObjectKey(key)) throw badUserInput("key", "must be sites/<siteId>/<fileId>");
  return key;
};

/** Only a whole site's prefix may be bulk-deleted: never "" or "sites/". */
export const assertSitePrefix = (prefix: string): string => {
  if (!SITE_PREFIX.test(prefix)) throw badUserInput("prefix", "must be sites/<siteId>/");
  return prefix;
};
