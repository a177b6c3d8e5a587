import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export type OwnS3 = {
  /** `http://127.0.0.1:<port>`: use path-style addressing (`forcePathStyle: true`). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
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
  const directory = await mkdtemp(join(tmpdir(), "taruvi-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [CORS] }],
  });
  const { port } = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
