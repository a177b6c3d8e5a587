import { installJobQueue, JOB_QUEUE_SCHEMA, migratePlatform, migrateSites } from "@taruvi/migrator";
import { withContext } from "../context";
import { env } from "../env";
import { print } from "../output";

/**
 * Platform schema first, then the job queue's (pg-boss: the apps never migrate it), then every
 * service's set on every site schema; exit 1 when any failed.
 */
export const migrate = async ({ concurrency }: { concurrency: number }): Promise<number> =>
  withContext(
    async ({ pool, platformSet, tenantSets }) => {
      const platform = await migratePlatform(pool, platformSet, { domainGraceDays: env.DOMAIN_GRACE_DAYS });
      print(
        platform.applied.length === 0
          ? "platform: up to date"
          : `platform: applied ${platform.applied.join(", ")}`,
      );
      await installJobQueue(pool);
      print(`jobs: schema ${JOB_QUEUE_SCHEMA} up to date`);
      const started = performance.now();
      const report = await migrateSites(pool, { sets: tenantSets, concurrency });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      print(
        `sites: ${report.total} total, ${report.upToDate} up to date, ${report.migrated.length} migrated, ` +
          `${report.provisioned.length} provisioned, ${report.failed.length} failed (${seconds}s)`,
      );
      for (const [service, head] of Object.entries(report.heads)) {
        const migrated = report.migrated.filter((m) => m.service === service).length;
        const failed = report.failed.filter((f) => f.service === service).length;
        print(`  ${service}: head ${head ?? "none"}, ${migrated} migrated, ${failed} failed`);
      }
      for (const failure of report.failed)
        print(`  FAILED ${failure.slug} (${failure.schema}) ${failure.service}: ${failure.error}`);
      return report.failed.length === 0 ? 0 : 1;
    },
    { poolSize: concurrency + 2, requireMigrated: false },
  );
