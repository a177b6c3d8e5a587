import type { OrganizationRole, SiteAccess } from "@taruvi/auth";

/**
 * The caller's site access, kept across requests (docs/decisions/0025-site-access-cache.md), and
 * a platform account's role and grants in an organization, kept the same way under the platform
 * scope (`platform.access_version`, decision 0031).
 *
 * Every site schema holds one version (`access_version`), bumped by triggers in the same
 * transaction as every change of who holds what there: a grant, a group membership, a user's
 * admin or active flag, an API key's revocation or scopes, a deletion of any of them. The access
 * query reads that version in the same statement as the grants, so an entry is tagged with the
 * version its data belongs to; an entry older than the newest version this process knows of for
 * its site is never used again.
 *
 * The process learns of a newer version three ways: at once from a change committed here
 * (`announceSiteAccessChange`, called by `auditedSiteChange` after its commit), from other
 * processes through the change bus (`access:<schema>@<version>`, within milliseconds), and from
 * any load that reads a newer version than it knew (a missed message heals on the site's next
 * miss). While the bus is not current (Redis away, or no bus at all) an entry lives at most
 * {@link UNSUBSCRIBED_TTL_MS}; with it, at most {@link SUBSCRIBED_TTL_MS} (bounds a change whose
 * announcement was lost: a crash between commit and publish, or an edit by hand in SQL).
 */

/** The life of an entry while changes made elsewhere reach this process. */
export const SUBSCRIBED_TTL_MS = 60_000;
/** The life of an entry while they may not (the bus is down or absent). */
export const UNSUBSCRIBED_TTL_MS = 1_000;
/** Entries kept at most (callers beyond it are loaded again, oldest first evicted). */
export const MAX_ENTRIES = 20_000;
/** Sites whose newest version is remembered at most. */
const MAX_SITES = 20_000;

/** The prefix of an access change's key on the change bus (`access:<schema>@<version>`). */
export const ACCESS_CHANGE_PREFIX = "access:";
/**
 * The scope of organization access: its version is `platform.access_version`, announced as
 * `access:platform@<version>` (no site schema is called that: theirs are `site_<hex>`).
 */
export const PLATFORM_ACCESS_SCOPE = "platform";

/** An account's own standing in one organization, before the request's superuser flag is applied. */
export type OrganizationStanding = { role: OrganizationRole | null; granted: readonly string[] };

/** What the cache needs of the change bus (`TenantChangeBus` fits). */
export type AccessChangeBus = {
  publish: (key: string) => Promise<void>;
  subscribe: (listener: (key: string) => void) => () => void;
  /** Whether changes published elsewhere reach this process now. */
  isCurrent: () => boolean;
};

type Entry = { access: unknown; version: number; loadedAt: number };

const entries = new Map<string, Entry>();
/** Per site schema (and the platform scope): the newest access version this process knows of. */
const newest = new Map<string, number>();
const buses = new Set<AccessChangeBus>();

const entryKey = (schema: string, principal: string) => `${schema} ${principal}`;

const learn = (schema: string, version: number) => {
  const known = newest.get(schema);
  if (known !== undefined && known >= version) return;
  newest.delete(schema);
  newest.set(schema, version);
  if (newest.size > MAX_SITES) {
    // The oldest news first; an entry of a forgotten site is still bounded by its TTL.
    const oldest = newest.keys().next().value;
    if (oldest !== undefined) newest.delete(oldest);
  }
};

const forgetAll = () => {
  entries.clear();
};

const onBusMessage = (key: string) => {
  if (key === "*") {
    forgetAll();
    return;
  }
  if (!key.startsWith(ACCESS_CHANGE_PREFIX)) return;
  const at = key.lastIndexOf("@");
  const version = Number(key.slice(at + 1));
  if (at <= ACCESS_CHANGE_PREFIX.length || !Number.isSafeInteger(version)) return;
  learn(key.slice(ACCESS_CHANGE_PREFIX.length, at), version);
};

/** True while every bus this process listens to is current (and it listens to one at least). */
const subscribed = () => {
  if (buses.size === 0) return false;
  for (const bus of buses) if (!bus.isCurrent()) return false;
  return true;
};

/**
 * Listens to `bus` for access changes made by other processes and announces this process's
 * through it. Returns the detach function (a subgraph's deps call it on close).
 */
export const attachAccessChangeBus = (bus: AccessChangeBus): (() => void) => {
  buses.add(bus);
  const unsubscribe = bus.subscribe(onBusMessage);
  return () => {
    unsubscribe();
    buses.delete(bus);
  };
};

/** What is kept for `principal` in `scope` (a site schema, or the platform scope), if still valid. */
const cached = (scope: string, principal: string): unknown => {
  const key = entryKey(scope, principal);
  const entry = entries.get(key);
  if (!entry) return undefined;
  const age = Date.now() - entry.loadedAt;
  const stale =
    entry.version < (newest.get(scope) ?? 0) ||
    age >= (subscribed() ? SUBSCRIBED_TTL_MS : UNSUBSCRIBED_TTL_MS) ||
    age < 0;
  if (stale) {
    entries.delete(key);
    return undefined;
  }
  return entry.access;
};

/**
 * Keeps `access`, read at `version` of `scope`, unless a newer version is already known (a change
 * committed while it was being read: it is used for the request that read it, and nothing later).
 */
const store = (scope: string, principal: string, version: number, access: unknown) => {
  const known = newest.get(scope);
  if (known !== undefined && version < known) return;
  learn(scope, version);
  const key = entryKey(scope, principal);
  entries.delete(key);
  entries.set(key, { access, version, loadedAt: Date.now() });
  if (entries.size > MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
};

/** The cached access of `principal` in the site `schema`, if still valid. */
export const cachedSiteAccess = (schema: string, principal: string): SiteAccess | undefined =>
  cached(schema, principal) as SiteAccess | undefined;

/** Keeps the site access of `principal` in `schema`, read at `version` (see `store`). */
export const storeSiteAccess = (schema: string, principal: string, version: number, access: SiteAccess) =>
  store(schema, principal, version, access);

const standingKey = (accountId: string, organizationId: string) => `account:${accountId} ${organizationId}`;

/** The account's cached standing in the organization, if still valid. */
export const cachedOrganizationStanding = (
  accountId: string,
  organizationId: string,
): OrganizationStanding | undefined =>
  cached(PLATFORM_ACCESS_SCOPE, standingKey(accountId, organizationId)) as OrganizationStanding | undefined;

/** Keeps the account's standing in the organization, read at `version` of `platform.access_version`. */
export const storeOrganizationStanding = (
  accountId: string,
  organizationId: string,
  version: number,
  standing: OrganizationStanding,
) => store(PLATFORM_ACCESS_SCOPE, standingKey(accountId, organizationId), version, standing);

/**
 * After a transaction that changed who holds what in `schema` committed at `version`: this
 * process stops using older entries at once (its very next request reads again), and every
 * other process is told through the change bus.
 */
export const announceSiteAccessChange = async (schema: string, version: number): Promise<void> => {
  learn(schema, version);
  // One bus is enough to reach every process (they share Redis); each keeps the message if
  // Redis is away and publishes it when it is back.
  const bus = buses.values().next().value;
  await bus?.publish(`${ACCESS_CHANGE_PREFIX}${schema}@${version}`);
};

/**
 * After a transaction that changed an organization membership or a platform grant committed at
 * `version` of `platform.access_version`: as announceSiteAccessChange, for every account's
 * standing in every organization.
 */
export const announcePlatformAccessChange = (version: number): Promise<void> =>
  announceSiteAccessChange(PLATFORM_ACCESS_SCOPE, version);

/** How many entries are kept (tests and metrics). */
export const siteAccessCacheSize = (): number => entries.size;
