/**
 * The files service end to end with the local driver (as `npm start` runs it): a client uploads
 * through the presigned URL createUpload gives, completes, lists, downloads and deletes, through
 * the real gateway; the stored bytes are checked, quotas hold under concurrency, and nothing of
 * one site reaches another.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startBoss } from "@taruvi/jobs";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allAuditRows,
  apiKeyDirectly,
  expectOneEvent,
  grantDirectly,
  siteUser,
  tagged,
} from "../../../stack/test/fixtures";
import {
  createSiteWithAdmin,
  createWorld,
  errorOf,
  signedIn,
  siteMutation,
  startTestStack,
  type TestStack,
} from "../../../stack/test/helpers";
import {
  as,
  type Caller,
  COMPLETE,
  CREATE_UPLOAD,
  createUpload,
  DELETE,
  dataOf,
  eventually,
  LIST,
  ONE,
  PNG,
  put,
  STORAGE,
  sha256,
  upload,
  usedBytes,
} from "./helpers";

const MB = 1024 * 1024;
let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let home: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let other: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let admin: Caller & { userId: string };
let otherAdmin: Caller;
let boss: PgBoss;

beforeAll(async () => {
  t = await startTestStack();
  world = await createWorld(t);
  [home, other] = await Promise.all([
    createSiteWithAdmin(t, world.organization.id),
    createSiteWithAdmin(t, world.organization.id),
  ]);
  const signed = await signedIn(t, home.admin, home.site.slug);
  admin = { site: home.site.slug, auth: `Bearer ${signed.accessToken}`, userId: signed.user.id };
  otherAdmin = {
    site: other.site.slug,
    auth: `Bearer ${(await signedIn(t, other.admin, other.site.slug)).accessToken}`,
  };
  boss = await startBoss({ pool: t.db.pool, applicationName: "files-test" });
});
afterAll(async () => {
  await boss?.stop({ graceful: false, close: false });
  await t?.close();
});

describe("an upload through the presigned URL", () => {
  it("is PENDING until completed, then READY, listed, downloadable and counted, with one audit event", async () => {
    const before = await usedBytes(t, admin);
    const ticket = await createUpload(t, admin, PNG, { name: "  pixel.png " });
    expect(ticket.file).toMatchObject({ status: "PENDING", name: "pixel.png" });
    expect(new Date(ticket.expiresAt).getTime()).toBeGreaterThan(Date.now());
    // Bytes go to the files service's storage route, never to the gateway.
    expect(new URL(ticket.uploadUrl).origin).not.toBe(new URL(t.stack.gatewayUrl).origin);
    expect(await usedBytes(t, admin)).toBe(before + PNG.length);
    expect((await put(ticket, PNG)).status).toBe(200);

    const completing = await tagged(t, COMPLETE, {
      tenant: admin.site,
      auth: admin.auth,
      variables: { id: ticket.file.id },
    });
    const file = dataOf(completing.res).completeUpload;
    expect(file).toMatchObject({
      id: ticket.file.id,
      name: "pixel.png",
      contentType: "image/png",
      size: PNG.length,
      sha256: sha256(PNG),
      status: "READY",
      createdBy: { id: admin.userId },
    });
    expect(await expectOneEvent(t, completing)).toMatchObject({
      action: "file.created",
      entity_type: "File",
      entity_id: file.id,
      actor_id: admin.userId,
      changes: { name: { before: null, after: "pixel.png" }, size: { before: null, after: PNG.length } },
    });
    // Completing again (a retry) returns it as it is and records nothing.
    const again = await tagged(t, COMPLETE, {
      tenant: admin.site,
      auth: admin.auth,
      variables: { id: file.id },
    });
    expect(dataOf(again.res).completeUpload.status).toBe("READY");
    expect(await allAuditRows(t, again.requestId)).toEqual([]);

    const listed = dataOf(await as(t, admin, LIST, { filter: { contentType: "image/*", status: "READY" } }));
    expect(listed.files.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(file.id);
    const one = dataOf(await as(t, admin, ONE, { id: file.id, expiresIn: 60 })).file;
    const download = await fetch(one.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(download.headers.get("content-disposition")).toMatch(/^inline; filename/);
  });

  it("of active content (SVG, HTML) downloads as an attachment with nosniff", async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const html = Buffer.from("<!doctype html><script>alert(document.cookie)</script>");
    for (const [bytes, contentType, name] of [
      [svg, "image/svg+xml", "logo.svg"],
      [html, "text/html", "page.html"],
    ] as const) {
      const file = await upload(t, admin, bytes, { contentType, name });
      const { downloadUrl } = dataOf(await as(t, admin, ONE, { id: file.id })).file;
      const res = await fetch(downloadUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("downloadUrl's expiresIn is 1 s to 7 days: beyond is BAD_USER_INPUT on expiresIn; PENDING has none", async () => {
    const file = await upload(t, admin, PNG);
    for (const expiresIn of [0, 7 * 86_400 + 1, -5]) {
      const res = await as(t, admin, ONE, { id: file.id, expiresIn });
      expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "expiresIn" });
    }
    expect(dataOf(await as(t, admin, ONE, { id: file.id, expiresIn: 7 * 86_400 })).file.downloadUrl).toEqual(
      expect.any(String),
    );
    const pending = await createUpload(t, admin, PNG);
    expect(dataOf(await as(t, admin, ONE, { id: pending.file.id })).file.downloadUrl).toBeNull();
  });
});

describe("completing and listing", () => {
  it("two concurrent completeUpload calls: both answer READY, one file.created is recorded", async () => {
    const ticket = await createUpload(t, admin, PNG);
    expect((await put(ticket, PNG)).status).toBe(200);
    const both = await Promise.all(
      [0, 1].map(() =>
        tagged(t, COMPLETE, { tenant: admin.site, auth: admin.auth, variables: { id: ticket.file.id } }),
      ),
    );
    for (const { res } of both) expect(dataOf(res).completeUpload.status).toBe("READY");
    const events = await t.db.pool.query(
      `SELECT action FROM "${home.site.schemaName}".audit_events WHERE entity_id = $1`,
      [ticket.file.id],
    );
    expect(events.rows).toEqual([{ action: "file.created" }]);
  });

  it("pages newest first through a filtered list, each file once", async () => {
    const site = await createSiteWithAdmin(t, world.organization.id);
    const caller = {
      site: site.site.slug,
      auth: `Bearer ${(await signedIn(t, site.admin, site.site.slug)).accessToken}`,
    };
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await upload(t, caller, PNG, { name: `p${i}.png` })).id);
    await createUpload(t, caller, PNG, { name: "pending.png" });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page = dataOf(await as(t, caller, LIST, { first: 2, after, filter: { status: "READY" } })).files;
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...made].reverse());
    expect(errorOf(await as(t, caller, LIST, { filter: { contentType: "image" } }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "filter.contentType",
    });
  });
});

describe("bad input is refused with the field and why, and stores nothing", () => {
  const declare = (input: Record<string, unknown>) =>
    as(t, admin, CREATE_UPLOAD, {
      input: { name: "a.png", contentType: "image/png", size: PNG.length, sha256: sha256(PNG), ...input },
    });

  it.each([
    ["a path separator", { name: "../../etc/passwd" }, "name"],
    ["a backslash", { name: "..\\windows.ini" }, "name"],
    ["a bidirectional override", { name: "exe\u202egnp.png" }, "name"],
    ["10 KB of name", { name: `${"a".repeat(10_240)}.png` }, "name"],
    ["an empty name", { name: "   " }, "name"],
    ["..", { name: ".." }, "name"],
    ["a media type with parameters", { contentType: "text/plain; charset=utf-8" }, "contentType"],
    ["not a media type", { contentType: "png" }, "contentType"],
    ["size 0", { size: 0 }, "size"],
    ["a fractional size", { size: 1.5 }, "size"],
    ["a negative size", { size: -1 }, "size"],
    ["a short sha256", { sha256: "abc" }, "sha256"],
  ])("%s", async (_what, input, field) => {
    const before = await usedBytes(t, admin);
    const res = await declare(input);
    expect(res.status).toBe(200);
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await usedBytes(t, admin)).toBe(before);
  });

  it("a NUL anywhere: the gateway refuses the request (400 BAD_USER_INPUT naming the argument)", async () => {
    const before = await usedBytes(t, admin);
    const res = await declare({ name: "a\u0000.png" });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    expect(await usedBytes(t, admin)).toBe(before);
  });

  it("an unknown, malformed or another site's id: NOT_FOUND (complete, delete), null (file)", async () => {
    const theirs = await upload(t, otherAdmin, PNG);
    for (const id of [theirs.id, "00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      expect(errorOf(await as(t, admin, COMPLETE, { id }))?.code).toBe("NOT_FOUND");
      expect(errorOf(await as(t, admin, DELETE, { id }))?.code).toBe("NOT_FOUND");
      expect(dataOf(await as(t, admin, ONE, { id })).file).toBeNull();
    }
    // Still theirs, whole.
    expect(dataOf(await as(t, otherAdmin, ONE, { id: theirs.id })).file.status).toBe("READY");
  });

  it("completing before anything was uploaded: BAD_USER_INPUT, and the upload stays open", async () => {
    const ticket = await createUpload(t, admin, PNG);
    expect(errorOf(await as(t, admin, COMPLETE, { id: ticket.file.id }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "id",
    });
    expect((await put(ticket, PNG)).status).toBe(200);
    expect(dataOf(await as(t, admin, COMPLETE, { id: ticket.file.id })).completeUpload.status).toBe("READY");
  });
});

describe("the stored bytes are checked, not trusted", () => {
  /** An upload whose PUT the local store accepts (it enforces size and type) but whose bytes lie. */
  const refused = async (bytes: Buffer, declared: Parameters<typeof createUpload>[3], field: string) => {
    const before = await usedBytes(t, admin);
    const ticket = await createUpload(t, admin, bytes, declared);
    expect((await put(ticket, bytes)).status).toBe(200);
    const res = await as(t, admin, COMPLETE, { id: ticket.file.id });
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(errorOf(res)?.message).toContain("the upload was deleted");
    expect(dataOf(await as(t, admin, ONE, { id: ticket.file.id })).file).toBeNull();
    expect(await usedBytes(t, admin)).toBe(before);
    // The local store (DATA_DIR/files) no longer holds the bytes.
    expect(existsSync(join(t.dataDir, "files", "sites", home.site.id, ticket.file.id))).toBe(false);
  };

  it("a SHA-256 other than declared: the local store refuses the PUT itself (S3 does too; see files-s3)", async () => {
    const ticket = await createUpload(t, admin, PNG, { sha256: sha256(Buffer.from("other")) });
    const res = await put(ticket, PNG);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "ChecksumMismatch" } });
    expect(errorOf(await as(t, admin, COMPLETE, { id: ticket.file.id }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "id",
    });
  });
  it("text declared as image/png", () =>
    refused(Buffer.from("just some text, not a picture"), { contentType: "image/png" }, "contentType"));
  it("a PNG declared as text/plain", () =>
    refused(PNG, { contentType: "text/plain", name: "a.txt" }, "contentType"));
});

describe("plans: the largest file and the storage quota", () => {
  it("a file larger than the plan allows: CONFLICT on plan, nothing reserved", async () => {
    const before = await usedBytes(t, admin);
    const res = await as(t, admin, CREATE_UPLOAD, {
      input: {
        name: "big.bin",
        contentType: "application/octet-stream",
        size: 25 * MB + 1,
        sha256: sha256(PNG),
      },
    });
    expect(errorOf(res)).toMatchObject({ code: "CONFLICT", field: "plan" });
    expect(errorOf(res)?.message).toContain("the FREE plan allows files of at most 25 MB");
    expect(await usedBytes(t, admin)).toBe(before);
    expect(dataOf(await as(t, admin, STORAGE)).currentSite.storage).toMatchObject({
      quota: 1024 * MB,
      maxFileSize: 25 * MB,
    });
  });

  it("concurrent uploads that together pass the quota: exactly those that fit get in", async () => {
    const site = await createSiteWithAdmin(t, world.organization.id);
    const caller = {
      site: site.site.slug,
      auth: `Bearer ${(await signedIn(t, site.admin, site.site.slug)).accessToken}`,
    };
    const attempts = 45;
    const results = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        as(t, caller, CREATE_UPLOAD, {
          input: {
            name: `part-${i}.bin`,
            contentType: "application/octet-stream",
            size: 25 * MB,
            sha256: sha256(PNG),
          },
        }),
      ),
    );
    const accepted = results.filter((res) => !res.json.errors);
    const refusedOnPlan = results.filter(
      (res) => errorOf(res)?.code === "CONFLICT" && errorOf(res)?.field === "plan",
    );
    // 1 GB holds 40 files of 25 MB; the 41st would pass it.
    expect(accepted).toHaveLength(40);
    expect(refusedOnPlan).toHaveLength(attempts - 40);
    expect(await usedBytes(t, caller)).toBe(40 * 25 * MB);
    const listed = dataOf(await as(t, caller, LIST, { first: 100, filter: { status: "PENDING" } }));
    expect(listed.files.edges).toHaveLength(40);
  });
});

describe("deleting", () => {
  it("removes the row, gives the bytes back to the quota, deletes the object (job) and records file.deleted", async () => {
    const file = await upload(t, admin, PNG);
    const { downloadUrl } = dataOf(await as(t, admin, ONE, { id: file.id })).file;
    const before = await usedBytes(t, admin);
    const deleting = await tagged(t, DELETE, {
      tenant: admin.site,
      auth: admin.auth,
      variables: { id: file.id },
    });
    expect(dataOf(deleting.res).deleteFile).toBe(true);
    expect(await expectOneEvent(t, deleting)).toMatchObject({ action: "file.deleted", entity_id: file.id });
    expect(await usedBytes(t, admin)).toBe(before - PNG.length);
    expect(dataOf(await as(t, admin, ONE, { id: file.id })).file).toBeNull();
    expect(await eventually(async () => (await fetch(downloadUrl)).status === 404)).toBe(true);
  });

  it("an upload never completed is swept by the job: row and reservation gone", async () => {
    const ticket = await createUpload(t, admin, PNG);
    await put(ticket, PNG);
    const before = await usedBytes(t, admin);
    await t.db.pool.query(
      `UPDATE "${home.site.schemaName}".files SET upload_expires_at = now() - interval '1 hour' WHERE id = $1`,
      [ticket.file.id],
    );
    expect(errorOf(await as(t, admin, COMPLETE, { id: ticket.file.id }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "id",
    });
    await boss.send("files.sweep-uploads", {});
    expect(await eventually(async () => (await usedBytes(t, admin)) === before - PNG.length)).toBe(true);
    expect(dataOf(await as(t, admin, ONE, { id: ticket.file.id })).file).toBeNull();
  });

  it("purging a site deletes its objects (the purged hook); other sites keep theirs", async () => {
    const doomed = await createSiteWithAdmin(t, world.organization.id);
    const caller = {
      site: doomed.site.slug,
      auth: `Bearer ${(await signedIn(t, doomed.admin, doomed.site.slug)).accessToken}`,
    };
    const file = await upload(t, caller, PNG);
    const { downloadUrl } = dataOf(await as(t, caller, ONE, { id: file.id })).file;
    const kept = await upload(t, admin, PNG);
    const keptUrl = dataOf(await as(t, admin, ONE, { id: kept.id })).file.downloadUrl;
    const ownerToken = await t.token(world.owner.id, null);
    expect((await siteMutation(t, ownerToken, "deleteSite", doomed.site.id)).json.errors).toBeUndefined();
    await t.db.platform.site.update({
      where: { id: doomed.site.id },
      data: { deletedAt: new Date(Date.now() - 400 * 86_400_000) },
    });
    await t.stack.scheduledJobs?.runNow("sites.purge");
    expect(await eventually(async () => (await fetch(downloadUrl)).status === 404, 20_000)).toBe(true);
    expect((await fetch(keptUrl)).status).toBe(200);
  });
});

describe("who may", () => {
  it("files.view lists and downloads but cannot upload or delete; without it nothing (FORBIDDEN)", async () => {
    const file = await upload(t, admin, PNG);
    const viewer = await siteUser(t, home.site);
    await grantDirectly(t, home.site, { userId: viewer.id }, "files.view");
    const asViewer = { site: home.site.slug, auth: `Bearer ${await viewer.token()}` };
    expect(dataOf(await as(t, asViewer, ONE, { id: file.id })).file.downloadUrl).toEqual(expect.any(String));
    expect(dataOf(await as(t, asViewer, STORAGE)).currentSite.storage.used).toBeGreaterThan(0);
    for (const [query, variables] of [
      [CREATE_UPLOAD, { input: { name: "x.png", contentType: "image/png", size: 1, sha256: sha256(PNG) } }],
      [COMPLETE, { id: file.id }],
      [DELETE, { id: file.id }],
    ] as const) {
      expect(errorOf(await as(t, asViewer, query, variables))?.code).toBe("FORBIDDEN");
    }
    const nobody = await siteUser(t, home.site);
    const asNobody = { site: home.site.slug, auth: `Bearer ${await nobody.token()}` };
    expect(errorOf(await as(t, asNobody, ONE, { id: file.id }))?.code).toBe("FORBIDDEN");
    expect(errorOf(await as(t, asNobody, LIST))?.code).toBe("FORBIDDEN");
  });

  it("an API key scoped files.view cannot upload; one scoped files.manage can", async () => {
    const viewKey = await apiKeyDirectly(t, home.site, ["files.view"]);
    const manageKey = await apiKeyDirectly(t, home.site, ["files.manage"]);
    const input = { name: "k.png", contentType: "image/png", size: PNG.length, sha256: sha256(PNG) };
    expect(
      errorOf(await as(t, { site: home.site.slug, auth: viewKey.auth }, CREATE_UPLOAD, { input }))?.code,
    ).toBe("FORBIDDEN");
    const made = await upload(t, { site: home.site.slug, auth: manageKey.auth }, PNG, { name: "k.png" });
    expect(made).toMatchObject({ status: "READY", createdBy: null });
  });

  it("a signed URL of one site cannot be turned into another's object", async () => {
    const mine = await upload(t, admin, PNG);
    const theirs = await upload(t, otherAdmin, PNG);
    const url = new URL(dataOf(await as(t, admin, ONE, { id: mine.id })).file.downloadUrl);
    const forged = new URL(url);
    forged.pathname = url.pathname.replace(home.site.id, other.site.id).replace(mine.id, theirs.id);
    expect(forged.pathname).not.toBe(url.pathname);
    const res = await fetch(forged);
    expect(res.status).toBe(403);
    expect((await fetch(url)).status).toBe(200);
  });
});
