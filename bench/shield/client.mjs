// The load generator of bench/shield, in its own process (forked by run.ts) so its CPU time is
// not the servers'. For each job it POSTs one request at a time over one keep-alive connection
// until both `minRequests` were sent and `minMs` passed, and reports the count and latencies.
// Any non-200 answer, or a body different from the first one, fails the job.
import http from "node:http";
import { performance } from "node:perf_hooks";

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const post = (url, headers, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });

const run = async ({ url, headers, body, minRequests, minMs }) => {
  const latencies = [];
  let first = null;
  const start = performance.now();
  while (latencies.length < minRequests || performance.now() - start < minMs) {
    const sent = performance.now();
    const res = await post(url, headers, body);
    latencies.push(performance.now() - sent);
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    if (first === null) {
      if (res.body.includes('"errors"')) throw new Error(`GraphQL errors: ${res.body.slice(0, 300)}`);
      first = res.body;
    } else if (res.body.length !== first.length) {
      throw new Error("answers differ within one batch");
    }
  }
  return { requests: latencies.length, elapsedMs: performance.now() - start, latencies, body: first };
};

process.on("message", (job) => {
  run(job).then(
    (result) => process.send({ id: job.id, ok: true, result }),
    (error) => process.send({ id: job.id, ok: false, error: String(error?.stack ?? error) }),
  );
});
process.send({ ready: true });
