import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Two product services of a couple of tables each, as `taruvi new service` would add them: the
 * first migration (schema-agnostic SQL) and the Prisma model of the same tables. `model` is the
 * client property the bench queries (`client[model].findFirst()`).
 */
export const FIXTURE_SERVICES = [
  {
    service: "benchprojects",
    model: "project",
    sql: `CREATE TABLE "projects" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "title" text NOT NULL,
  "created_by" uuid, "created_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX "projects_created_at_id_idx" ON "projects" ("created_at", "id");
CREATE TABLE "project_members" ("project_id" uuid NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
  "user_id" uuid NOT NULL, PRIMARY KEY ("project_id", "user_id"));`,
    models: `model Project {
  id          String          @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  title       String
  createdById String?         @map("created_by") @db.Uuid
  createdAt   DateTime        @default(now()) @map("created_at") @db.Timestamptz(3)
  updatedAt   DateTime        @default(now()) @updatedAt @map("updated_at") @db.Timestamptz(3)
  members     ProjectMember[]

  @@index([createdAt, id])
  @@map("projects")
}

model ProjectMember {
  projectId String  @map("project_id") @db.Uuid
  userId    String  @map("user_id") @db.Uuid
  project   Project @relation(fields: [projectId], references: [id], onDelete: Cascade)

  @@id([projectId, userId])
  @@map("project_members")
}`,
  },
  {
    service: "benchinvoices",
    model: "invoice",
    sql: `CREATE TABLE "invoices" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "title" text NOT NULL,
  "amount_cents" bigint NOT NULL DEFAULT 0, "created_by" uuid,
  "created_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX "invoices_created_at_id_idx" ON "invoices" ("created_at", "id");
CREATE TABLE "invoice_lines" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "invoice_id" uuid NOT NULL REFERENCES "invoices" ("id") ON DELETE CASCADE, "label" text NOT NULL);`,
    models: `model Invoice {
  id          String        @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  title       String
  amountCents BigInt        @default(0) @map("amount_cents")
  createdById String?       @map("created_by") @db.Uuid
  createdAt   DateTime      @default(now()) @map("created_at") @db.Timestamptz(3)
  updatedAt   DateTime      @default(now()) @updatedAt @map("updated_at") @db.Timestamptz(3)
  lines       InvoiceLine[]

  @@index([createdAt, id])
  @@map("invoices")
}

model InvoiceLine {
  id        String  @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  invoiceId String  @map("invoice_id") @db.Uuid
  label     String
  invoice   Invoice @relation(fields: [invoiceId], references: [id], onDelete: Cascade)

  @@map("invoice_lines")
}`,
  },
] as const;

export type FixtureService = (typeof FIXTURE_SERVICES)[number];

/** A temporary directory holding the fixture services' files; `remove` deletes it. */
export type FixtureDir = { root: string; remove: () => void };

const temporaryRoot = (): FixtureDir => {
  const root = mkdtempSync(join(tmpdir(), "taruvi-bench-services-"));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
};

/** Each fixture service's migrations folder (`<service>/prisma/migrations/20990101000000_init`). */
export const writeFixtureMigrations = (): FixtureDir & { dirs: { service: string; dir: string }[] } => {
  const fixture = temporaryRoot();
  const dirs = FIXTURE_SERVICES.map(({ service, sql }) => {
    const dir = join(fixture.root, service, "prisma", "migrations");
    mkdirSync(join(dir, "20990101000000_init"), { recursive: true });
    writeFileSync(join(dir, "20990101000000_init", "migration.sql"), sql);
    return { service, dir };
  });
  return { ...fixture, dirs };
};

/**
 * Each fixture service's own Prisma client, generated as `npm run generate` does for a scaffolded
 * service (scripts/generate-prisma.mjs: `prisma generate` with the prisma-client generator, ESM,
 * and a stub schema engine so that nothing is downloaded). The generated TypeScript imports
 * `@prisma/client/runtime/client`, so the directory links to the workspace's node_modules.
 * `client` is the path of each `client.ts` (load it with tsx).
 */
export const generateFixtureClients = (): FixtureDir & { clients: { service: string; client: string }[] } => {
  const prismaBin = join(ROOT, "node_modules", "prisma", "build", "index.js");
  if (!existsSync(prismaBin)) throw new Error(`prisma is not installed (${prismaBin})`);
  const fixture = temporaryRoot();
  try {
    symlinkSync(join(ROOT, "node_modules"), join(fixture.root, "node_modules"), "dir");
    const stub = join(fixture.root, "schema-engine");
    writeFileSync(stub, "#!/bin/sh\necho 'schema-engine is not used by taruvi' >&2\nexit 1\n");
    chmodSync(stub, 0o755);
    const env = {
      ...process.env,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
      PRISMA_SCHEMA_ENGINE_BINARY: stub,
    };
    const clients = FIXTURE_SERVICES.map(({ service, models }) => {
      const dir = join(fixture.root, service, "prisma");
      mkdirSync(dir, { recursive: true });
      const schema = join(dir, "schema.prisma");
      writeFileSync(
        schema,
        `generator client {
  provider     = "prisma-client"
  output       = "../src/generated"
  moduleFormat = "esm"
}

datasource db {
  provider = "postgresql"
}

${models}
`,
      );
      const result = spawnSync(process.execPath, [prismaBin, "generate", "--schema", schema], {
        cwd: fixture.root,
        env,
        encoding: "utf8",
      });
      if (result.status !== 0) {
        throw new Error(`prisma generate for ${service} failed:\n${result.stdout}\n${result.stderr}`);
      }
      return { service, client: join(fixture.root, service, "src", "generated", "client.ts") };
    });
    return { ...fixture, clients };
  } catch (error) {
    fixture.remove();
    throw error;
  }
};
