#!/usr/bin/env node
// The production runtime, measured and proven on the host exactly as the image runs it.
//
//   npm run bench:runtime [-- --rounds 3 --node /path/to/node]
//   node bench/runtime/run.mjs --release /tmp/release --smoke      (CI, a release laid out already)
//
// Without --release it builds (`npm run build`), lays out the release in a temporary folder
// (scripts/stage-release.mjs) and installs its production dependencies there, as the image does.
//
// Against a throw-away database it migrates and creates a superuser with the release's CLI,
// starts every app from the release with NODE_ENV=production (compiled JavaScript, production
// dependencies only), signs in through the gateway, and stops every app with SIGTERM. Then, per
// round, it times each app's cold start (spawn → healthy: /healthz 200, or the worker's
// "worker running") compiled and, for comparison, from TypeScript through tsx in this checkout.
// Reports the medians and the pruned tree's size; `--smoke` does only the first part (CI).
import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";

const root = resolve(import.meta.dirname, "../..");
const { values: args } = parseArgs({
  options: {
    release: { type: "string" },
    rounds: { type: "string", default: "3" },
    node: { type: "string", default: process.execPath },
    smoke: { type: "boolean", default: false },
    out: { type: "string", default: join(root, "bench/results/runtime.json") },
  },
});
const release = args.release
  ? resolve(args.release)
  : join(mkdtempSync(join(tmpdir(), "taruvi-release-")), "app");
if (!args.release) {
  const run = (command, argv, cwd) =>
    execFileSync(command, argv, { cwd, stdio: ["ignore", "ignore", "inherit"] });
  run("npm", ["run", "build"], root);
  run(process.execPath, [join(root, "scripts/stage-release.mjs"), release], root);
  run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund"], release);
}
const node = args.node;
const nodeVersion = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
const adminUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/postgres";

const freePort = () =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

const sizeOf = (path) => {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
};
const mib = (bytes) => Math.round(bytes / 1024 / 1024);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// A database of its own, dropped at the end.
const dbName = `taruvi_runtime_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

// Every registered subgraph (services/registry.json), the worker and the gateway.
const registered = JSON.parse(readFileSync(join(root, "services/registry.json"), "utf8")).services;
const dirOf = (name) => registered.find((service) => service.name === name)?.dir ?? `apps/${name}`;
const ports = { gateway: await freePort() };
for (const { name } of registered) ports[name] = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), "taruvi-runtime-"));
const signingKey = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" });
const productionEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: "production",
  LOG_LEVEL: "warn",
  DATABASE_URL: databaseUrl,
  DATA_DIR: dataDir,
  INTERNAL_CONTEXT_SECRET: randomBytes(32).toString("hex"),
  SIGNING_KEYS: String(signingKey),
  // Identity, organizations and the worker refuse the development email key in production.
  EMAIL_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  // The worker insists on a mail server in production; nothing is sent in this run.
  SMTP_URL: "smtp://127.0.0.1:2525",
  // Files refuses local storage in production; no object is stored in this run (presigning is local).
  FILES_STORAGE: "s3",
  FILES_S3_BUCKET: "taruvi-runtime-bench",
  FILES_S3_ENDPOINT: "http://127.0.0.1:9",
  FILES_S3_FORCE_PATH_STYLE: "true",
  ...Object.fromEntries(
    registered.map(({ name }) => [
      `SUBGRAPH_${name.toUpperCase()}_URL`,
      `http://127.0.0.1:${ports[name]}/graphql`,
    ]),
  ),
};
const apps = [...registered.map(({ name }) => name), "worker", "gateway"];

const cli = (...cliArgs) =>
  execFileSync(node, [join(release, "packages/cli/bin/taruvi.js"), ...cliArgs], {
    cwd: release,
    env: productionEnv,
    encoding: "utf8",
  });

const children = new Set();

/** Spawns one app and resolves with the milliseconds until it is healthy. */
const startApp = (name, mode) => {
  const env = {
    ...productionEnv,
    // The worker has no port: it is up when it logs "worker running" (an info line).
    ...(ports[name] ? { PORT: String(ports[name]) } : { LOG_LEVEL: "info" }),
  };
  const [command, argv, cwd] =
    mode === "compiled"
      ? [node, ["--enable-source-maps", join(release, dirOf(name), "dist/index.js")], release]
      : [join(root, "node_modules/.bin/tsx"), [join(root, dirOf(name), "src/index.ts")], root];
  const began = performance.now();
  const child = spawn(command, argv, { cwd, env: { ...env, PATH: `${resolve(node, "..")}:${env.PATH}` } });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const healthy = new Promise((done, fail) => {
    const deadline = began + 60_000;
    const poll = async () => {
      if (child.exitCode !== null)
        return fail(new Error(`${name} (${mode}) exited ${child.exitCode}:\n${output}`));
      if (performance.now() > deadline)
        return fail(new Error(`${name} (${mode}) not healthy in 60 s:\n${output}`));
      const ok = ports[name]
        ? await fetch(`http://127.0.0.1:${ports[name]}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        : output.includes("worker running");
      if (ok) return done(performance.now() - began);
      setTimeout(poll, 10);
    };
    poll();
  });
  const stop = () =>
    new Promise((done, fail) => {
      if (child.exitCode !== null) return done(child.exitCode);
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        fail(new Error(`${name} (${mode}) did not exit within 10 s of SIGTERM:\n${output}`));
      }, 10_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        done(code);
      });
      child.kill("SIGTERM");
    });
  return { healthy, stop };
};

const report = { node: nodeVersion, release, rounds: Number(args.rounds), startMs: {}, sizes: {} };
let failed = false;
try {
  console.log(`runtime: ${nodeVersion}, release ${release}`);
  console.log(cli("migrate").trim().split("\n").at(-1));
  cli("superuser", "create", "--email", "ops@example.com", "--password", "correct horse battery");

  // The whole platform from the release, then one sign-in through the gateway.
  const running = apps.map((name) => [name, startApp(name, "compiled")]);
  for (const [, app] of running) await app.healthy;
  const res = await fetch(`http://127.0.0.1:${ports.gateway}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query:
        "mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }",
      variables: { e: "ops@example.com", p: "correct horse battery" },
    }),
  });
  const body = await res.json();
  if (!body.data?.signIn?.accessToken)
    throw new Error(`sign-in through the gateway failed: ${JSON.stringify(body)}`);
  console.log("release: every app healthy, sign-in through the gateway answered a token");
  const exits = await Promise.all(running.map(([, app]) => app.stop()));
  if (exits.some((code) => code !== 0)) throw new Error(`exit codes after SIGTERM: ${exits.join(", ")}`);
  console.log("release: every app exited 0 on SIGTERM");

  if (!args.smoke) {
    for (const mode of ["compiled", "tsx"]) {
      report.startMs[mode] = {};
      for (const name of apps) {
        const samples = [];
        for (let round = 0; round < report.rounds; round++) {
          // Subgraphs need no peers to be healthy; the gateway needs none either (static supergraph).
          const app = startApp(name, mode);
          samples.push(await app.healthy);
          await app.stop();
        }
        report.startMs[mode][name] = Math.round(median(samples));
      }
    }
    report.sizes = {
      releaseNodeModulesMiB: mib(sizeOf(join(release, "node_modules"))),
      checkoutNodeModulesMiB: mib(sizeOf(join(root, "node_modules"))),
      releaseWithoutNodeModulesKiB: Math.round(
        readdirSync(release)
          .filter((name) => name !== "node_modules")
          .reduce((sum, name) => sum + sizeOf(join(release, name)), 0) / 1024,
      ),
    };
    console.log("\ncold start to healthy, median ms (ratio tsx / compiled):");
    for (const name of apps) {
      const c = report.startMs.compiled[name];
      const t = report.startMs.tsx[name];
      console.log(
        `  ${name.padEnd(14)} compiled ${String(c).padStart(5)}   tsx ${String(t).padStart(5)}   ${(t / c).toFixed(2)}x`,
      );
    }
    console.log(
      `\nnode_modules: release (production only) ${report.sizes.releaseNodeModulesMiB} MiB, checkout ${report.sizes.checkoutNodeModulesMiB} MiB; the rest of the release ${report.sizes.releaseWithoutNodeModulesKiB} KiB`,
    );
    if (!existsSync(resolve(args.out, ".."))) mkdirSync(resolve(args.out, ".."), { recursive: true });
    writeFileSync(args.out, `${JSON.stringify({ ...report, at: new Date().toISOString() }, null, 2)}\n`);
  }
} catch (error) {
  failed = true;
  console.error(error instanceof Error ? error.message : error);
} finally {
  for (const child of children) child.kill("SIGKILL");
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
process.exit(failed ? 1 : 0);
