import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Pool } from "@taruvi/db";
import { loadTenantSets, migrateSites } from "@taruvi/migrator";
import { FIXTURE_SERVICES, generateFixtureClients, writeFixtureMigrations } from "./fixture-services";
import { measurement, type Results } from "./report";
import type { RssJob, RssReport } from "./rss-child";
import { mean, round, timed, toMb } from "./stats";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = fileURLToPath(new URL("./rss-child.ts", import.meta.url));
const CHILD_TIMEOUT_MS = 180_000;

export type ServiceClientsRssOptions = {
  pool: Pool;
  url: string;
  /** The core tenant migrations the sites are at (the bench's copy with its extra migration). */
  coreDir: string;
  siteIds: readonly string[];
  poolSize: number;
  cacheMax: number;
  concurrency: number;
  migrateConcurrency: number;
  /** Rounds; each runs every configuration once, the order rotated, so drift hits all of them. */
  runs: number;
};

/** Forks rss-child.ts with `job`; resolves to its report once it has exited cleanly. */
const runChild = (job: RssJob): Promise<RssReport> =>
  new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { cwd: ROOT, execArgv: ["--import", "tsx"], stdio: "inherit" });
    let answer: { ok: true; report: RssReport } | { ok: false; error: string } | null = null;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the RSS child (${job.services.length} services) took over ${CHILD_TIMEOUT_MS} ms`));
    }, CHILD_TIMEOUT_MS);
    child.once("message", (message) => {
      answer = message as typeof answer;
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (answer?.ok && code === 0) resolve(answer.report);
      else if (answer && !answer.ok) reject(new Error(`the RSS child failed: ${answer.error}`));
      else reject(new Error(`the RSS child exited with ${signal ?? code} and no report`));
    });
    child.send(job);
  });

const mb = (bytes: number): number => round(toMb(bytes));

const summary = (report: RssReport) => ({
  rssStartMb: mb(report.rssStart),
  rssImportedMb: mb(report.rssImported),
  rssAfterFirstSiteMb: mb(report.rssAfterFirstSite),
  rssAfterMb: mb(report.rssAfter),
  rssPeakMb: mb(report.rssPeak),
  rssAfterCloseMb: mb(report.rssAfterClose),
  heapUsedAfterMb: mb(report.heapUsedAfter),
  touchMs: round(report.touchMs),
  queries: report.queries,
  evictions: report.evictions,
  poolErrorListenersPeak: report.poolErrorListenersPeak,
  warnings: report.warnings,
});

/**
 * RSS of one process touching every site with the core tenant client alone, then with one and
 * two product services' own generated clients as well, each configuration in a fresh child
 * process. The sites first get the fixture services' tables (`migrateSites` with every set).
 */
export const benchServiceClientsRss = async (options: ServiceClientsRssOptions): Promise<Results> => {
  const migrations = writeFixtureMigrations();
  const generated = generateFixtureClients();
  try {
    const sets = loadTenantSets([{ service: "core", dir: options.coreDir }, ...migrations.dirs]);
    const { result: report, ms } = await timed(() =>
      migrateSites(options.pool, { sets, concurrency: options.migrateConcurrency }),
    );
    if (report.failed.length > 0) {
      throw new Error(
        `adding the fixture services' tables failed: ${JSON.stringify(report.failed.slice(0, 3))}`,
      );
    }
    console.log(`  fixture services' tables in ${report.total} sites (${(ms / 1000).toFixed(1)} s)`);

    const services = generated.clients.map(({ service, client }) => {
      const model = FIXTURE_SERVICES.find((fixture) => fixture.service === service)?.model;
      if (!model) throw new Error(`no fixture service ${service}`);
      return { service, client, model };
    });
    const configurations = [0, 1, 2].map((extra) => services.slice(0, extra));
    const reports: RssReport[][] = configurations.map(() => []);
    for (let run = 0; run < options.runs; run += 1) {
      for (let step = 0; step < configurations.length; step += 1) {
        const index = (step + run) % configurations.length;
        const report = await runChild({
          url: options.url,
          poolSize: options.poolSize,
          cacheMax: options.cacheMax,
          concurrency: options.concurrency,
          siteIds: [...options.siteIds],
          services: configurations[index] ?? [],
        });
        reports[index]?.push(report);
        console.log(
          `  run ${run + 1}/${options.runs}, core + ${index} services: RSS ${mb(report.rssAfter)} MB after, ` +
            `${mb(report.rssPeak)} MB peak (${(report.touchMs / 1000).toFixed(1)} s)`,
        );
      }
    }

    // The mean, not the median: RSS after a GC moves by tens of MB from one process to the next,
    // and with two runs the nearest-rank median would be the lower one.
    const meanOf = (index: number, pick: (report: RssReport) => number): number =>
      toMb(mean((reports[index] ?? []).map(pick)));
    const after = [0, 1, 2].map((index) => meanOf(index, (report) => report.rssAfter));
    const peak = [0, 1, 2].map((index) => meanOf(index, (report) => report.rssPeak));
    const heap = [0, 1, 2].map((index) => meanOf(index, (report) => report.heapUsedAfter));
    const imported = [0, 1, 2].map((index) => meanOf(index, (report) => report.rssImported));
    const start = meanOf(0, (report) => report.rssStart);
    const [coreAfter = 0, oneAfter = 0, twoAfter = 0] = after;
    const [corePeak = 0, , twoPeak = 0] = peak;
    const sites = options.siteIds.length;
    const runsNote = `mean of ${options.runs}`;
    const details = (index: number) => ({ runs: (reports[index] ?? []).map(summary) });
    const label = (what: string, extra: number) =>
      `${what} touching ${sites} sites, own process, core + ${extra} service client${extra === 1 ? "" : "s"} (${runsNote})`;

    return {
      rssServiceClients0: measurement({
        label: label("RSS after", 0),
        value: coreAfter,
        unit: "MB",
        reference: { label: "child RSS at start", value: start },
        details: details(0),
      }),
      rssServiceClients1: measurement({
        label: label("RSS after", 1),
        value: oneAfter,
        unit: "MB",
        reference: { label: "core only", value: coreAfter },
        details: details(1),
      }),
      rssServiceClients2: measurement({
        label: label("RSS after", 2),
        value: twoAfter,
        unit: "MB",
        reference: { label: "core only", value: coreAfter },
        details: details(2),
      }),
      rssPeakServiceClients0: measurement({
        label: label("RSS peak", 0),
        value: corePeak,
        unit: "MB",
        reference: { label: "child RSS at start", value: start },
      }),
      rssPeakServiceClients1: measurement({
        label: label("RSS peak", 1),
        value: peak[1] ?? 0,
        unit: "MB",
        reference: { label: "core only", value: corePeak },
      }),
      rssPeakServiceClients2: measurement({
        label: label("RSS peak", 2),
        value: twoPeak,
        unit: "MB",
        reference: { label: "core only", value: corePeak },
      }),
      rssPerExtraService: measurement({
        label: `RSS per extra service after touching ${sites} sites ((core + 2 − core only) / 2)`,
        value: (twoAfter - coreAfter) / 2,
        unit: "MB",
        reference: { label: "core only", value: coreAfter },
        details: {
          firstServiceMb: round(oneAfter - coreAfter),
          secondServiceMb: round(twoAfter - oneAfter),
          coreClientsMb: round(coreAfter - start),
          moduleImportPerServiceMb: round(((imported[2] ?? 0) - (imported[0] ?? 0)) / 2),
        },
      }),
      rssPeakPerExtraService: measurement({
        label: `RSS peak per extra service touching ${sites} sites ((core + 2 − core only) / 2)`,
        value: (twoPeak - corePeak) / 2,
        unit: "MB",
        reference: { label: "core only peak", value: corePeak },
        details: {
          firstServiceMb: round((peak[1] ?? 0) - corePeak),
          secondServiceMb: round(twoPeak - (peak[1] ?? 0)),
        },
      }),
      heapPerExtraService: measurement({
        label: `JS heap per extra service after touching ${sites} sites, ${options.cacheMax} clients cached each`,
        value: ((heap[2] ?? 0) - (heap[0] ?? 0)) / 2,
        unit: "MB",
        reference: { label: "core only heap used", value: heap[0] ?? 0 },
        details: { heapUsedMb: heap.map((value) => round(value)) },
      }),
    };
  } finally {
    generated.remove();
    migrations.remove();
  }
};
