import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { assertDownload, contentDisposition } from "./content";
import type { DownloadOptions } from "./driver";
import { assertObjectKey } from "./keys";

export type CloudFrontSignerOptions = {
  /** The distribution's URL (FILES_CDN_URL), its origin the bucket: `https://files.example.com`. */
  url: string;
  /** The public key's id in the distribution's trusted key group. */
  keyPairId: string;
  /** The RSA private key, PEM. */
  privateKey: string;
};

/**
 * Download URLs through CloudFront, signed with a canned policy (the URL and an expiry). The
 * content type and disposition ride as S3's `response-content-*` query parameters, which are
 * part of the signed URL: the distribution must forward them to the origin (and key its cache
 * on them), and a response headers policy should add `X-Content-Type-Options: nosniff`.
 */
export const createCloudFrontSigner = (o: CloudFrontSignerOptions) => {
  const base = o.url.replace(/\/+$/, "");
  return {
    sign(key: string, options: DownloadOptions): string {
      const { expiresInSeconds, filename, contentType, disposition } = assertDownload(options);
      // %20, not URLSearchParams' `+`, for spaces: the URL is signed as written and S3 reads it.
      const query = [
        `response-content-disposition=${encodeURIComponent(contentDisposition(disposition, filename))}`,
        `response-content-type=${encodeURIComponent(contentType)}`,
      ].join("&");
      return getSignedUrl({
        url: `${base}/${assertObjectKey(key)}?${query}`,
        keyPairId: o.keyPairId,
        privateKey: o.privateKey,
        dateLessThan: new Date(Date.now() + expiresInSeconds * 1000),
      });
    },
  };
};
