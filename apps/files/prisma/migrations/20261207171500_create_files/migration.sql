-- The files service's first migration: its files and the site's storage in use. Schema-agnostic
-- (the migrator runs it in each site's schema) and self-contained: created_by_id is a user id,
-- not a foreign key.

-- CreateEnum
CREATE TYPE "FileStatus" AS ENUM ('PENDING', 'READY');

-- CreateTable
CREATE TABLE "files" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "status" "FileStatus" NOT NULL DEFAULT 'PENDING',
    "upload_expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "created_by_id" UUID,

    CONSTRAINT "files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "storage_usage" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "used" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "storage_usage_pkey" PRIMARY KEY ("id")
);

-- Pages are read newest first by (created_at, id); the sweeper finds expired PENDING uploads.
CREATE INDEX "files_created_at_id_idx" ON "files" ("created_at" DESC, "id" DESC);
CREATE INDEX "files_status_upload_expires_at_idx" ON "files" ("status", "upload_expires_at");

-- The one usage row every reservation updates.
INSERT INTO "storage_usage" ("id", "used") VALUES (true, 0);
