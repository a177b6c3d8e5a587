// What `npm start` runs after its set-up, for tests that need it as a process of its own (the
// tracing preload only works there): every app of the stack in this one process, on free ports,
// over the migrated database in DATABASE_URL. Prints `{"gatewayUrl": …}` on one line once it
// serves; SIGUSR2 runs the scheduled job invitations.expire now; SIGTERM stops it.
import { createLogger } from "@taruvi/logging";
import { startStack } from "../src/index";

const logger = createLogger({ name: "taruvi", level: process.env.LOG_LEVEL ?? "warn" });
const stack = await startStack({ env: { ...process.env }, logger, freePorts: true });
process.on("SIGUSR2", () => {
  void stack.scheduledJobs?.runNow("invitations.expire");
});
process.once("SIGTERM", () => {
  void stack.close().then(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ gatewayUrl: stack.gatewayUrl })}\n`);
