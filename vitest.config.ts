import { defineConfig } from "vitest/config";

const packages = ["errors", "config", "logging", "db", "auth", "tenancy", "testing", "cli"];

export default defineConfig({
  test: {
    globalSetup: ["packages/testing/src/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: packages.map((name) => ({
      extends: true as const,
      test: {
        name: `@taruvi/${name}`,
        include: [`packages/${name}/src/**/*.test.ts`, `packages/${name}/test/**/*.test.ts`],
      },
    })),
  },
});
