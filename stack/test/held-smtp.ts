import { createServer, type Socket } from "node:net";

export type HeldSmtp = {
  url: string;
  /** Messages received in full whose acceptance is held back (the sender is waiting on them). */
  held: () => number;
  /** Messages accepted (250 after DATA): what was delivered. */
  accepted: () => string[];
  /** Accepts every held message and, from now on, each one at once. */
  release: () => void;
  close: () => Promise<void>;
};

/**
 * An SMTP server of the test's own that takes each message in full, then holds its "250" until
 * the test releases it: a job that is provably in the middle of sending. Speaks just what
 * nodemailer needs over plain TCP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
 */
export const startHeldSmtp = async (): Promise<HeldSmtp> => {
  const waiting: (() => void)[] = [];
  const accepted: string[] = [];
  const sockets = new Set<Socket>();
  let released = false;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffer = "";
    let data: string[] | null = null;
    const reply = (line: string) => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    const onLine = (line: string) => {
      if (data) {
        if (line !== ".") {
          data.push(line.startsWith("..") ? line.slice(1) : line);
          return;
        }
        const message = data.join("\n");
        data = null;
        const accept = () => {
          accepted.push(message);
          reply("250 2.0.0 accepted");
        };
        if (released) accept();
        else waiting.push(accept);
        return;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO" || verb === "HELO") reply("250 held-smtp");
      else if (verb === "DATA") {
        data = [];
        reply("354 end with <CRLF>.<CRLF>");
      } else if (verb === "QUIT") {
        reply("221 bye");
        socket.end();
      } else reply("250 ok");
    };
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      for (let end = buffer.indexOf("\r\n"); end !== -1; end = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onLine(line);
      }
    });
    reply("220 held-smtp ready");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    held: () => waiting.length,
    accepted: () => [...accepted],
    release: () => {
      released = true;
      for (const accept of waiting.splice(0)) accept();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};
