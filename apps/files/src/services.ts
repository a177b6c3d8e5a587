import { join } from "node:path";
import {
  createCloudFrontSigner,
  createLocalDriver,
  createS3Driver,
  type StorageDriver,
} from "@taruvi/storage";
import type { HttpRoutes, ServiceEnv, ServiceJobs, ServiceResources } from "@taruvi/subgraph-kit";
import type { filesEnvShape } from "./env";
import type { PrismaClient } from "./generated/client";

/** The path under which the local driver's signed URLs are served by this service. */
export const LOCAL_STORAGE_PATH = "/storage";

export type FilesServices = {
  storage: StorageDriver;
  /** Signs download URLs for the CDN in front of the bucket, when one is configured. */
  cdn: CloudFrontSigner | null;
  /** The local driver's routes (PUT and GET on signed URLs); none with S3. */
  routes: HttpRoutes | null;
  uploadExpirySeconds: number;
  jobs: ServiceJobs;
  close: () => Promise<void>;
};

type FilesEnv = ServiceEnv<typeof filesEnvShape>;
type CloudFrontSigner = ReturnType<typeof createCloudFrontSigner>;

/** `\n` escapes, as a PEM key in one environment line is usually written. */
const pem = (value: string) => value.replaceAll("\\n", "\n");

/** The storage the environment names: S3-compatible, or a local folder this service serves. */
export const createFilesServices = (
  env: FilesEnv,
  resources: ServiceResources<PrismaClient>,
): FilesServices => {
  const local =
    env.FILES_STORAGE === "local"
      ? createLocalDriver({
          dir: env.FILES_LOCAL_DIR ?? join(env.DATA_DIR, "files"),
          // Known once the service listens (a free port in tests) unless configured.
          publicUrl: () => env.FILES_PUBLIC_URL ?? `${resources.url()}${LOCAL_STORAGE_PATH}`,
          secret: env.FILES_SIGNING_SECRET,
        })
      : null;
  const storage: StorageDriver =
    local ??
    createS3Driver({
      bucket: env.FILES_S3_BUCKET as string,
      region: env.FILES_S3_REGION,
      ...(env.FILES_S3_ENDPOINT ? { endpoint: env.FILES_S3_ENDPOINT } : {}),
      forcePathStyle: env.FILES_S3_FORCE_PATH_STYLE,
      ...(env.FILES_S3_ACCESS_KEY_ID && env.FILES_S3_SECRET_ACCESS_KEY
        ? { accessKeyId: env.FILES_S3_ACCESS_KEY_ID, secretAccessKey: env.FILES_S3_SECRET_ACCESS_KEY }
        : {}),
    });
  const cdn =
    env.FILES_CDN_URL && env.FILES_CDN_KEY_PAIR_ID && env.FILES_CDN_PRIVATE_KEY
      ? createCloudFrontSigner({
          url: env.FILES_CDN_URL,
          keyPairId: env.FILES_CDN_KEY_PAIR_ID,
          privateKey: pem(env.FILES_CDN_PRIVATE_KEY),
        })
      : null;
  return {
    storage,
    cdn,
    routes: local ? (req, res) => local.handle(req, res) : null,
    uploadExpirySeconds: env.FILES_UPLOAD_EXPIRY_SECONDS,
    jobs: resources.jobs,
    close: async () => {
      await storage.close?.();
    },
  };
};
