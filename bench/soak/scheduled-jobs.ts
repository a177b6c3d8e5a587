import { JOBS_SCHEMA } from "@taruvi/jobs";
import { DOMAINS_VERIFY_JOB, INVITATIONS_EXPIRE_JOB, SITES_PURGE_JOB } from "@taruvi/platform";
import PgBoss from "pg-boss";

const JOBS = [INVITATIONS_EXPIRE_JOB, DOMAINS_VERIFY_JOB, SITES_PURGE_JOB];

/**
 * Has the worker run each of its scheduled clean-ups once, as `runNow` would (a job in its queue),
 * and waits until all are done. Their first run costs the worker memory once (its platform
 * client's first queries: 20–90 MB of RSS, measured on its own; further runs add nothing), and
 * the cron ticks (every 10 minutes, hourly at :00 and :15) would otherwise put that into whichever
 * window they fall in. Throws when a job fails or is not done within `timeoutMs`.
 */
export const runScheduledJobsOnce = async (databaseUrl: string, timeoutMs = 60_000): Promise<void> => {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOBS_SCHEMA,
    max: 1,
    supervise: false,
    schedule: false,
  });
  await boss.start();
  try {
    const sent = await Promise.all(JOBS.map(async (name) => ({ name, id: await boss.send(name, {}) })));
    const deadline = Date.now() + timeoutMs;
    for (const { name, id } of sent) {
      if (!id) throw new Error(`queue ${name} refused the job`);
      for (;;) {
        const job = await boss.getJobById(name, id, { includeArchive: true });
        if (job?.state === "completed") break;
        if (job?.state === "failed") throw new Error(`${name} failed: ${JSON.stringify(job.output)}`);
        if (Date.now() > deadline) throw new Error(`${name} not done in ${timeoutMs} ms (${job?.state})`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await boss.stop({ graceful: false });
  }
};
