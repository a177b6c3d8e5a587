/**
 * `taruvi new service`: every refusal writes nothing, and a scaffolded service has the names,
 * permissions, audit actions, schema and migration the contract fixes. Runs against throwaway
 * copies of the files the scaffold reads, never the repository's services/.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "@taruvi/registry";
import { parse } from "graphql";
import { afterAll, describe, expect, it } from "vitest";
import { newService, planService } from "../src/commands/new-service";
import { ScaffoldError } from "../src/scaffold/names";
import { runTaruvi } from "./run-cli";

const roots: string[] = [];
const quiet = () => undefined;
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A throwaway root with what the scaffold reads: the registry, the schemas, the core's tenant migrations. */
const scratchRoot = (): string => {
  const root = mkdtempSync(join(tmpdir(), "taruvi-scaffold-"));
  roots.push(root);
  for (const path of [
    "services/registry.json",
    "supergraph/api-schema.graphql",
    "prisma/tenant/migrations",
    ...["identity", "organizations", "sites", "audit"].map((app) => `apps/${app}/schema.graphql`),
  ]) {
    cpSync(join(ROOT, path), join(root, path), { recursive: true });
  }
  return root;
};

/** Every file under `root` with its content: what "nothing written" is compared against. */
const snapshot = (root: string): Record<string, string> => {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, "utf8");
    }
  };
  walk(root);
  return files;
};

const scaffold = (root: string, name: string, entity: string, plural?: string) =>
  newService(name, { entity, plural, root, print: quiet });

/** Expects a ScaffoldError whose message matches `message`, and `root` exactly as it was. */
const expectRefused = async (root: string, run: () => Promise<unknown>, message: RegExp) => {
  const before = snapshot(root);
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScaffoldError);
  expect((error as Error).message).toMatch(message);
  expect(snapshot(root)).toEqual(before);
};

describe("taruvi new service: refusals write nothing", () => {
  const root = scratchRoot();

  it.each([
    ["../x", /service name "\.\.\/x": must be 2 to 30 lower-case letters and digits/],
    ["Projects", /service name "Projects": must be 2 to 30 lower-case/],
    ["p", /service name "p": must be 2 to 30/],
    ["p".repeat(31), /must be 2 to 30/],
    ["my-projects", /must be 2 to 30 lower-case letters and digits/],
    ["gateway", /service name "gateway": is reserved by the platform/],
    ["console", /is reserved by the platform/],
    ["identity", /is reserved by the platform/],
    ["users", /service name "users": is a core permission prefix \(users\.\*\)/],
    ["groups", /is a core permission prefix/],
    ["audit", /is a core permission prefix/],
    ["settings", /is a core permission prefix/],
    ["apikeys", /is a core permission prefix/],
  ])("refuses the service name %s", async (name, message) => {
    await expectRefused(root, () => scaffold(root, name, "Project"), message);
  });

  it.each([
    ["project", /--entity "project": must be a PascalCase type name/],
    ["PROJECT", /must be a PascalCase type name/],
    ["Pro_ject", /must be a PascalCase type name/],
    ["../Project", /must be a PascalCase type name/],
    ["P", /must be a PascalCase type name/],
    [`P${"x".repeat(40)}`, /must be a PascalCase type name, 2 to 40/],
    ["User", /--entity "User": is a type the platform already defines/],
    ["Site", /--entity "Site": is a type the platform already defines/],
    ["Query", /is a type the platform already defines/],
    ["PageInfo", /is a type the platform already defines/],
    ["Group", /type "Group" already exists \(supergraph\/api-schema\.graphql\)/],
    ["Organization", /type "Organization" already exists/],
    ["Me", /query field "me" already exists \(supergraph\/api-schema\.graphql\)/],
    ["Setting", /table "settings" already exists in every site schema \(the core\)/],
    ["Session", /table "sessions" already exists in every site schema \(the core\)/],
  ])("refuses the entity %s", async (entity, message) => {
    await expectRefused(root, () => scaffold(root, "things", entity), message);
  });

  it.each([
    ["Projects", /--plural "Projects": must be a lower camelCase field name/],
    ["pro_jects", /must be a lower camelCase field name/],
    ["../x", /must be a lower camelCase field name/],
    ["project", /--plural "project": must differ from the singular "project"/],
    ["users", /query field "users" already exists/],
    ["organizations", /query field "organizations" already exists/],
    ["auditEvents", /query field "auditEvents" already exists/],
    ["groups", /query field "groups" already exists/],
  ])("refuses the plural %s", async (plural, message) => {
    await expectRefused(root, () => scaffold(root, "things", "Project", plural), message);
  });

  it("refuses a root field another service defines, composed or not", async () => {
    const own = scratchRoot();
    const api = join(own, "supergraph", "api-schema.graphql");
    writeFileSync(api, `${readFileSync(api, "utf8")}\nextend type Mutation { createWidget: Boolean }\n`);
    await expectRefused(
      own,
      () => scaffold(own, "widgets", "Widget"),
      /mutation field "createWidget" already exists \(supergraph\/api-schema\.graphql\)/,
    );

    await scaffold(own, "projects", "Project");
    // Registered since the last compose: its schema.graphql counts.
    await expectRefused(
      own,
      () => scaffold(own, "tasks", "Project"),
      /type "Project" already exists \(services\/projects\/schema\.graphql\)/,
    );
    await expectRefused(
      own,
      () => scaffold(own, "tasks", "Task", "projects"),
      /query field "projects" already exists \(services\/projects\/schema\.graphql\)/,
    );
    // A table another registered service's migrations create.
    const extra = join(own, "services", "projects", "prisma", "migrations", "20990101000000_items");
    cpSync(join(own, "services", "projects", "README.md"), join(extra, "migration.sql"));
    writeFileSync(join(extra, "migration.sql"), 'CREATE TABLE "task_items" ("id" UUID PRIMARY KEY);\n');
    await expectRefused(
      own,
      () => scaffold(own, "tasks", "TaskItem"),
      /table "task_items" already exists in every site schema \(service projects\)/,
    );
  });

  it("refuses an existing service: registered, or its folder already there", async () => {
    const own = scratchRoot();
    await scaffold(own, "projects", "Project");
    await expectRefused(
      own,
      () => scaffold(own, "projects", "Task"),
      /service "projects" is already registered in services\/registry\.json/,
    );
    cpSync(join(own, "services", "projects", "README.md"), join(own, "services", "tasks", "README.md"));
    await expectRefused(own, () => scaffold(own, "tasks", "Task"), /services\/tasks already exists/);
  });
});

describe("taruvi new service: what it writes", () => {
  it("a service with the contract's names, permissions, audit actions, schema and migration; registered", async () => {
    const root = scratchRoot();
    const registryBefore = JSON.parse(readFileSync(join(root, "services", "registry.json"), "utf8"));
    const now = new Date("2026-12-07T10:20:30Z");
    const plan = planService("projects", { entity: "Project", root, now });
    await newService("projects", { entity: "Project", root, now, print: quiet });
    const dir = join(root, "services", "projects");
    const read = (path: string) => readFileSync(join(dir, path), "utf8");

    expect(plan.files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "operations/projects.graphql",
      "package.json",
      "prisma/migrations/20261207102030_create_projects/migration.sql",
      "prisma/schema.prisma",
      "schema.graphql",
      "src/context.ts",
      "src/domain/projects.ts",
      "src/index.ts",
      "src/lib.ts",
      "src/loaders.ts",
      "src/resolvers.ts",
      "src/rules.ts",
      "src/service.ts",
      "test/projects.int.test.ts",
      "tsconfig.json",
    ]);
    for (const file of plan.files) {
      expect(read(file.path), file.path).not.toMatch(/\{\{|\}\}/);
    }
    expect(JSON.parse(read("package.json"))).toMatchObject({
      name: "@taruvi-services/projects",
      private: true,
    });

    // Registered: appended with the next free port from 4101, the rest untouched.
    const registry = JSON.parse(readFileSync(join(root, "services", "registry.json"), "utf8"));
    expect(registry.services).toEqual([
      ...registryBefore.services,
      { name: "projects", dir: "services/projects", port: 4101 },
    ]);
    expect(registry.$comment).toBe(registryBefore.$comment);

    const service = read("src/service.ts");
    expect(service).toContain('name: "projects"');
    expect(service).toContain("port: 4101");
    expect(service).toMatch(/"projects\.view": "See the site's projects\."/);
    expect(service).toMatch(/"projects\.manage": "Create, change and delete the site's projects/);
    expect(service).toContain("tenantModel: prismaTenantModel(PrismaClient)");

    const rules = read("src/rules.ts");
    expect(rules).toContain('hasSitePermission("projects.view")');
    expect(rules).toContain('hasSitePermission("projects.manage")');
    expect(rules).toMatch(/Query: \{ projects: view, project: view \}/);
    expect(rules).toMatch(
      /Mutation: \{ createProject: manage, updateProject: manage, deleteProject: manage \}/,
    );

    const domain = read("src/domain/projects.ts");
    for (const verb of ["created", "updated", "deleted"])
      expect(domain).toContain(`action: "project.${verb}"`);
    expect(domain).toContain('entityType: "Project"');

    // The SDL: Federation 2, the entity and its root fields.
    const sdl = parse(read("schema.graphql"));
    const fieldsOf = (name: string) =>
      sdl.definitions
        .filter((d) => "name" in d && d.name?.value === name)
        .flatMap((d) => ("fields" in d ? (d.fields ?? []).map((f) => f.name.value) : []));
    expect(fieldsOf("Project")).toEqual(["id", "title", "createdAt", "updatedAt", "createdBy"]);
    expect(fieldsOf("Query")).toEqual(["projects", "project"]);
    expect(fieldsOf("Mutation")).toEqual(["createProject", "updateProject", "deleteProject"]);
    expect(read("schema.graphql")).toMatch(
      /projects\(\s*"Page size, 1 to 100\."\s*first: Int = 20[\s\S]*after: String\s*\): ProjectConnection!/,
    );
    expect(read("schema.graphql")).toContain('type User @key(fields: "id", resolvable: false)');
    expect(read("schema.graphql")).toContain('deleteProject("Its id." id: ID!): Boolean!');

    // Its own model and first migration: snake_case plural table, self-contained SQL.
    expect(read("prisma/schema.prisma")).toMatch(/model Project \{[\s\S]*@@map\("projects"\)/);
    expect(read("prisma/schema.prisma")).toContain('output       = "../src/generated"');
    const sql = read("prisma/migrations/20261207102030_create_projects/migration.sql");
    expect(sql).toContain('CREATE TABLE "projects"');
    expect(sql).toContain('"created_by_id" UUID');
    expect(sql).not.toMatch(/REFERENCES|platform\.|public\.|search_path/i);

    // Nothing left over from staging.
    expect(readdirSync(join(root, "services")).sort()).toEqual(["projects", "registry.json"]);

    // The next service takes the next port.
    expect(planService("tasks", { entity: "Task", root }).port).toBe(4102);
  });

  it("derives every name from a multi-word entity and a given plural", async () => {
    const root = scratchRoot();
    await newService("purchasing", {
      entity: "PurchaseOrder",
      plural: "purchaseOrderList",
      root,
      print: quiet,
    });
    const dir = join(root, "services", "purchasing");
    const read = (path: string) => readFileSync(join(dir, path), "utf8");
    const domain = read("src/domain/purchase-order-list.ts");
    expect(domain).toContain('action: "purchase_order.created"');
    expect(domain).toContain('entityType: "PurchaseOrder"');
    expect(read("src/rules.ts")).toMatch(/Query: \{ purchaseOrderList: view, purchaseOrder: view \}/);
    expect(read("prisma/schema.prisma")).toMatch(
      /model PurchaseOrder \{[\s\S]*@@map\("purchase_order_list"\)/,
    );
    const migrations = readdirSync(join(dir, "prisma", "migrations"));
    expect(migrations).toHaveLength(1);
    expect(migrations[0]).toMatch(/^\d{14}_create_purchase_order_list$/);
    expect(read("schema.graphql")).toContain("createPurchaseOrder(");
    expect(existsSync(join(dir, "test", "purchasing.int.test.ts"))).toBe(true);
  });

  it("through the real command: exit 0 and a summary; a refusal exits 1 with the reason on stderr", async () => {
    const root = scratchRoot();
    const made = await runTaruvi(["new", "service", "projects", "--entity", "Project", "--root", root], {});
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain("created services/projects (port 4101)");
    expect(made.stdout).toContain("permissions projects.view, projects.manage");
    expect(made.stdout).toContain("audit actions project.created|updated|deleted");

    const before = snapshot(root);
    const refused = await runTaruvi(["new", "service", "../x", "--entity", "Project", "--root", root], {});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: service name "\.\.\/x": must be 2 to 30 lower-case letters/);
    expect(snapshot(root)).toEqual(before);
  });
});
