import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Product services (services/<name>) come from the registry: registering one adds its tests.
const registry = JSON.parse(readFileSync(new URL("services/registry.json", import.meta.url), "utf8")) as {
  services: { dir: string }[];
};
const productServices = registry.services.map((s) => s.dir).filter((dir) => dir.startsWith("services/"));

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
    "platform",
    "testing",
    "cli",
    "subgraph-kit",
    "runtime",
    "registry",
    "jobs",
    "sdk",
  ].map((n) => `packages/${n}`),
  ...["gateway", "identity", "organizations", "sites", "audit", "worker"].map((n) => `apps/${n}`),
  ...productServices,
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
