import { createHash } from "node:crypto";

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** Reads a whole stream, as the files app does to hash and sniff what was stored. */
export const readAll = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
};

export const headersOf = (list: { name: string; value: string }[]): Record<string, string> =>
  Object.fromEntries(list.map((h) => [h.name, h.value]));
