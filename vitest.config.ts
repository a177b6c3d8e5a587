import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The subgraphs (apps/<name> for the core, services/<name> for products) come from the registry:
// registering one adds its tests.
const registry = JSON.parse(readFileSync(new URL("services/registry.json", import.meta.url), "utf8")) as {
  services: { dir: string }[];
};
const subgraphs = registry.services.map((s) => s.dir);

const workspaces = [
  ...[
    "errors",
    "config",
    "logging",
    "http",
    "db",
    "auth",
    "validation",
    "limits",
    "tenancy",
    "migrator",
    "platform",
    "testing",
    "cli",
    "subgraph-kit",
    "runtime",
    "registry",
    "jobs",
    "sdk",
    "storage",
    "metrics",
    "telemetry",
  ].map((n) => `packages/${n}`),
  "apps/gateway",
  ...subgraphs,
  "apps/worker",
  "stack",
  "examples/web",
  "apps/console",
];

export default defineConfig({
  // In the workspace, @taruvi/sdk is its source: the package's exports name its build (dist/,
  // made by `npm run build` or `npm pack`), which tests here must not depend on being fresh.
  resolve: {
    alias: [
      {
        find: /^@taruvi\/sdk$/,
        replacement: fileURLToPath(new URL("packages/sdk/src/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    globalSetup: ["packages/testing/src/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: workspaces.map((dir) => ({
      extends: true as const,
      test: {
        name: `@taruvi/${dir.split("/").at(-1)}`,
        include: [`${dir}/src/**/*.test.ts`, `${dir}/test/**/*.test.ts`],
      },
    })),
  },
});
