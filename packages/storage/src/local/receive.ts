import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** More bytes arrived than the URL was signed for. */
export class TooLarge extends Error {}

/** The client went away before the whole body arrived. */
export class Aborted extends Error {}

/**
 * Streams a request body into `path`, counting (chunked bodies included) and hashing as it
 * goes, and stops with TooLarge at the first byte beyond `limit`. The request is piped rather
 * than passed to `pipeline`, which would destroy it — and with it the socket the refusal must
 * still be written to.
 */
export const receive = async (
  req: IncomingMessage,
  path: string,
  limit: number,
): Promise<{ received: number; sha256: string }> => {
  const hash = createHash("sha256");
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > limit) return done(new TooLarge(`more than ${limit} bytes`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const aborted = () => {
    if (!req.complete) counter.destroy(new Aborted("the client aborted the upload"));
  };
  req.once("close", aborted);
  req.pipe(counter);
  try {
    await pipeline(counter, createWriteStream(path, { flags: "wx" }));
  } finally {
    req.off("close", aborted);
    req.unpipe(counter);
  }
  return { received, sha256: hash.digest("hex") };
};
