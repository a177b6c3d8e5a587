import {
  CompleteUploadDocument,
  type CompleteUploadMutation,
  CreateUploadDocument,
  DeleteFileDocument,
  type TaruviClient,
} from "@taruvi/sdk";

/** Hex SHA-256 of the file's bytes: createUpload declares it, the store and completeUpload check it. */
const sha256Of = async (file: Blob): Promise<string> => {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
};

/**
 * Uploads a file as the files service wants it: declare it (name, type, size, SHA-256), PUT the
 * bytes straight to the storage server with exactly the headers the URL was signed with (another
 * origin: the browser asks the store's CORS first; the gateway never sees the bytes), then have
 * the stored bytes checked. Resolves to the READY file.
 */
export const uploadFile = async (
  client: TaruviClient,
  file: File,
): Promise<CompleteUploadMutation["completeUpload"]> => {
  const { createUpload } = await client.request(CreateUploadDocument, {
    input: {
      name: file.name,
      contentType: file.type || "application/octet-stream",
      size: file.size,
      sha256: await sha256Of(file),
    },
  });
  const response = await fetch(createUpload.uploadUrl, {
    method: "PUT",
    headers: createUpload.uploadHeaders.map(({ name, value }): [string, string] => [name, value]),
    body: file,
  });
  if (!response.ok) {
    const why = await response.text();
    // Give the quota reserved for it back now rather than when the unfinished upload is swept.
    await client.request(DeleteFileDocument, { id: createUpload.file.id }).catch(() => undefined);
    throw new Error(`the storage server refused the upload (HTTP ${response.status}): ${why}`);
  }
  return (await client.request(CompleteUploadDocument, { id: createUpload.file.id })).completeUpload;
};
