import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import type { EmailJob } from "./email";

export type Mailer = {
  /** Sends one email; throws when the server refuses or cannot be reached (the job is retried). */
  send: (email: EmailJob, jobId: string) => Promise<{ messageId: string; path?: string }>;
  close: () => void;
};

export type MailerOptions = {
  /** `smtp://user:pass@host:587` or `smtps://…`; unset: messages are written as .eml files. */
  smtpUrl?: string | undefined;
  /** Where .eml files go without SMTP (development). */
  mailDir: string;
  from: string;
};

const smtpMailer = (smtpUrl: string, from: string): Mailer => {
  const transport = createTransport(
    { url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 },
    { from },
  );
  return {
    send: async (email) => ({ messageId: (await transport.sendMail(email)).messageId }),
    close: () => transport.close(),
  };
};

/**
 * Development: each message as a complete RFC 822 file, `<mailDir>/<jobId>.eml` (a retry of the
 * same job overwrites it), written under a temporary name first so readers never see half a file.
 */
const fileMailer = (mailDir: string, from: string): Mailer => {
  const transport = createTransport({ streamTransport: true, buffer: true, newline: "unix" }, { from });
  return {
    send: async (email, jobId) => {
      const info = await transport.sendMail(email);
      await mkdir(mailDir, { recursive: true });
      const path = join(mailDir, `${jobId}.eml`);
      await writeFile(`${path}.tmp`, info.message as Buffer, { mode: 0o600 });
      await rename(`${path}.tmp`, path);
      return { messageId: info.messageId, path };
    },
    close: () => transport.close(),
  };
};

export const createMailer = ({ smtpUrl, mailDir, from }: MailerOptions): Mailer =>
  smtpUrl ? smtpMailer(smtpUrl, from) : fileMailer(mailDir, from);
