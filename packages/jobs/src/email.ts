import { AppError } from "@taruvi/errors";
import type { Sealer } from "./sealing";

/** An email to send; rendered by the caller, sent by the worker. */
export type EmailJob = { to: string; subject: string; text: string; html?: string };

/**
 * An email as the queue holds it (`pgboss.job.data`): the recipient and subject in clear (they
 * route the job and are no secret), the body (text and html, which carry single-use links)
 * sealed and bound to them. Once sent, the worker erases `body`: a sent job holds no link at all.
 */
export type QueuedEmail = { to: string; subject: string; body?: string };

/** The pg-boss queue of outgoing email. */
export const EMAIL_QUEUE = "email.send";

const invalid = (why: string) => new AppError("INTERNAL_SERVER_ERROR", `email job: ${why}`);

/** Only the fields of an email, checked: a job's payload is plain data, never a whole object graph. */
export const toEmailJob = (value: unknown): EmailJob => {
  const { to, subject, text, html } = (value ?? {}) as Record<string, unknown>;
  if (typeof to !== "string" || !to.includes("@")) throw invalid("`to` must be an email address");
  if (typeof subject !== "string" || subject === "") throw invalid("`subject` is required");
  if (typeof text !== "string") throw invalid("`text` is required");
  if (html !== undefined && typeof html !== "string") throw invalid("`html` must be a string");
  return { to, subject, text, ...(html === undefined ? {} : { html }) };
};

/** What the sealed body is bound to: moving it to another recipient or subject breaks it. */
const sealingContext = (to: string, subject: string) => JSON.stringify(["email.send", to, subject]);

/** The job's payload: the email checked, its body sealed. */
export const sealEmail = (email: EmailJob, sealer: Sealer): QueuedEmail => {
  const { to, subject, text, html } = toEmailJob(email);
  const body = JSON.stringify(html === undefined ? { text } : { text, html });
  return { to, subject, body: sealer.seal(body, sealingContext(to, subject)) };
};

/**
 * The email of a job's payload, its body opened; null when the body was already erased (the
 * email was sent and only the job's completion was lost). Throws when it cannot be opened. A job
 * queued before bodies were sealed (`text` in clear) is still delivered as it is.
 */
export const openEmail = (value: unknown, sealer: Sealer): EmailJob | null => {
  const { to, subject, body, text } = (value ?? {}) as Record<string, unknown>;
  if (typeof to !== "string" || typeof subject !== "string") throw invalid("`to` and `subject` are required");
  if (body === undefined) return text === undefined ? null : toEmailJob(value);
  if (typeof body !== "string") throw invalid("`body` must be a sealed string");
  const opened = JSON.parse(sealer.open(body, sealingContext(to, subject))) as Record<string, unknown>;
  return toEmailJob({ to, subject, text: opened.text, html: opened.html });
};
