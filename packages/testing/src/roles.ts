import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { adminUrl, runPrefix, type TestDatabase } from "./database";

/** A login role of one test: its name, password and the test database's URL as it. */
export type TestRole = { name: string; password: string; url: string };

export type TestRoles = {
  owner: TestRole;
  app: TestRole;
  /** Drops both roles (and whatever they still own or were granted in the test database). */
  drop: () => Promise<void>;
};

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * An owner and an application role named for this test run (`taruvi_test_<run>_owner_<id>`):
 * roles belong to the whole server, so every test makes its own and drops them; the run's
 * teardown drops any a crashed test left. Nothing is granted yet (`taruvi db roles` does).
 */
export const createTestRoles = (db: TestDatabase): TestRoles => {
  const id = randomBytes(4).toString("hex");
  const role = (kind: string): TestRole => {
    const name = `${runPrefix(inject("taruviTestRun"))}_${kind}_${id}`;
    const password = randomBytes(18).toString("base64url");
    const url = new URL(db.url);
    url.username = name;
    url.password = password;
    return { name, password, url: url.toString() };
  };
  const owner = role("owner");
  const app = role("app");
  return {
    owner,
    app,
    drop: async () => {
      const names = `${quote(owner.name)}, ${quote(app.name)}`;
      const exist = async (client: pg.Client) =>
        (await client.query("SELECT 1 FROM pg_roles WHERE rolname IN ($1, $2)", [owner.name, app.name]))
          .rowCount ?? 0;
      const server = new pg.Client({ connectionString: adminUrl() });
      await server.connect();
      try {
        if ((await exist(server)) === 0) return;
        // Their grants and objects in the test database, if it is still there.
        const present = await server.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
        if (present.rowCount) {
          const inDatabase = new pg.Client({ connectionString: db.url });
          await inDatabase.connect();
          try {
            for (const name of [owner.name, app.name]) {
              const has = await inDatabase.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
              if (has.rowCount) await inDatabase.query(`DROP OWNED BY ${quote(name)} CASCADE`);
            }
          } finally {
            await inDatabase.end();
          }
        }
        await server.query(`DROP ROLE IF EXISTS ${names}`);
      } finally {
        await server.end();
      }
    },
  };
};
