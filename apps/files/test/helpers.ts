/** Uploading as a client does: createUpload through the gateway, PUT to the URL it gives, completeUpload. */
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { tagged } from "../../../stack/test/fixtures";
import type { TestStack } from "../../../stack/test/helpers";

export const FIELDS = "id name contentType size sha256 status createdAt createdBy { id }";
export const CREATE_UPLOAD = `mutation ($input: CreateUploadInput!) {
  createUpload(input: $input) { file { ${FIELDS} } uploadUrl uploadHeaders { name value } expiresAt }
}`;
export const COMPLETE = `mutation ($id: ID!) { completeUpload(id: $id) { ${FIELDS} } }`;
export const ONE = `query ($id: ID!, $expiresIn: Int) { file(id: $id) { ${FIELDS} downloadUrl(expiresIn: $expiresIn) } }`;
export const LIST = `query ($first: Int, $after: String, $filter: FileFilter) {
  files(first: $first, after: $after, filter: $filter) { edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
export const DELETE = "mutation ($id: ID!) { deleteFile(id: $id) }";
export const STORAGE = "{ currentSite { id storage { used quota maxFileSize } } }";

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A 1×1 PNG: bytes file-type recognises as image/png. */
export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082",
  "hex",
);

export type Caller = { site: string; auth: string };

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON response bodies
export type Json = any;

/** A gateway request as `caller`; its response. */
export const as = async (
  t: TestStack,
  caller: Caller,
  query: string,
  variables: Record<string, unknown> = {},
) => (await tagged(t, query, { tenant: caller.site, auth: caller.auth, variables })).res;

/** The `data` of a response that must have succeeded (its body in the failure message otherwise). */
export const dataOf = (res: { json: Json; body: string }): Json => {
  expect(res.json?.errors, res.body).toBeUndefined();
  return res.json.data;
};

export type Ticket = {
  file: { id: string; status: string };
  uploadUrl: string;
  uploadHeaders: { name: string; value: string }[];
  expiresAt: string;
};

/** createUpload for `bytes` (declared as given, defaulting to the truth); the ticket. */
export const createUpload = async (
  t: TestStack,
  caller: Caller,
  bytes: Uint8Array,
  declared: Partial<{ name: string; contentType: string; size: number; sha256: string }> = {},
): Promise<Ticket> =>
  dataOf(
    await as(t, caller, CREATE_UPLOAD, {
      input: {
        name: declared.name ?? "photo.png",
        contentType: declared.contentType ?? "image/png",
        size: declared.size ?? bytes.length,
        sha256: declared.sha256 ?? sha256(bytes),
      },
    }),
  ).createUpload;

/** PUTs `body` to the ticket's URL with its headers (overridable), as a browser would. */
export const put = (ticket: Ticket, body: Uint8Array, headers: Record<string, string> = {}) =>
  fetch(ticket.uploadUrl, {
    method: "PUT",
    headers: { ...Object.fromEntries(ticket.uploadHeaders.map((h) => [h.name, h.value])), ...headers },
    body,
  });

/** The whole upload: create, PUT, complete; the READY file. */
export const upload = async (
  t: TestStack,
  caller: Caller,
  bytes: Uint8Array,
  declared: Parameters<typeof createUpload>[3] = {},
) => {
  const ticket = await createUpload(t, caller, bytes, declared);
  const stored = await put(ticket, bytes);
  expect(stored.status, await stored.clone().text()).toBeLessThan(300);
  return dataOf(await as(t, caller, COMPLETE, { id: ticket.file.id })).completeUpload;
};

export const usedBytes = async (t: TestStack, caller: Caller): Promise<number> =>
  dataOf(await as(t, caller, STORAGE)).currentSite.storage.used;

/** Waits (bounded) until `check` holds. */
export const eventually = async (check: () => Promise<boolean>, withinMs = 10_000): Promise<boolean> => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
};
