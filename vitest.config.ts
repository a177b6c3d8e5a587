import { defineConfig } from "vitest/config";

const workspaces = [
  ...[
    "errors",
    "config",
    "logging",
    "http",
    "db",
    "auth",
    "tenancy",
    "testing",
    "cli",
    "subgraph-kit",
    "runtime",
    "jobs",
    "sdk",
  ].map((n) => `packages/${n}`),
  ...["gateway", "identity", "organizations", "sites", "audit", "worker"].map((n) => `apps/${n}`),
  "stack",
  "examples/web",
];

export default defineConfig({
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
