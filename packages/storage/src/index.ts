export { type CloudFrontSignerOptions, createCloudFrontSigner } from "./cloudfront";
export { contentDisposition, isActiveContent, MAX_EXPIRES_IN_SECONDS } from "./content";
export type { DownloadOptions, ObjectHead, PresignedUpload, StorageDriver, UploadOptions } from "./driver";
export { isObjectKey, objectKey, sitePrefix } from "./keys";
export { createLocalDriver, type LocalDriver, type LocalDriverOptions } from "./local/driver";
export { createS3Driver, type S3DriverOptions } from "./s3";
