import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** An .eml file as the worker wrote it (development mail), with its text part decoded. */
export type ReceivedEmail = { path: string; to: string; subject: string; text: string };

type Part = { headers: Map<string, string>; body: string };

const parsePart = (raw: string): Part => {
  const split = raw.indexOf("\n\n");
  const head = split === -1 ? raw : raw.slice(0, split);
  const headers = new Map<string, string>();
  // Folded header lines start with white space and continue the previous one.
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: split === -1 ? "" : raw.slice(split + 2) };
};

const decodeBody = ({ headers, body }: Part): string => {
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding !== "quoted-printable") return body.trimEnd();
  const bytes = body
    .replace(/=\n/g, "")
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8").trimEnd();
};

/** The first text/plain part of a (possibly multipart) message. */
const textOf = (part: Part): string | null => {
  const type = part.headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith("multipart/") || !boundary) {
    return type.toLowerCase().startsWith("text/plain") ? decodeBody(part) : null;
  }
  for (const chunk of part.body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith("--")) break;
    const text = textOf(parsePart(chunk.replace(/^\n/, "")));
    if (text !== null) return text;
  }
  return null;
};

export const parseEmail = (path: string, raw: string): ReceivedEmail => {
  const message = parsePart(raw.replace(/\r\n/g, "\n"));
  return {
    path,
    to: message.headers.get("to") ?? "",
    subject: message.headers.get("subject") ?? "",
    text: textOf(message) ?? "",
  };
};

/** Every .eml file in `dir` (none when it does not exist yet). */
export const readEmails = async (dir: string): Promise<ReceivedEmail[]> => {
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names
      .filter((name) => name.endsWith(".eml"))
      .map(async (name) => parseEmail(join(dir, name), await readFile(join(dir, name), "utf8"))),
  );
};

/** Waits for an email to `to` (and with `subject` in its subject) to appear in `dir`. */
export const waitForEmail = async (
  dir: string,
  to: string,
  { subject = "", timeoutMs = 20_000 }: { subject?: string; timeoutMs?: number } = {},
): Promise<ReceivedEmail> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await readEmails(dir)).find((m) => m.to === to && m.subject.includes(subject));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no email to ${to} in ${dir} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
