import type { Logger } from "@taruvi/logging";

/** A started deployable: what `start(env, shared)` returns. */
export type Running = {
  /** Where it listens (none for the worker). */
  url?: string;
  /**
   * Announces the stop while it keeps serving: /readyz answers 503 "draining" and every response
   * closes its connection (none for the worker, which has no traffic to turn away).
   */
  beginDrain?: () => void;
  /** Stops accepting, drains, releases what it opened; resolves when done. */
  close: () => Promise<void>;
  logger: Logger;
};

/** SHUTDOWN_DELAY_MS and SHUTDOWN_TIMEOUT_MS (packages/config `shutdownEnvShape`). */
export type ShutdownTimes = {
  /** Serving on after the announcement, while load balancers stop routing here; default none. */
  SHUTDOWN_DELAY_MS?: number;
  /** The whole stop, from the signal; past it the process exits 1. */
  SHUTDOWN_TIMEOUT_MS: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A deployable run as its own process. On SIGTERM (Kubernetes, after preStop) or SIGINT it
 * announces the stop, keeps serving SHUTDOWN_DELAY_MS, then closes: stops accepting, answers the
 * requests in flight, lets the job in hand finish (or returns it to the queue), releases its pools
 * and exits 0. A stop still running after SHUTDOWN_TIMEOUT_MS is logged and exits 1, inside the
 * grace period, so the orchestrator never has to SIGKILL it. A second signal while stopping is
 * ignored.
 */
export const stopOnSignals = (running: Running, times: ShutdownTimes): void => {
  const { logger } = running;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, delayMs: times.SHUTDOWN_DELAY_MS ?? 0 }, "shutting down: draining");
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: times.SHUTDOWN_TIMEOUT_MS }, "shutdown timed out; exiting");
      process.exit(1);
    }, times.SHUTDOWN_TIMEOUT_MS);
    try {
      running.beginDrain?.();
      await sleep(times.SHUTDOWN_DELAY_MS ?? 0);
      await running.close();
      clearTimeout(deadline);
      logger.info("shut down");
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
};
