import PgBoss from "pg-boss";

/** What runs the SQL (`Pool#query` fits). */
type Queryable = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

/** pg-boss's schema (JOBS_SCHEMA of @taruvi/jobs, which starts the queues). */
export const JOB_QUEUE_SCHEMA = "pgboss";

/**
 * Installs or upgrades pg-boss's schema on `pool`: the migrate step's, as the owner role
 * (docs/decisions/0022-database-roles.md); the apps start pg-boss with `migrate: false`. Then
 * `create_queue` runs with its owner's rights (SECURITY DEFINER, a fixed search_path): a queue is
 * a partition table pg-boss creates, and the application role, which may not create tables,
 * still creates its queues when a service starts. Idempotent.
 */
export const installJobQueue = async (pool: Queryable, schema: string = JOB_QUEUE_SCHEMA): Promise<void> => {
  const boss = new PgBoss({
    db: {
      executeSql: async (text: string, values: unknown[]) => ({
        rows: (await pool.query(text, values)).rows as Record<string, unknown>[],
      }),
    },
    schema,
    migrate: true,
    supervise: false,
    schedule: false,
  });
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
  await pool.query(
    `ALTER FUNCTION "${schema}".create_queue(text, json) SECURITY DEFINER SET search_path = pg_catalog, pg_temp`,
  );
};
