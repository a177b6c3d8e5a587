import { randomUUID } from "node:crypto";
import { hashPassword } from "@taruvi/auth";
import { createPlatformClient, type Pool } from "@taruvi/db";
import { createSite, loadTenantSets } from "@taruvi/migrator";
import { seedSiteAdmin } from "@taruvi/platform";

export type ShieldBenchWorld = {
  superuserId: string;
  organizationId: string;
  site: { id: string; slug: string; schema: string };
  siteAdminId: string;
  /** Ids of the platform events, newest first. */
  platformEventIds: string[];
};

/** `count` events in `table`, one millisecond apart, each with a small before/after diff. */
const seedEvents = (pool: Pool, table: string, count: number, extra: { organizationId?: string } = {}) =>
  pool.query(
    `INSERT INTO ${table} (action, entity_type, entity_id, actor_type, actor_id, occurred_at, changes,
       request_id, ip, user_agent${extra.organizationId ? ", organization_id" : ""})
     SELECT 'user.updated', 'User', gen_random_uuid()::text, 'SYSTEM', NULL,
            now() - make_interval(secs => i / 1000.0),
            jsonb_build_object('name', jsonb_build_object('before', 'User ' || i, 'after', 'User ' || i || '!')),
            'bench-' || i, '203.0.113.' || (i % 250), 'bench-shield/1.0'
            ${extra.organizationId ? ", $2::uuid" : ""}
       FROM generate_series(1, $1::int) AS i`,
    extra.organizationId ? [count, extra.organizationId] : [count],
  );

/** A superuser, an organization with one site (its admin seeded) and `events` events in each scope. */
export const seedShieldWorld = async (pool: Pool, events: number): Promise<ShieldBenchWorld> => {
  const platform = createPlatformClient(pool);
  try {
    const superuser = await platform.account.create({
      data: { email: "bench-superuser@example.test", name: "Bench Superuser", isSuperuser: true },
    });
    const organization = await platform.organization.create({
      data: {
        slug: "bench-org",
        name: "Bench Org",
        plan: "ENTERPRISE",
        members: { create: { accountId: superuser.id, role: "OWNER" } },
      },
    });
    const site = await createSite(
      pool,
      { organizationId: organization.id, slug: "bench-site", name: "Bench Site" },
      {
        sets: loadTenantSets(),
        seed: seedSiteAdmin({
          email: "bench-admin@example.test",
          name: "Bench Admin",
          passwordHash: await hashPassword(randomUUID()),
        }),
      },
    );
    const schema = `"${site.schemaName}"`;
    await seedEvents(pool, `"platform"."audit_events"`, events, { organizationId: organization.id });
    await seedEvents(pool, `${schema}."audit_events"`, events);
    const { rows: admins } = await pool.query<{ id: string }>(
      `SELECT id FROM ${schema}.users WHERE is_admin`,
    );
    const { rows: ids } = await pool.query<{ id: string }>(
      `SELECT id FROM platform.audit_events ORDER BY occurred_at DESC, id DESC`,
    );
    return {
      superuserId: superuser.id,
      organizationId: organization.id,
      site: { id: site.id, slug: site.slug, schema: site.schemaName },
      siteAdminId: admins[0]?.id as string,
      platformEventIds: ids.map((r) => r.id),
    };
  } finally {
    await platform.$disconnect();
  }
};
