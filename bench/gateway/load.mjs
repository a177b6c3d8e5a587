/**
 * The load generator, in its own process so its CPU time is not the servers'. Run by load.ts
 * through fork with the options as JSON in argv[2]: warms up, tells the parent
 * `{ type: "warm" }`, waits for `{ type: "go" }` (the parent reads the servers' CPU counters in
 * between), measures, then sends `{ type: "result", result }` and exits.
 */
import autocannon from "autocannon";

const options = JSON.parse(process.argv[2] ?? "{}");
// The bench went away (finished, failed or interrupted): stop sending load at once.
process.on("disconnect", () => process.exit(0));
const send = (message, callback) => {
  if (process.connected) process.send(message, callback);
};
// Straight to a subgraph, the load signs the internal context as a gateway does: for this body,
// living a few seconds, so it is signed anew every second (the workspace's own signing code,
// loaded through tsx: the parent forks this process with tsx's loader when `signContext` is set).
let headers = options.headers;
if (options.signContext) {
  const { internalContextKey, signInternalContext } = await import("@taruvi/auth");
  const { secret, audience, context } = options.signContext;
  const key = internalContextKey(secret);
  const sign = () => {
    headers = {
      ...options.headers,
      "x-taruvi-context": signInternalContext(key, context, { audience, body: options.body }),
    };
  };
  sign();
  setInterval(sign, 1_000).unref();
}
const base = {
  url: options.url,
  method: "POST",
  headers: options.headers,
  body: options.body,
  connections: options.connections,
  ...(options.signContext ? { requests: [{ setupRequest: (request) => ({ ...request, headers }) }] } : {}),
};

const run = (duration) =>
  new Promise((resolve, reject) => {
    autocannon({ ...base, duration }, (error, result) => (error ? reject(error) : resolve(result)));
  });

const summary = (result) => ({
  durationSeconds: result.duration,
  requests: result.requests.total,
  sent: result.requests.sent,
  requestsPerSecondMean: result.requests.average,
  latencyMs: {
    mean: result.latency.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  },
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  statusCodes: Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, stats]) => [code, stats.count]),
  ),
});

const go = new Promise((resolve) => {
  process.on("message", (message) => {
    if (message?.type === "go") resolve();
  });
});

if (options.warmupSeconds > 0) await run(options.warmupSeconds);
send({ type: "warm" });
await go;
const result = await run(options.durationSeconds);
send({ type: "result", result: summary(result) }, () => process.exit(0));
