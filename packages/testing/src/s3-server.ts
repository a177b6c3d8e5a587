import { mkdtemp, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

type PutObject = (object: { bucket: string; key: string }) => Promise<{ size: number; md5: string }>;
type FilesystemStore = {
  prototype: {
    putObject: PutObject;
    getResourcePath: (bucket: string, key: string, resource: string) => string;
  };
};

/**
 * s3rver 3.7 answers a PUT once it has read the body, before its file is flushed
 * (`lib/stores/filesystem.js` resolves on the reading side's `finish`), so a HEAD or GET right
 * after can see fewer bytes — real S3 is read-after-write consistent. Until its PUT has written
 * every byte, the store's putObject does not resolve here (checked, at most 5 s).
 */
const consistentPuts = () => {
  const store = createRequire(import.meta.url)("s3rver/lib/stores/filesystem.js") as FilesystemStore;
  const put = store.prototype.putObject;
  if ((put as { consistent?: true }).consistent) return;
  const consistent: PutObject = async function (this: FilesystemStore["prototype"], object) {
    const result = await put.call(this, object);
    const path = this.getResourcePath(object.bucket, object.key, "object");
    const deadline = Date.now() + 5_000;
    while ((await stat(path)).size < result.size && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return result;
  };
  store.prototype.putObject = Object.assign(consistent, { consistent: true as const });
};

export type OwnS3 = {
  /** `http://127.0.0.1:<port>`: use path-style addressing (`forcePathStyle: true`). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The files service's variables (FILES_STORAGE=s3 and FILES_S3_*) for this store. */
  filesEnv: Record<string, string>;
  /** Stops the server and removes its data directory. */
  close: () => Promise<void>;
};

/**
 * Browsers may PUT and GET from any origin (the headers presigned uploads send), as a bucket's
 * CORS rules would allow for a web app's direct uploads.
 */
const CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader>
    <AllowedHeader>x-amz-checksum-sha256</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/**
 * An S3-protocol server (s3rver) of the test's own on a free port, with one bucket, in a
 * temporary directory. It does not verify SigV4 signatures nor the bounds a presigned URL
 * signs (size, type, checksum): tests of those refusals need a store that does.
 */
export const startOwnS3 = async (bucket = "taruvi-files-test"): Promise<OwnS3> => {
  consistentPuts();
  const directory = await mkdtemp(join(tmpdir(), "taruvi-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [CORS] }],
  });
  const { port } = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const region = "us-east-1";
  const accessKeyId = "S3RVER";
  const secretAccessKey = "S3RVER";
  return {
    endpoint,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    filesEnv: {
      FILES_STORAGE: "s3",
      FILES_S3_BUCKET: bucket,
      FILES_S3_REGION: region,
      FILES_S3_ENDPOINT: endpoint,
      FILES_S3_FORCE_PATH_STYLE: "true",
      FILES_S3_ACCESS_KEY_ID: accessKeyId,
      FILES_S3_SECRET_ACCESS_KEY: secretAccessKey,
    },
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
