import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CORE_ENTITIES, parseRegistry, ROOT, SERVICES, tenantMigrationDirs } from "./registry";

const core = [
  { name: "identity", dir: "apps/identity", port: 4001 },
  { name: "organizations", dir: "apps/organizations", port: 4002 },
];

describe("the service registry", () => {
  it("lists the four core subgraphs first, each with its gateway variable and no product migrations", () => {
    expect(SERVICES.slice(0, 4).map((s) => [s.name, s.core, s.urlVariable])).toEqual([
      ["identity", true, "SUBGRAPH_IDENTITY_URL"],
      ["organizations", true, "SUBGRAPH_ORGANIZATIONS_URL"],
      ["sites", true, "SUBGRAPH_SITES_URL"],
      ["audit", true, "SUBGRAPH_AUDIT_URL"],
    ]);
    expect(tenantMigrationDirs(SERVICES.filter((s) => s.core))).toEqual([
      { service: "core", dir: "prisma/tenant/migrations" },
    ]);
  });

  it("accepts a product service under services/ with a port of its own", () => {
    const services = parseRegistry({
      services: [...core, { name: "projects", dir: "services/projects", port: 4101 }],
    });
    expect(services.at(-1)).toMatchObject({
      name: "projects",
      core: false,
      urlVariable: "SUBGRAPH_PROJECTS_URL",
    });
  });

  it("accepts the platform's own product service under apps/ (files): not core, its migrations its own", () => {
    const services = parseRegistry({
      services: [...core, { name: "files", dir: "apps/files", port: 4101 }],
    });
    expect(services.at(-1)).toMatchObject({
      name: "files",
      core: false,
      migrationsDir: "apps/files/prisma/migrations",
    });
  });

  it.each([
    ["a core service outside apps/", { name: "sites", dir: "services/sites", port: 4101 }, /apps\/sites/],
    ["a reserved name under apps/", { name: "users", dir: "apps/users", port: 4101 }, /"users" is reserved/],
    [
      "a name taken twice",
      { name: "identity", dir: "services/identity2", port: 4101 },
      /services\.2\.name: same name/,
    ],
    [
      "a port taken twice",
      { name: "projects", dir: "services/projects", port: 4001 },
      /services\.2\.port: same port/,
    ],
    ["a core permission prefix", { name: "users", dir: "services/users", port: 4101 }, /"users" is reserved/],
    ["the core ledger key", { name: "core", dir: "services/core", port: 4101 }, /"core" is reserved/],
    ["a path out of the tree", { name: "projects", dir: "../projects", port: 4101 }, /services\.2\.dir/],
    ["upper case", { name: "Projects", dir: "services/projects", port: 4101 }, /services\.2\.name/],
  ])("refuses %s, naming the entry", (_label, entry, message) => {
    expect(() => parseRegistry({ services: [...core, entry] })).toThrow(message);
  });
});

describe("CORE_ENTITIES", () => {
  it("names every entity a core subgraph owns (the first resolvable @key of it), and its owner", () => {
    const owned: Record<string, string> = {};
    for (const service of SERVICES.filter((s) => s.core)) {
      const sdl = readFileSync(join(ROOT, service.dir, "schema.graphql"), "utf8");
      for (const match of sdl.matchAll(/^type (\w+) @key\(fields: "id"(, resolvable: false)?\)/gm)) {
        // The first to define it owns it; later ones (sites adds Organization.sites) extend it.
        if (!match[2]) owned[match[1] as string] ??= service.name;
      }
    }
    expect(CORE_ENTITIES).toEqual(owned);
  });
});
