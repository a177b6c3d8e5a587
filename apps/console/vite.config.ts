import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// A static build served by the gateway at /console (same origin as /graphql: no CORS, and a
// strict CSP without inline scripts or styles). `npm run dev` proxies /graphql to a local gateway.
// In this workspace it builds on the SDK's source (the package's exports name its dist/, which
// only the SDK's own build makes), as examples/web does.
export default defineConfig({
  base: "/console/",
  resolve: {
    alias: [
      {
        find: /^@taruvi\/sdk$/,
        replacement: fileURLToPath(new URL("../../packages/sdk/src/index.ts", import.meta.url)),
      },
    ],
  },
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, assetsInlineLimit: 0 },
  server: { proxy: { "/graphql": "http://localhost:4000" } },
});
