import { AppError } from "@taruvi/errors";

/** An email to send; rendered by the caller, sent by the worker. */
export type EmailJob = { to: string; subject: string; text: string; html?: string };

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
