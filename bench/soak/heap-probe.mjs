/**
 * Preloaded into every app the soak starts (`node --import <this file> …`), so the apps carry no
 * benchmark code: once a second it appends this process's V8 heap figures as one JSON line to
 * SOAK_HEAP_FILE. The timer is unref'd, so it never keeps an app alive during shutdown.
 */
import { appendFileSync } from "node:fs";

const file = process.env.SOAK_HEAP_FILE;
if (file) {
  setInterval(() => {
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ at: Date.now(), heapUsed, heapTotal, external })}\n`);
  }, 1_000).unref();
}
