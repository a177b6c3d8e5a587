import { bool, int, optionalString, string, url } from "@taruvi/config";
import { z } from "zod";

/** Signs the local driver's URLs in development; production refuses it (and the local driver). */
export const DEV_FILES_SIGNING_SECRET = "taruvi-development-files-signing-secret";

/**
 * The files service's own variables, beside every subgraph's. Storage is `local` (a folder under
 * DATA_DIR, served by this service: `npm start`) or `s3` (any S3-compatible store); downloads go
 * through CloudFront when FILES_CDN_URL and its key pair are set.
 */
export const filesEnvShape = {
  FILES_STORAGE: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["local", "s3"]).default("local")),
  /** Local driver: where objects are kept (default DATA_DIR/files). */
  FILES_LOCAL_DIR: optionalString(),
  /** Local driver: the base URL clients reach this service's /storage routes at (default: where it listens). */
  FILES_PUBLIC_URL: url(),
  /** Local driver: the HMAC key of its signed URLs. */
  FILES_SIGNING_SECRET: string(DEV_FILES_SIGNING_SECRET),
  FILES_S3_BUCKET: optionalString(),
  FILES_S3_REGION: string("us-east-1"),
  /** MinIO, R2, …: the store's endpoint; unset: AWS S3. */
  FILES_S3_ENDPOINT: url(),
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO and most self-hosted stores need. */
  FILES_S3_FORCE_PATH_STYLE: bool(false),
  /** Unset: the AWS SDK's default credential chain (instance role, env, profile). */
  FILES_S3_ACCESS_KEY_ID: optionalString(),
  FILES_S3_SECRET_ACCESS_KEY: optionalString(),
  /** CloudFront distribution in front of the bucket (`https://cdn.example.com`): downloads become signed CloudFront URLs. */
  FILES_CDN_URL: url(),
  FILES_CDN_KEY_PAIR_ID: optionalString(),
  /** The key pair's private key, PEM (`\n` escapes accepted). */
  FILES_CDN_PRIVATE_KEY: optionalString(),
  /** How long a presigned upload stays valid; an upload not completed by then is swept. */
  FILES_UPLOAD_EXPIRY_SECONDS: int(900, { min: 60, max: 7 * 86_400 }),
};

type FilesEnv = {
  NODE_ENV: string;
  FILES_STORAGE: "local" | "s3";
  FILES_SIGNING_SECRET: string;
  FILES_S3_BUCKET?: string | undefined;
  FILES_S3_ACCESS_KEY_ID?: string | undefined;
  FILES_S3_SECRET_ACCESS_KEY?: string | undefined;
  FILES_CDN_URL?: string | undefined;
  FILES_CDN_KEY_PAIR_ID?: string | undefined;
  FILES_CDN_PRIVATE_KEY?: string | undefined;
};

/** Start-up refusals: settings that belong together, and development storage in production. */
export const filesEnvProblems = (env: FilesEnv): string[] => [
  ...(env.FILES_STORAGE === "s3" && !env.FILES_S3_BUCKET
    ? ["FILES_S3_BUCKET: required with FILES_STORAGE=s3"]
    : []),
  ...(Boolean(env.FILES_S3_ACCESS_KEY_ID) !== Boolean(env.FILES_S3_SECRET_ACCESS_KEY)
    ? ["FILES_S3_ACCESS_KEY_ID, FILES_S3_SECRET_ACCESS_KEY: set both or neither"]
    : []),
  ...(env.FILES_CDN_URL && !(env.FILES_CDN_KEY_PAIR_ID && env.FILES_CDN_PRIVATE_KEY)
    ? ["FILES_CDN_KEY_PAIR_ID, FILES_CDN_PRIVATE_KEY: required with FILES_CDN_URL"]
    : []),
  ...(env.FILES_CDN_URL && env.FILES_STORAGE !== "s3" ? ["FILES_CDN_URL: needs FILES_STORAGE=s3"] : []),
  ...(env.NODE_ENV === "production" && env.FILES_STORAGE === "local"
    ? ["FILES_STORAGE: local keeps files on one machine's disk; production needs s3"]
    : []),
];
