// Spawned by src/signals.test.ts: a deployable whose close takes CLOSE_MS, stopped on SIGTERM
// with a 200 ms delay and a SHUTDOWN_TIMEOUT_MS of TIMEOUT_MS.
import { createLogger } from "@taruvi/logging";
import { stopOnSignals } from "../src/signals";

const logger = createLogger({ name: "fixture", level: "info" });
stopOnSignals(
  {
    logger,
    beginDrain: () => logger.info("drain begun"),
    close: async () => {
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.CLOSE_MS)));
      logger.info("closed");
    },
  },
  { SHUTDOWN_DELAY_MS: 200, SHUTDOWN_TIMEOUT_MS: Number(process.env.TIMEOUT_MS) },
);
// What a listening server does: keeps the process alive until it is stopped.
setInterval(() => undefined, 60_000);
logger.info("ready");
