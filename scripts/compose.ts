// `npm run compose`: composes the subgraphs' schema.graphql into supergraph/supergraph.graphql
// (committed; the gateway loads it statically) and writes its public API schema (no join__/link__
// machinery: what clients see) to supergraph/api-schema.graphql, the SDK's source.
// `--check` exits 1 when either file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse, printSchema } from "graphql";

const SUBGRAPHS = [
  { name: "identity", port: 4001 },
  { name: "organizations", port: 4002 },
  { name: "sites", port: 4003 },
  { name: "audit", port: 4004 },
] as const;

const root = new URL("../", import.meta.url);

const result = composeServices(
  SUBGRAPHS.map(({ name, port }) => ({
    name,
    // The default (development) address; the gateway overrides it per environment.
    url: `http://127.0.0.1:${port}/graphql`,
    typeDefs: parse(readFileSync(new URL(`apps/${name}/schema.graphql`, root), "utf8")),
  })),
);
if (result.errors) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}

const outputs = [
  { path: "supergraph/supergraph.graphql", text: `${result.supergraphSdl.trim()}\n` },
  {
    path: "supergraph/api-schema.graphql",
    text: `${printSchema(result.schema.toAPISchema().toGraphQLJSSchema()).trim()}\n`,
  },
];

if (process.argv.includes("--check")) {
  let stale = false;
  for (const { path, text } of outputs) {
    let current = "";
    try {
      current = readFileSync(new URL(path, root), "utf8");
    } catch {}
    if (current === text) {
      console.log(`${path} is up to date`);
    } else {
      console.error(`${path} is stale: run \`npm run compose\` and commit it`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
} else {
  for (const { path, text } of outputs) writeFileSync(new URL(path, root), text);
  console.log(`wrote ${outputs.map((o) => o.path).join(", ")} (${result.hints?.length ?? 0} hints)`);
}
