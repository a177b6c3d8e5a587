/**
 * `taruvi new service <name> --entity <Entity> [--plural <entities>]`: writes a working product
 * service into services/<name> and registers it. Every check runs before the first write; the
 * files are written to a staging folder beside their destination and moved in with one rename,
 * then the registry is replaced with one rename: a refusal or a failure leaves nothing behind.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ROOT } from "@taruvi/registry";
import { print as printLine } from "../output";
import { nextFreePort, readGraph, readRegistry, readSiteTables } from "../scaffold/existing";
import {
  deriveNames,
  newMutationFields,
  newQueryFields,
  newTypes,
  ScaffoldError,
  type ServiceNames,
} from "../scaffold/names";
import { renderService } from "../scaffold/render";

/** Longest title the scaffolded entity accepts (API, table CHECK and tests agree). */
const TITLE_MAX = 200;

export type NewServiceOptions = {
  entity: string;
  plural?: string | undefined;
  /** The repository to write into (default: this checkout). Tests point it at a copy. */
  root?: string | undefined;
  /** The first migration's timestamp (default: now, UTC). */
  now?: Date;
  /** Where the summary goes (default: stdout). */
  print?: (line?: string) => void;
};

export type PlannedService = {
  names: ServiceNames;
  port: number;
  dir: string;
  files: { path: string; text: string }[];
  registry: string;
};

const stamp = (date: Date): string => date.toISOString().replace(/\D/g, "").slice(0, 14);

/** The registry's text with `entry` appended, one service per line as it is kept. */
const registryText = (
  json: { services: unknown[] } & Record<string, unknown>,
  entry: { name: string; dir: string; port: number },
): string => {
  const { services, ...rest } = json;
  const lines = [...services, entry].map(
    (service) =>
      `    { ${Object.entries(service as Record<string, unknown>)
        .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
        .join(", ")} }`,
  );
  const head = Object.entries(rest).map(
    ([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)},`,
  );
  return ["{", ...head, '  "services": [', lines.join(",\n"), "  ]", "}", ""].join("\n");
};

const clash = (what: string, name: string, where: string) =>
  new ScaffoldError(`${what} "${name}" already exists (${where}); choose another --entity or --plural`);

/** Everything the command would write, or a ScaffoldError: reads only. */
export const planService = (name: string, options: NewServiceOptions): PlannedService => {
  const root = resolve(options.root ?? ROOT);
  const names = deriveNames({ name, entity: options.entity, plural: options.plural });
  const { json, services } = readRegistry(root);
  const dir = `services/${name}`;
  if (services.some((service) => service.name === name)) {
    throw new ScaffoldError(`service "${name}" is already registered in services/registry.json`);
  }
  if (existsSync(join(root, dir))) {
    throw new ScaffoldError(`${dir} already exists; remove it or choose another name`);
  }
  const graph = readGraph(root, services);
  for (const type of newTypes(names)) {
    const where = graph.types.get(type);
    if (where) throw clash("type", type, where);
  }
  for (const field of newQueryFields(names)) {
    const where = graph.queryFields.get(field);
    if (where) throw clash("query field", field, where);
  }
  for (const field of newMutationFields(names)) {
    const where = graph.mutationFields.get(field);
    if (where) throw clash("mutation field", field, where);
  }
  const owner = readSiteTables(root, services).get(names.table);
  if (owner) {
    throw new ScaffoldError(
      `table "${names.table}" already exists in every site schema (${owner}); choose another --plural`,
    );
  }
  const port = nextFreePort(services);
  const files = renderService({
    ...names,
    port: String(port),
    migration: `${stamp(options.now ?? new Date())}_create_${names.table}`,
    title_max: String(TITLE_MAX),
  });
  return { names, port, dir, files, registry: registryText(json, { name, dir, port }) };
};

/**
 * Formats the staged files with Biome as the repository configures it (where a line breaks
 * depends on the names' lengths), when the repository has Biome and its configuration.
 */
const format = (root: string, dir: string): void => {
  const own = join(ROOT, "node_modules", "@biomejs", "biome", "bin", "biome");
  const biome = [join(root, "node_modules", "@biomejs", "biome", "bin", "biome"), own].find(existsSync);
  if (!biome || !existsSync(join(root, "biome.json"))) return;
  const result = spawnSync(process.execPath, [biome, "check", "--write", dir], {
    cwd: root,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`the new service does not pass \`biome check\`:\n${result.stdout}${result.stderr}`);
  }
};

/** Writes a planned service and its registry entry, all or nothing. */
export const writeService = (root: string, plan: PlannedService): void => {
  const target = join(root, plan.dir);
  const registry = join(root, "services", "registry.json");
  const stage = mkdtempSync(join(root, "services", `.new-${plan.names.name}-`));
  const registryTemp = `${stage}.registry.json`;
  let moved = false;
  try {
    for (const file of plan.files) {
      const path = join(stage, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.text, { flag: "wx" });
    }
    format(root, stage);
    writeFileSync(registryTemp, plan.registry, { flag: "wx" });
    // mkdtemp makes the folder private (0700); the service folder is an ordinary one.
    chmodSync(stage, 0o777 & ~process.umask());
    if (existsSync(target)) throw new ScaffoldError(`${plan.dir} appeared while writing; nothing written`);
    renameSync(stage, target);
    moved = true;
    renameSync(registryTemp, registry);
  } catch (error) {
    rmSync(moved ? target : stage, { recursive: true, force: true });
    rmSync(registryTemp, { force: true });
    throw error;
  }
};

/** The command: plan (every refusal), write, then say what to run next. */
export const newService = async (name: string, options: NewServiceOptions): Promise<number> => {
  const root = resolve(options.root ?? ROOT);
  const plan = planService(name, { ...options, root });
  writeService(root, plan);
  const { names } = plan;
  const print = options.print ?? printLine;
  print(`created ${plan.dir} (port ${plan.port}) and registered it in services/registry.json:`);
  for (const file of plan.files) print(`  ${plan.dir}/${file.path}`);
  print();
  print(`  entity ${names.Entity}: ${names.entities}(first, after), ${names.entity}(id),`);
  print(`  create${names.Entity}, update${names.Entity}, delete${names.Entity}`);
  print(`  permissions ${names.name}.view, ${names.name}.manage`);
  print(`  audit actions ${names.entity_snake}.created|updated|deleted; table ${names.table}`);
  print();
  print("next:");
  print("  npm install        # link the new workspace, update package-lock.json");
  print("  npm run generate   # its Prisma client");
  print("  npm run compose    # supergraph and permission catalog");
  print("  npx taruvi migrate # existing sites get its tables (new sites get them when created)");
  print(`  npx vitest run ${plan.dir}`);
  return 0;
};
