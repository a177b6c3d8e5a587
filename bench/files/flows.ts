/**
 * One file's round trip, both ways the bench measures it: straight to the storage server with URLs
 * the S3 driver presigns itself (the reference), and as a client of the platform does it, every
 * URL handed out by the files service through the gateway. The bytes take the same path in both:
 * client ⇄ storage server.
 */
import { randomUUID } from "node:crypto";
import { objectKey, type StorageDriver } from "@taruvi/storage";
import { CONTENT_TYPE, type Payload } from "./payload";

const CREATE_UPLOAD = `mutation ($input: CreateUploadInput!) {
  createUpload(input: $input) { file { id status } uploadUrl uploadHeaders { name value } expiresAt }
}`;
const COMPLETE = "mutation ($id: ID!) { completeUpload(id: $id) { id status size sha256 } }";
const DOWNLOAD_URL = "query ($id: ID!) { file(id: $id) { id downloadUrl(expiresIn: 3600) } }";

const UPLOAD_EXPIRY_SECONDS = 900;

/** PUTs the bytes as a browser would: the signed headers, Content-Length from the body. */
const putBytes = async (url: string, headers: { name: string; value: string }[], payload: Payload) => {
  const res = await fetch(url, {
    method: "PUT",
    headers: Object.fromEntries(headers.map((h) => [h.name, h.value])),
    body: payload.bytes,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`PUT ${payload.name}: ${res.status} ${text.slice(0, 300)}`);
};

/** GETs the object and checks it is the payload, byte for byte. */
const getBytes = async (url: string, payload: Payload) => {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new Error(`GET ${payload.name}: ${res.status} ${body.toString("utf8", 0, 300)}`);
  if (!body.equals(payload.bytes)) throw new Error(`GET ${payload.name}: other bytes came back`);
};

/**
 * The reference: presigned PUT and GET made by the driver in this process (no platform, no
 * database), under a prefix of a site id no platform site has.
 */
export const referenceRoundTrip =
  (driver: StorageDriver, siteId = randomUUID()) =>
  async (payload: Payload) => {
    const key = objectKey(siteId, randomUUID());
    const upload = await driver.presignPut(key, {
      size: payload.bytes.length,
      contentType: CONTENT_TYPE,
      sha256: payload.sha256,
      expiresInSeconds: UPLOAD_EXPIRY_SECONDS,
    });
    await putBytes(upload.url, upload.headers, payload);
    const url = await driver.presignGet(key, {
      expiresInSeconds: 3600,
      filename: payload.name,
      contentType: CONTENT_TYPE,
      // What the files service picks for application/octet-stream.
      disposition: "attachment",
    });
    await getBytes(url, payload);
  };

/** A GraphQL client of the gateway, as the site's admin. */
export type GatewayClient = {
  /** Counts the operations sent, for the report. */
  operations: () => number;
  // biome-ignore lint/suspicious/noExplicitAny: the bench reads the few fields it asked for
  request: (query: string, variables: Record<string, unknown>) => Promise<any>;
};

export const gatewayClient = (url: string, tenant: string, accessToken: string): GatewayClient => {
  let sent = 0;
  return {
    operations: () => sent,
    async request(query, variables) {
      sent += 1;
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${accessToken}`,
          "x-tenant": tenant,
        },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      const json = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
      if (!res.ok || json.errors) throw new Error(`gateway: ${res.status} ${text.slice(0, 500)}`);
      return json.data;
    },
  };
};

/**
 * The platform: createUpload → PUT to its uploadUrl with its uploadHeaders → completeUpload
 * (the files service reads the object back: size, SHA-256, sniffed type) → `file { downloadUrl }`
 * → GET. Three operations through the gateway; the bytes never reach it.
 */
export const platformRoundTrip = (gateway: GatewayClient) => async (payload: Payload) => {
  const { createUpload: ticket } = await gateway.request(CREATE_UPLOAD, {
    input: {
      name: payload.name,
      contentType: CONTENT_TYPE,
      size: payload.bytes.length,
      sha256: payload.sha256,
    },
  });
  await putBytes(ticket.uploadUrl, ticket.uploadHeaders, payload);
  const { completeUpload: file } = await gateway.request(COMPLETE, { id: ticket.file.id });
  if (file.status !== "READY" || file.sha256 !== payload.sha256) {
    throw new Error(`completeUpload ${payload.name}: ${JSON.stringify(file)}`);
  }
  const { file: ready } = await gateway.request(DOWNLOAD_URL, { id: file.id });
  await getBytes(ready.downloadUrl, payload);
};
