import type { IncomingMessage } from "node:http";
import type { TenantRef } from "@taruvi/auth";
import type { Pool } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import type { TenantChangeBus } from "@taruvi/tenancy";
import { LRUCache } from "lru-cache";

type SiteRow = { id: string; slug: string; schema_name: string; status: string };
type Lookup = { site: SiteRow | null };

export type TenantResolver = {
  /** The addressed site, null for the platform scope; TENANT_NOT_FOUND / TENANT_SUSPENDED otherwise. */
  resolve: (req: IncomingMessage) => Promise<TenantRef | null>;
  invalidate: (key: string) => void;
  close: () => void;
};

const SITE_COLUMNS = "s.id, s.slug, s.schema_name, s.status";
const hostOf = (req: IncomingMessage): string =>
  (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");

/**
 * Tenant addressing (ARCHITECTURE.md): X-Tenant header, else `<slug>.<BASE_DOMAIN>`, else a
 * registered custom domain, else the platform scope for the base domain itself. Lookups are
 * cached (negative ones too) and dropped when the change bus says a site changed.
 */
export const createTenantResolver = ({
  pool,
  baseDomain,
  ttlSeconds,
  bus,
}: {
  pool: Pool;
  baseDomain: string;
  ttlSeconds: number;
  bus: TenantChangeBus;
}): TenantResolver => {
  const base = baseDomain.toLowerCase();
  const platformHosts = new Set([base, "localhost", "127.0.0.1", "[::1]"]);
  const cache = new LRUCache<string, Lookup>({ max: 50_000, ttl: ttlSeconds * 1000 });

  const lookup = async (key: string, sql: string, value: string): Promise<SiteRow | null> => {
    const cached = cache.get(key);
    if (cached) return cached.site;
    const { rows } = await pool.query<SiteRow>(sql, [value]);
    const site = rows[0] ?? null;
    cache.set(key, { site });
    return site;
  };
  const bySlug = (slug: string) =>
    lookup(`slug:${slug}`, `SELECT ${SITE_COLUMNS} FROM platform.sites s WHERE s.slug = $1`, slug);
  const byDomain = (host: string) =>
    lookup(
      `host:${host}`,
      `SELECT ${SITE_COLUMNS} FROM platform.domains d JOIN platform.sites s ON s.id = d.site_id WHERE d.hostname = $1`,
      host,
    );

  const invalidate = (key: string) => {
    if (key === "*") {
      cache.clear();
      return;
    }
    cache.delete(`slug:${key}`);
    cache.delete(`host:${key}`);
  };
  const unsubscribe = bus.subscribe(invalidate);

  const toTenant = (site: SiteRow | null, asked: string): TenantRef => {
    if (!site || site.status === "PROVISIONING") {
      throw new AppError("TENANT_NOT_FOUND", `no site answers at ${asked}`);
    }
    if (site.status !== "ACTIVE")
      throw new AppError("TENANT_SUSPENDED", `site ${site.slug} is not available`);
    return { siteId: site.id, slug: site.slug, schema: site.schema_name };
  };

  return {
    resolve: async (req) => {
      const header = req.headers["x-tenant"];
      const slug = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
      if (slug) return toTenant(/^[a-z0-9-]{1,63}$/.test(slug) ? await bySlug(slug) : null, slug);
      const host = hostOf(req);
      if (platformHosts.has(host) || host === "") return null;
      if (host.endsWith(`.${base}`)) {
        const label = host.slice(0, -(base.length + 1));
        if (!label.includes(".")) return toTenant(await bySlug(label), host);
      }
      return toTenant(await byDomain(host), host);
    },
    invalidate,
    close: unsubscribe,
  };
};
