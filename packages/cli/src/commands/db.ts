import { badUserInput } from "@taruvi/errors";
import { applyDatabaseRoles, type DatabaseRole } from "@taruvi/migrator";
import { withContext } from "../context";
import { env } from "../env";
import { print } from "../output";

export type DbRolesOptions = { owner?: string; app?: string; ownerPassword?: string; appPassword?: string };

/** A role from its flags, else from the user and password of the URL the apps will use. */
const roleOf = (
  field: "owner" | "app",
  name: string | undefined,
  password: string | undefined,
  url: string | undefined,
  variable: string,
): DatabaseRole => {
  const parsed = url ? new URL(url) : null;
  const role = {
    name: name ?? (parsed ? decodeURIComponent(parsed.username) : ""),
    password: password ?? (parsed ? decodeURIComponent(parsed.password) : ""),
  };
  if (!role.name) throw badUserInput(field, `give the role's name, or set ${variable}`);
  if (!role.password)
    throw badUserInput(`${field}Password`, `give the role's password, or set it in ${variable}`);
  return role;
};

/**
 * `taruvi db roles`: creates or updates the owner and application roles on the database
 * (docs/decisions/0022-database-roles.md), connected as DATABASE_ADMIN_URL (else DATABASE_URL).
 * Names and passwords come from the flags, else from MIGRATION_DATABASE_URL (owner) and
 * DATABASE_URL (application): the URLs the apps will connect with. Idempotent.
 */
export const dbRoles = async (options: DbRolesOptions): Promise<number> => {
  const owner = roleOf(
    "owner",
    options.owner,
    options.ownerPassword,
    env.MIGRATION_DATABASE_URL,
    "MIGRATION_DATABASE_URL",
  );
  const app = roleOf("app", options.app, options.appPassword, env.DATABASE_URL, "DATABASE_URL");
  return withContext(
    async ({ pool }) => {
      const report = await applyDatabaseRoles(pool, { owner, app });
      for (const role of [owner.name, app.name]) {
        print(`role ${role}: ${report.created.includes(role) ? "created" : "updated"}`);
      }
      print(
        `database ${report.database}: ${owner.name} owns ${report.schemas.length} schema(s)` +
          `${report.schemas.length ? ` (${report.schemas.join(", ")})` : ""}; ${app.name} has data rights only`,
      );
      print("next: `taruvi migrate` as the owner (MIGRATION_DATABASE_URL)");
      return 0;
    },
    { poolSize: 1, requireMigrated: false, connection: "admin" },
  );
};
