import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * In this workspace the example runs on the SDK's source (packages/sdk/src), not on its build:
 * the package's exports name dist/, which only `npm run build` or `npm pack` makes. An app
 * outside the repository installs the package and needs none of this.
 */
export const sdkSourceAlias = [
  {
    find: /^@taruvi\/sdk$/,
    replacement: fileURLToPath(new URL("../../packages/sdk/src/index.ts", import.meta.url)),
  },
];

export default defineConfig({ resolve: { alias: sdkSourceAlias } });
