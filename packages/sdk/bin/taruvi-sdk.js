#!/usr/bin/env node
// `npx taruvi-sdk generate`: types a front-end's own GraphQL operations against the API schema
// this package ships (dist/schema.graphql), with GraphQL Code Generator's client preset, so that
// `client.request(MyQueryDocument, variables)` is typed. It needs `@graphql-codegen/cli` (which
// brings the client preset) and `graphql` in the project: `npm install -D @graphql-codegen/cli graphql`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const USAGE = `usage: taruvi-sdk generate [options]

Generates typed documents for your operations (graphql(\`...\`) calls in .ts/.tsx files and
.graphql files) against the Taruvi API schema this package ships.

  --documents <glob>   where your operations are (repeatable; default 'src/**/*.{ts,tsx,graphql}')
  --output <dir>       where the generated code goes (default src/gql/)
  --schema <path|url>  another schema: a file, or a development gateway's /schema.graphql
                       (default: the schema of this @taruvi/sdk version)
  --watch              regenerate when a document changes (needs @parcel/watcher)
  --check              exit 1 when the generated files are out of date, writing nothing
`;

/** The codegen configuration `generate` runs (what a codegen.ts of your own would hold: README). */
const codegenConfig = ({ documents, output, schema, watch = false, preset = "client" }) => {
  const dir = output.endsWith("/") ? output : `${output}/`;
  return {
    schema,
    documents: [...documents, `!${dir}**`],
    ignoreNoDocuments: true,
    // Imports with .js: the output works with node16/nodenext resolution as well as with bundlers.
    emitLegacyCommonJSImports: false,
    watch,
    generates: {
      [dir]: {
        preset,
        config: {
          // Documents as strings (TypedDocumentString): the client sends them as they are, so
          // neither graphql-js nor a printer lands in the browser bundle.
          documentMode: "string",
          enumsAsTypes: true,
          useTypeImports: true,
          strictScalars: true,
          scalars: { JSON: "unknown" },
          skipTypename: true,
        },
      },
    },
  };
};

const main = async (argv) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        documents: { type: "string", multiple: true },
        output: { type: "string" },
        schema: { type: "string" },
        watch: { type: "boolean" },
        check: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    process.stderr.write(`taruvi-sdk: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  // `taruvi-sdk generate` and `taruvi-sdk sdk generate` both work.
  const command = positionals.filter((word) => word !== "sdk");
  if (values.help || command.length !== 1 || command[0] !== "generate") {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const schema = values.schema ?? fileURLToPath(new URL("../dist/schema.graphql", import.meta.url));
  if (!/^https?:/.test(schema) && !existsSync(schema)) {
    process.stderr.write(`taruvi-sdk: no schema at ${schema}\n`);
    return 1;
  }
  let codegen;
  try {
    codegen = await import("@graphql-codegen/cli");
  } catch {
    process.stderr.write(
      "taruvi-sdk: @graphql-codegen/cli is not installed here; run `npm install -D @graphql-codegen/cli graphql`\n",
    );
    return 1;
  }
  // The client preset as a module when it can be found from here (it comes with the CLI): codegen
  // would otherwise look the name "client" up from the working directory only.
  let preset = "client";
  try {
    preset = (await import("@graphql-codegen/client-preset")).preset;
  } catch {}
  const context = new codegen.CodegenContext({
    // Watch mode watches the configuration's file too; there is none, the project's manifest stands in.
    filepath: join(process.cwd(), "package.json"),
    config: codegenConfig({
      documents: values.documents ?? ["src/**/*.{ts,tsx,graphql}"],
      output: values.output ?? "src/gql/",
      schema,
      watch: values.watch ?? false,
      preset,
    }),
  });
  if (values.check) context.enableCheckMode();
  try {
    await codegen.generate(context, true);
  } catch (error) {
    process.stderr.write(`taruvi-sdk: ${error?.message ?? error}\n`);
    return 1;
  }
  if (context.checkMode && context.checkModeStaleFiles.length > 0) {
    process.stderr.write(
      `taruvi-sdk: out of date: ${context.checkModeStaleFiles.join(", ")}; run \`taruvi-sdk generate\`\n`,
    );
    return 1;
  }
  return 0;
};

process.exitCode = await main(process.argv.slice(2));
