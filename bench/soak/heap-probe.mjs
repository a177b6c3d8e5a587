/**
 * Preloaded into every app the soak starts (`node --import <this file> …`), so the apps carry no
 * benchmark code. Once a second it appends one JSON line to SOAK_HEAP_FILE: the V8 heap now, and
 * `liveHeap`, the heap in use right after the last full collection since the previous line (null
 * when there was none). That one is the leak signal: what a full collection cannot free. And
 * `youngSpace`, what the young generation holds from the system: V8 sizes it by the allocation
 * rate, so it moves RSS with the load, not with what is kept.
 *
 * Left alone, V8 runs a full collection only when the old generation fills, minutes apart under
 * this load, so with SOAK_GC_SECONDS (and node's --expose-gc) the probe forces one that often.
 * The timers are unref'd: they never keep an app alive during shutdown.
 */
import { appendFileSync } from "node:fs";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

const file = process.env.SOAK_HEAP_FILE;
const gcSeconds = Number(process.env.SOAK_GC_SECONDS ?? 0);
if (file) {
  let liveHeap = null;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        liveHeap = getHeapStatistics().used_heap_size;
    }
  }).observe({ entryTypes: ["gc"] });
  if (gcSeconds > 0 && typeof globalThis.gc === "function") {
    setInterval(() => {
      globalThis.gc();
      liveHeap = getHeapStatistics().used_heap_size;
    }, gcSeconds * 1_000).unref();
  }
  setInterval(() => {
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    const youngSpace =
      getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
    const line = { at: Date.now(), heapUsed, heapTotal, external, youngSpace, liveHeap };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    liveHeap = null;
  }, 1_000).unref();
}
