/**
 * The four subgraphs in one process, on free ports of 127.0.0.1, sharing one pool: the stack
 * (stack/src/start-stack.ts), so they are built exactly as `npm start` builds them. The stack's
 * own gateway also starts in this process but gets no traffic; the bench measures the gateways
 * that run in their own processes. Sends `{ type: "ready", urls }` over IPC; SIGTERM or SIGINT
 * closes everything and exits. The bench's --profile pass records a CPU profile over IPC.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@taruvi/logging";
import { startStack } from "@taruvi/stack";
import { acceptProfilingRequests } from "./profiler";

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const stack = await startStack({
  env: {
    DATABASE_URL: required("DATABASE_URL"),
    DATA_DIR: process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "taruvi-bench-subgraphs-")),
    INTERNAL_CONTEXT_SECRET: required("INTERNAL_CONTEXT_SECRET"),
  },
  logger: createLogger({ name: "bench-subgraphs", level: process.env.LOG_LEVEL ?? "info" }),
  freePorts: true,
  worker: false,
});
acceptProfilingRequests();
process.send?.({ type: "ready", urls: stack.subgraphUrls });

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await stack.close().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.on("disconnect", () => void shutdown());
