import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import registryFile from "../../../services/registry.json" with { type: "json" };

/** The repository (or release) root: every registered `dir` is relative to it. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Names a service may not take: the core's own services and deployables, the core tenant model's
 * ledger key, and every prefix of the core's site permissions (`users.view`, `audit.view`, …).
 */
export const RESERVED_SERVICE_NAMES = new Set([
  "core",
  "platform",
  "gateway",
  "worker",
  "console",
  "stack",
  "identity",
  "organizations",
  "sites",
  "audit",
  "users",
  "groups",
  "permissions",
  "apikeys",
  "settings",
  "accounts",
  "site",
  "public",
  "pgboss",
]);

export const SERVICE_NAME = /^[a-z][a-z0-9]{1,29}$/;

/** The four built-in subgraphs: their tenant tables are the core model (prisma/tenant). */
export const CORE_SERVICE_NAMES: ReadonlySet<string> = new Set([
  "identity",
  "organizations",
  "sites",
  "audit",
]);

const entry = z.object({
  name: z.string().regex(SERVICE_NAME, "lower-case letters and digits, starting with a letter, 2–30 long"),
  /**
   * The service's folder, relative to the root: apps/<name> for the core and the platform's own
   * product services (files), services/<name> for a team's.
   */
  dir: z.string().regex(/^(apps|services)\/[a-z][a-z0-9-]*$/, "apps/<name> or services/<name>"),
  /** Its default port when run alone and under `npm start`. */
  port: z.number().int().min(1024).max(65535),
});

export type ServiceEntry = z.infer<typeof entry> & {
  /** One of the four built-in subgraphs (CORE_SERVICE_NAMES); every other is a product service. */
  core: boolean;
  /** Its tenant migrations folder when it has a tenant data model (`<dir>/prisma/migrations`). */
  migrationsDir: string | null;
  /** SUBGRAPH_<NAME>_URL: where the gateway finds it. */
  urlVariable: string;
};

const file = z.object({ services: z.array(entry).min(1) }).superRefine((value, ctx) => {
  const seen = new Map<string, string>();
  for (const [index, service] of value.services.entries()) {
    for (const [key, label] of [
      [`name:${service.name}`, "name"],
      [`port:${service.port}`, "port"],
      [`dir:${service.dir}`, "dir"],
    ] as const) {
      const other = seen.get(key);
      if (other)
        ctx.addIssue({
          code: "custom",
          path: ["services", index, label],
          message: `same ${label} as ${other}`,
        });
      seen.set(key, service.name);
    }
    const core = CORE_SERVICE_NAMES.has(service.name);
    if (!core && RESERVED_SERVICE_NAMES.has(service.name)) {
      ctx.addIssue({
        code: "custom",
        path: ["services", index, "name"],
        message: `"${service.name}" is reserved`,
      });
    }
    if (core && service.dir !== `apps/${service.name}`) {
      ctx.addIssue({
        code: "custom",
        path: ["services", index, "dir"],
        message: `the core service ${service.name} lives in apps/${service.name}`,
      });
    }
  }
});

/** Parses the registry's JSON; throws naming each wrong entry. */
export const parseRegistry = (value: unknown, root = ROOT): ServiceEntry[] => {
  const parsed = file.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`services/registry.json is invalid: ${problems}`);
  }
  return parsed.data.services.map((service) => {
    const migrations = `${service.dir}/prisma/migrations`;
    return {
      ...service,
      core: CORE_SERVICE_NAMES.has(service.name),
      migrationsDir:
        !CORE_SERVICE_NAMES.has(service.name) && existsSync(`${root}${migrations}`) ? migrations : null,
      urlVariable: `SUBGRAPH_${service.name.toUpperCase()}_URL`,
    };
  });
};

/** Every registered service, in start order (the core first). */
export const SERVICES: readonly ServiceEntry[] = Object.freeze(parseRegistry(registryFile));

/** The core tenant model (prisma/tenant): identity's, sites' and audit's tables, ledger key "core". */
export const CORE_MIGRATIONS = { service: "core", dir: "prisma/tenant/migrations" } as const;

/** Every tenant migration set to apply to each site schema, the core's first. */
export const tenantMigrationDirs = (services: readonly ServiceEntry[] = SERVICES) => [
  CORE_MIGRATIONS,
  ...services.flatMap((s) => (s.migrationsDir ? [{ service: s.name, dir: s.migrationsDir }] : [])),
];

/**
 * The core's entities and the service that owns each (their `@key` types). A product service may
 * extend them (`extends: ["User"]`), never define them; the scaffold refuses them as entity names.
 */
export const CORE_ENTITIES: Readonly<Record<string, string>> = Object.freeze({
  User: "identity",
  ApiKey: "identity",
  Group: "identity",
  Organization: "organizations",
  Site: "sites",
  Domain: "sites",
  AuditEvent: "audit",
});
