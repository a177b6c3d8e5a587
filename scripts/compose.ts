// `npm run compose`: composes the subgraphs' schema.graphql into supergraph/supergraph.graphql
// (committed; the gateway loads it statically). `--check` exits 1 when the file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const SUBGRAPHS = [
  { name: "identity", port: 4001 },
  { name: "organizations", port: 4002 },
  { name: "sites", port: 4003 },
  { name: "audit", port: 4004 },
] as const;

const root = new URL("../", import.meta.url);
const output = new URL("supergraph/supergraph.graphql", root);

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
const sdl = `${result.supergraphSdl.trim()}\n`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(output, "utf8");
  } catch {}
  if (current !== sdl) {
    console.error("supergraph/supergraph.graphql is stale: run `npm run compose` and commit it");
    process.exit(1);
  }
  console.log("supergraph/supergraph.graphql is up to date");
} else {
  writeFileSync(output, sdl);
  console.log(`wrote ${output.pathname} (${result.hints?.length ?? 0} hints)`);
}
