// `npm run bench:telemetry [-- --rounds 8 --seconds 3 --concurrency 8]`: what tracing costs the
// gateway. Three gateway processes of this checkout run side by side over one in-process test
// stack (database, subgraphs): tracing off (no endpoint: the preload does nothing), tracing at
// 10 % (parentbased_traceidratio 0.1) and at 100 %, exporting OTLP/HTTP protobuf to a sink in
// this process. Rounds take the configurations in turn (a different order each round) so drift
// in the machine's load falls on all of them; CPU per request comes from /proc/<pid>/stat of the
// gateway process (user + system ticks over the measured window), throughput from completed
// requests. Writes bench/results/telemetry.json (or --out, relative to the repository); a missed
// target prints MISS and exits 0. The gateways run on this process's Node (`node <tsx cli> …`
// picks another).
import { mkdtempSync, writeFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { audienceFor, signAccessToken } from "@taruvi/auth";
import { createPool } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import { SERVICES } from "@taruvi/registry";
import { startStack } from "../../stack/src/index";
import { httpRequest } from "../../stack/test/helpers";
import {
  type AppProcess,
  freePort,
  killAllApps,
  spawnApp,
  waitUntil,
} from "../../stack/test/process-helpers";
import { seedWorld } from "../gateway/seed";
import { connectAdmin, createBenchDatabase } from "../tenancy/database";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "8" },
    seconds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "8" },
    out: { type: "string", default: "bench/results/telemetry.json" },
    /** A directory: each gateway writes a V8 CPU profile there (`--cpu-prof`) as it exits. */
    profile: { type: "string" },
  },
});
const rounds = Number(args.rounds);
const windowMs = Number(args.seconds) * 1000;
const concurrency = Number(args.concurrency);
const TARGET = 1.05;
/** Spans two subgraphs (organizations, then sites): four SQL statements or so per request. */
const QUERY = "query BenchOrganizations { organizations { slug sites { slug } } }";
const CLOCK_TICKS = 100;

type Config = { name: string; traced: boolean; env: Record<string, string> };
// Each gateway that serves metrics gets a port of its own (`0`: a free one), as one process per
// app does in a deployment; tracing exports to the sink when OTEL_EXPORTER_OTLP_ENDPOINT is set.
const METRICS_OFF = { METRICS_PORT: "off" };
const METRICS_ON = { METRICS_PORT: "0" };
const TEN_PERCENT = { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" };
const ALL = { OTEL_TRACES_SAMPLER: "parentbased_always_on" };
const CONFIGS: Config[] = [
  { name: "off", traced: false, env: { ...METRICS_OFF } },
  { name: "metrics", traced: false, env: { ...METRICS_ON } },
  { name: "traces 10 %", traced: true, env: { ...METRICS_OFF, ...TEN_PERCENT } },
  { name: "traces 100 %", traced: true, env: { ...METRICS_OFF, ...ALL } },
  { name: "metrics + traces 10 %", traced: true, env: { ...METRICS_ON, ...TEN_PERCENT } },
];

/** user + system CPU time of a process so far, in milliseconds (fields 14 and 15 of /proc/<pid>/stat). */
const cpuMs = async (pid: number) => {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
};

/** An OTLP/HTTP endpoint that counts what it is sent and keeps nothing. */
const startSink = async () => {
  let bytes = 0;
  let posts = 0;
  const server = createServer((req, res) => {
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on("end", () => {
      posts += 1;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ bytes, posts }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const post = (agent: Agent, port: number, token: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent,
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ query: QUERY }));
  });

/** `concurrency` clients for `ms`, keep-alive; completed requests and failures. */
const load = async (port: number, token: string, ms: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const until = Date.now() + ms;
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const status = await post(agent, port, token).catch(() => 0);
        if (status === 200) ok += 1;
        else failed += 1;
      }
    }),
  );
  agent.destroy();
  return { ok, failed };
};

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const main = async () => {
  const startedAt = new Date().toISOString();
  const secret = (await import("node:crypto")).randomBytes(32).toString("base64url");
  // A throw-away database next to BENCH_DATABASE_URL, seeded as bench:gateway seeds it, and the
  // subgraphs in this process (untraced): only the gateways are measured.
  const admin = await connectAdmin();
  const database = await createBenchDatabase(admin);
  const pool = createPool({ url: database.url, max: 4, applicationName: "taruvi-bench-telemetry" });
  const world = await seedWorld(pool);
  await pool.end();
  const dataDir = mkdtempSync(join(tmpdir(), "taruvi-bench-telemetry-"));
  const unlimited = {
    RATE_LIMIT_ADDRESS_PER_MINUTE: "100000000",
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: "100000000",
    RATE_LIMIT_PRINCIPAL_PER_MINUTE: "100000000",
    RATE_LIMIT_TENANT_PER_MINUTE: "100000000",
  };
  const stack = await startStack({
    env: {
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      TOKEN_ISSUER: "taruvi",
      DOMAIN_VERIFICATION: "off",
      INTERNAL_CONTEXT_SECRET: secret,
      ...unlimited,
    },
    logger: createLogger({ name: "bench-telemetry", level: "silent" }),
    freePorts: true,
    worker: false,
  });
  const sink = await startSink();
  try {
    const { token } = await signAccessToken(stack.keyStore, {
      subject: world.owner.id,
      sessionId: "bench-telemetry",
      audience: audienceFor(null),
      issuer: "taruvi",
      ttlSeconds: 3600,
    });
    const gateways: { config: Config; port: number; app: AppProcess }[] = [];
    for (const config of CONFIGS) {
      const port = await freePort();
      const app = spawnApp(
        "apps/gateway/src/index.ts",
        {
          NODE_ENV: "test",
          HOST: "127.0.0.1",
          PORT: String(port),
          DATABASE_URL: database.url,
          DATA_DIR: dataDir,
          INTERNAL_CONTEXT_SECRET: secret,
          TOKEN_ISSUER: "taruvi",
          LOG_LEVEL: "warn",
          SANDBOX: "false",
          ...unlimited,
          ...Object.fromEntries(SERVICES.map((s) => [s.urlVariable, stack.subgraphUrls[s.name] as string])),
          ...(config.traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}),
          ...config.env,
          ...(args.profile
            ? {
                NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${resolve(args.profile, config.name.replace(/\W+/g, "-"))}`,
              }
            : {}),
        },
        ["./packages/telemetry/src/register.ts"],
      );
      gateways.push({ config, port, app });
    }
    for (const { port, app } of gateways) {
      await waitUntil(
        "a gateway ready",
        async () => (await httpRequest(`http://127.0.0.1:${port}/readyz`, { method: "GET" })).status === 200,
        120_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${app.output()}`);
      });
      const check = await httpRequest(`http://127.0.0.1:${port}/graphql`, {
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY }),
      });
      if (check.status !== 200 || check.json?.errors) throw new Error(`the bench query fails: ${check.body}`);
      // Warm-up: JIT, plan cache, connection pools.
      await load(port, token, 1500);
    }

    const samples = new Map(
      CONFIGS.map((c) => [c.name, [] as { cpuPerRequestMs: number; rps: number; failed: number }[]]),
    );
    for (let round = 0; round < rounds; round += 1) {
      const order = gateways.map(
        (_, i) => gateways[(i + round) % gateways.length] as (typeof gateways)[number],
      );
      for (const { config, port, app } of order) {
        const cpuBefore = await cpuMs(app.pid);
        const started = performance.now();
        const { ok, failed } = await load(port, token, windowMs);
        const elapsed = performance.now() - started;
        const cpu = (await cpuMs(app.pid)) - cpuBefore;
        samples
          .get(config.name)
          ?.push({ cpuPerRequestMs: cpu / Math.max(ok, 1), rps: (ok * 1000) / elapsed, failed });
      }
      process.stdout.write(`round ${round + 1}/${rounds}\n`);
    }

    // SIGTERM, not the SIGKILL of the clean-up: a gateway started with --cpu-prof writes its
    // profile as it exits.
    await Promise.all(gateways.map(({ app }) => app.stop("SIGTERM")));

    const summary = CONFIGS.map((config) => {
      const list = samples.get(config.name) ?? [];
      return {
        name: config.name,
        cpuPerRequestMs: median(list.map((s) => s.cpuPerRequestMs)),
        requestsPerSecond: median(list.map((s) => s.rps)),
        failed: list.reduce((sum, s) => sum + s.failed, 0),
      };
    });
    const off = summary[0] as (typeof summary)[number];
    const offSamples = samples.get("off") ?? [];
    const results = summary.map((row) => {
      // Each round's ratio to that round's off: the spread the medians hide.
      const perRound = (samples.get(row.name) ?? []).map(
        (sample, i) => sample.cpuPerRequestMs / (offSamples[i]?.cpuPerRequestMs ?? Number.NaN),
      );
      return {
        ...row,
        cpuRatio: row.cpuPerRequestMs / off.cpuPerRequestMs,
        cpuRatioRange: [Math.min(...perRound), Math.max(...perRound)],
        throughputRatio: row.requestsPerSecond / off.requestsPerSecond,
      };
    });
    const ratioOf = (name: string) => results.find((r) => r.name === name)?.cpuRatio ?? Number.NaN;
    // Tracing alone against all off, and tracing on top of metrics against metrics alone.
    const tracingCost = {
      "traces 10 % ÷ off": ratioOf("traces 10 %"),
      "metrics + traces 10 % ÷ metrics": ratioOf("metrics + traces 10 %") / ratioOf("metrics"),
    };
    const met = Object.values(tracingCost).every((ratio) => ratio <= TARGET);
    const report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      environment: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        loadAverage: loadavg(),
      },
      config: {
        rounds,
        windowMs,
        concurrency,
        query: QUERY,
        exporter: "OTLP/HTTP protobuf to a sink in the bench process",
        target: "CPU per request at 10 % sampling ≤ 1.05 × off (traces 10 % and metrics + traces 10 %)",
      },
      sink: sink.stats(),
      results,
      tracingCost,
      verdict: met ? "met" : "MISS",
    };
    console.table(
      results.map((r) => ({
        config: r.name,
        "CPU ms/request": r.cpuPerRequestMs.toFixed(3),
        "× off": r.cpuRatio.toFixed(3),
        "rounds × off": r.cpuRatioRange.map((x) => x.toFixed(2)).join("–"),
        "requests/s": r.requestsPerSecond.toFixed(0),
        "throughput × off": r.throughputRatio.toFixed(3),
        failed: r.failed,
      })),
    );
    for (const [name, ratio] of Object.entries(tracingCost)) console.log(`${name}: ${ratio.toFixed(3)}`);
    console.log(`target (tracing at 10 % ≤ ${TARGET} × CPU per request without it): ${report.verdict}`);
    writeFileSync(resolve(root, args.out), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await killAllApps();
    await sink.close();
    await stack.close();
    await database.drop();
    await admin.end();
  }
};

await main();
