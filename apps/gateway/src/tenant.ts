import type { IncomingMessage } from "node:http";
import type { TenantRef } from "@taruvi/auth";
import type { Pool } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import type { TenantChangeBus } from "@taruvi/tenancy";
import { LRUCache } from "lru-cache";

type SiteRow = { id: string; slug: string; schema_name: string; status: string };
type Lookup = { site: SiteRow | null };
/** A custom domain's site; `grace_until` is set when it routes only until then (PENDING, pre-existing). */
type DomainRow = SiteRow & { grace_until: Date | null };

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
 * VERIFIED custom domain (or a PENDING one that existed before verification, until its
 * grace_until), else the platform scope for the base domain itself. Lookups are cached (negative
 * ones too) and dropped when the change bus says a site changed; a domain in its grace period is
 * cached no longer than its grace lasts.
 */
export const createTenantResolver = ({
  pool,
  baseDomain,
  ttlSeconds,
  bus,
  onLookup = () => undefined,
}: {
  pool: Pool;
  baseDomain: string;
  ttlSeconds: number;
  bus: TenantChangeBus;
  /** Each cached lookup's result (the hit-ratio metric). */
  onLookup?: (result: "hit" | "miss") => void;
}): TenantResolver => {
  const base = baseDomain.toLowerCase();
  const platformHosts = new Set([base, "localhost", "127.0.0.1", "[::1]"]);
  const cache = new LRUCache<string, Lookup>({ max: 50_000, ttl: ttlSeconds * 1000 });

  const lookup = async (key: string, sql: string, value: string): Promise<SiteRow | null> => {
    const cached = cache.get(key);
    onLookup(cached ? "hit" : "miss");
    if (cached) return cached.site;
    const { rows } = await pool.query<SiteRow>(sql, [value]);
    const site = rows[0] ?? null;
    cache.set(key, { site });
    return site;
  };
  const bySlug = (slug: string) =>
    lookup(`slug:${slug}`, `SELECT ${SITE_COLUMNS} FROM platform.sites s WHERE s.slug = $1`, slug);
  // Only proof of ownership routes: a PENDING claim never does, unless it is a domain from before
  // verification in its grace period. A VERIFIED domain wins over another site's grace claim.
  const byDomain = async (host: string): Promise<SiteRow | null> => {
    const key = `host:${host}`;
    const cached = cache.get(key);
    onLookup(cached ? "hit" : "miss");
    if (cached) return cached.site;
    const { rows } = await pool.query<DomainRow>(
      `SELECT ${SITE_COLUMNS}, d.grace_until FROM platform.domains d JOIN platform.sites s ON s.id = d.site_id
        WHERE d.hostname = $1 AND (d.status = 'VERIFIED' OR d.grace_until > now())
        ORDER BY d.status = 'VERIFIED' DESC LIMIT 1`,
      [host],
    );
    const row = rows[0];
    const site = row
      ? { id: row.id, slug: row.slug, schema_name: row.schema_name, status: row.status }
      : null;
    const graceLeft = row?.grace_until ? row.grace_until.getTime() - Date.now() : null;
    if (graceLeft === null) cache.set(key, { site });
    else if (graceLeft > 0) cache.set(key, { site }, { ttl: Math.min(graceLeft, ttlSeconds * 1000) });
    return site;
  };

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
