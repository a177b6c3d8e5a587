import type { MigrationSet } from "@taruvi/migrator";
import pg from "pg";
import type { Fleet } from "./fleet";
import { provisionNaive, siteStatements } from "./naive";
import { type Measurement, measurement, type Results } from "./report";
import { elapsedMs, percentile, summarize } from "./stats";

export type ProvisioningOptions = {
  url: string;
  fleet: Fleet;
  set: MigrationSet;
  /** createSite calls measured (sequential, one at a time). */
  samples: number;
  /** Naive provisions measured, interleaved with ours so both see the same catalog size. */
  naiveSamples: number;
  /** Unmeasured calls of each kind first (JIT, plan caches, first connections). */
  warmup: number;
  roundTrips: number;
  targetP50Ms: number;
};

/** Step 1: createSite latency vs the statement-by-statement provisioner and a SELECT 1. */
export const benchProvisioning = async ({
  url,
  fleet,
  set,
  samples,
  naiveSamples,
  warmup,
  roundTrips,
  targetP50Ms,
}: ProvisioningOptions): Promise<{
  provisionP50: Measurement;
  provisionP95: Measurement;
  provisionVsRoundTrip: Measurement;
}> => {
  const statements = siteStatements(set);
  const client = new pg.Client({ connectionString: url, application_name: "taruvi-bench-naive" });
  await client.connect();
  const naiveSchemas: string[] = [];
  const naive = async (): Promise<number> => {
    const schema = `bench_naive_${naiveSchemas.length + 1}`;
    naiveSchemas.push(schema);
    const start = process.hrtime.bigint();
    await provisionNaive(client, schema, statements);
    return elapsedMs(start);
  };

  try {
    for (let i = 0; i < warmup; i += 1) {
      await fleet.addOne([set]);
      await naive();
    }
    const ours: number[] = [];
    const reference: number[] = [];
    const every = Math.max(1, Math.floor(samples / naiveSamples));
    for (let i = 0; i < samples; i += 1) {
      ours.push(await fleet.addOne([set]));
      if (i % every === 0 && reference.length < naiveSamples) reference.push(await naive());
    }

    await client.query("SET search_path TO DEFAULT");
    for (let i = 0; i < warmup * 10; i += 1) await client.query("SELECT 1");
    const selectOne: number[] = [];
    for (let i = 0; i < roundTrips; i += 1) {
      const start = process.hrtime.bigint();
      await client.query("SELECT 1");
      selectOne.push(elapsedMs(start));
    }

    const oursP50 = percentile(ours, 50);
    const roundTripP50 = percentile(selectOne, 50);
    return {
      provisionP50: measurement({
        label: `createSite p50 (${ours.length} sites)`,
        value: oursP50,
        unit: "ms",
        reference: { label: `naive p50 (${reference.length} sites)`, value: percentile(reference, 50) },
        target: targetP50Ms,
        details: {
          ours: summarize(ours),
          naive: summarize(reference),
          statementsPerSite: statements.length,
          naiveRoundTripsPerSite: statements.length + 2,
        },
      }),
      provisionP95: measurement({
        label: `createSite p95 (${ours.length} sites)`,
        value: percentile(ours, 95),
        unit: "ms",
        reference: { label: `naive p95 (${reference.length} sites)`, value: percentile(reference, 95) },
      }),
      provisionVsRoundTrip: measurement({
        label: "createSite p50 in SELECT 1 round trips",
        value: oursP50,
        unit: "ms",
        reference: { label: `SELECT 1 p50 (${selectOne.length} queries)`, value: roundTripP50 },
        details: { selectOne: summarize(selectOne) },
      }),
    };
  } finally {
    // The naive schemas are not sites; remove them so later steps see only the fleet.
    for (const schema of naiveSchemas) {
      await client
        .query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
        .catch(() => undefined);
    }
    await client.end();
  }
};

/** createSite latency again once the database holds every site, against the step 1 p50. */
export const benchProvisioningAtScale = async ({
  fleet,
  set,
  samples,
  baselineP50Ms,
}: {
  fleet: Fleet;
  set: MigrationSet;
  samples: number;
  baselineP50Ms: number;
}): Promise<Results> => {
  const sitesBefore = fleet.siteIds.length;
  const latencies: number[] = [];
  for (let i = 0; i < samples; i += 1) latencies.push(await fleet.addOne([set]));
  return {
    provisionP50AtScale: measurement({
      label: `createSite p50 with ${sitesBefore} sites present (${samples} sites)`,
      value: percentile(latencies, 50),
      unit: "ms",
      reference: { label: "createSite p50 in step 1", value: baselineP50Ms },
      details: { ours: summarize(latencies) },
    }),
  };
};
