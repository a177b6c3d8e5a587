import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError, badUserInput } from "@taruvi/errors";
import { removeServiceWork } from "@taruvi/jobs";
import { CORE_SERVICE, loadMigrations, removeServiceTables, tablesOfSet } from "@taruvi/migrator";
import { RESERVED_SERVICE_NAMES, SERVICE_NAME } from "@taruvi/registry";
import { loadServices, registryPath, registryRoot, withContext } from "../context";
import { print } from "../output";

type RegistryFile = { services: { name: string }[] } & Record<string, unknown>;

/** The registry in its own layout: one service per line. */
const formatRegistry = (value: RegistryFile): string => {
  const line = (entry: object) =>
    `{ ${Object.entries(entry)
      .map(([key, v]) => `${JSON.stringify(key)}: ${JSON.stringify(v)}`)
      .join(", ")} }`;
  const top = Object.entries(value).map(([key, v]) =>
    key === "services"
      ? `  "services": [\n${value.services.map((s) => `    ${line(s)}`).join(",\n")}\n  ]`
      : `  ${JSON.stringify(key)}: ${JSON.stringify(v)}`,
  );
  return `{\n${top.join(",\n")}\n}\n`;
};

/** Drops the service's entry from services/registry.json; false when it was not there. */
const unregister = (name: string): boolean => {
  const file = registryPath();
  const value = JSON.parse(readFileSync(file, "utf8")) as RegistryFile;
  const kept = value.services.filter((s) => s.name !== name);
  if (kept.length === value.services.length) return false;
  writeFileSync(file, formatRegistry({ ...value, services: kept }));
  return true;
};

/**
 * `taruvi service remove <name> --drop-tables`: drops the tables the service's migrations create
 * from every site schema (each in its own transaction under the migrator's lock), its ledger,
 * version and catalog rows, its job queues and site-event subscriptions (pg-boss), then its
 * registry entry. Refuses core names and, without
 * --drop-tables, explains what it would drop. Idempotent. Stop deploying the service first:
 * a migrator still listing it would create its tables again.
 */
export const removeServiceCommand = async (
  name: string,
  { dropTables }: { dropTables: boolean },
): Promise<number> => {
  if (!SERVICE_NAME.test(name)) {
    throw badUserInput("name", "lower-case letters and digits, starting with a letter, 2–30 long");
  }
  const entry = loadServices().find((s) => s.name === name);
  if (name === CORE_SERVICE || RESERVED_SERVICE_NAMES.has(name) || entry?.core) {
    throw badUserInput(
      "name",
      `"${name}" is a core service; only product services (services/<name>) can be removed`,
    );
  }
  const dir = join(registryRoot(), entry?.dir ?? `services/${name}`, "prisma", "migrations");
  if (!existsSync(dir)) {
    throw badUserInput(
      "name",
      entry
        ? `${dir} is missing: the service's migrations say which tables to drop; restore the folder first`
        : `no service "${name}" is registered and ${dir} does not exist`,
    );
  }
  const set = loadMigrations(dir, name);
  const tables = tablesOfSet(set);
  if (!dropTables) {
    throw new AppError(
      "BAD_USER_INPUT",
      `removing "${name}" drops its tables (${tables.join(", ") || "none"}) and their data from every ` +
        "site schema, and its migration history; re-run with --drop-tables to do it",
    );
  }
  return withContext(async ({ pool }) => {
    const report = await removeServiceTables(pool, set);
    print(
      `service ${name}: dropped ${tables.length === 0 ? "no tables" : tables.join(", ")} ` +
        `from ${report.sites} site schema${report.sites === 1 ? "" : "s"}, ${report.failed.length} failed`,
    );
    const queues = await removeServiceWork(pool, name);
    print(
      `service ${name}: deleted ${queues.length === 0 ? "no job queues" : `job queues ${queues.join(", ")}`}`,
    );
    for (const failure of report.failed)
      print(`  FAILED ${failure.slug} (${failure.schema}): ${failure.error}`);
    if (report.failed.length > 0) {
      print("registry entry kept: fix the failures and run the command again");
      return 1;
    }
    print(
      unregister(name)
        ? `service ${name}: removed from services/registry.json (its folder ${entry?.dir ?? `services/${name}`} is yours to delete)`
        : `service ${name}: not in services/registry.json`,
    );
    return 0;
  });
};
