import type { Pool } from "@taruvi/db";
import { createSite, type MigrationSet } from "@taruvi/migrator";
import { forEachConcurrent } from "./concurrent";
import { elapsedMs } from "./stats";

/** The sites of the bench database, all in one organization, created with createSite. */
export type Fleet = {
  readonly siteIds: readonly string[];
  /** Creates one site; resolves to how long createSite took, in ms. */
  addOne: (sets: readonly MigrationSet[]) => Promise<number>;
  /** Creates sites, `concurrency` at a time, until there are `total`. */
  growTo: (total: number, options: { sets: readonly MigrationSet[]; concurrency: number }) => Promise<void>;
};

export const createFleet = async (pool: Pool): Promise<Fleet> => {
  const { rows } = await pool.query<{ id: string }>(
    "INSERT INTO platform.organizations (slug, name) VALUES ('bench', 'Benchmark') RETURNING id",
  );
  const organizationId = rows[0]?.id;
  if (!organizationId) throw new Error("could not create the bench organization");

  const siteIds: string[] = [];
  let created = 0;
  const addOne = async (sets: readonly MigrationSet[]): Promise<number> => {
    created += 1;
    const n = created;
    const start = process.hrtime.bigint();
    const site = await createSite(pool, { organizationId, slug: `site-${n}`, name: `Site ${n}` }, { sets });
    const ms = elapsedMs(start);
    siteIds.push(site.id);
    return ms;
  };

  const growTo: Fleet["growTo"] = async (total, { sets, concurrency }) => {
    const missing = Math.max(0, total - created);
    if (missing === 0) return;
    const start = process.hrtime.bigint();
    const step = Math.max(1, Math.floor(missing / 4));
    await forEachConcurrent(Array.from({ length: missing }), concurrency, async (_, index) => {
      await addOne(sets);
      if ((index + 1) % step === 0 || index + 1 === missing) {
        console.log(
          `  provisioned ${siteIds.length}/${total} sites (${(elapsedMs(start) / 1000).toFixed(1)} s)`,
        );
      }
    });
  };

  return { siteIds, addOne, growTo };
};
