import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// A static build served by the gateway at /console (same origin as /graphql: no CORS, and a
// strict CSP without inline scripts or styles). `npm run dev` proxies /graphql to a local gateway.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, assetsInlineLimit: 0 },
  server: { proxy: { "/graphql": "http://localhost:4000" } },
});
