import type { Logger } from "@taruvi/logging";

/** A started deployable: what `start(env, shared)` returns. */
export type Running = {
  /** Where it listens (none for the worker). */
  url?: string;
  /** Stops accepting, drains, releases what it opened; resolves when done. */
  close: () => Promise<void>;
  logger: Logger;
};

/**
 * A deployable run as its own process: SIGINT/SIGTERM close it (drain, release pools) and exit 0;
 * a second signal while closing is ignored.
 */
export const stopOnSignals = (running: Running): void => {
  const { logger } = running;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await running.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
};
