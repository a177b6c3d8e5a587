/**
 * (e) The floor of any gateway written for Node: a bare HTTP proxy with no GraphQL at all. It reads
 * the client's body, signs the internal context for it (as every gateway in front of these
 * subgraphs must), forwards it to the sites subgraph over a keep-alive undici Pool and writes the
 * subgraph's bytes back. No authentication, tenant resolution, parsing, validation, planning or
 * response shaping: what is left is the hop itself (one more HTTP server and client, one more
 * process on the cores). Only the single-subgraph query is sent to it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { acceptProfilingRequests } from "./profiler";
import { CONTEXT_HEADER, contextFor } from "./stock-context";

const target = new URL(process.env.SUBGRAPH_URL ?? "");
const pool = new Pool(target.origin, { connections: 128, keepAliveTimeout: 30_000 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      const upstream = await pool.request({
        path: target.pathname,
        method: "POST",
        headers: { "content-type": "application/json", [CONTEXT_HEADER]: contextFor("site", "sites", body) },
        body,
      });
      const bytes = Buffer.from(await upstream.body.arrayBuffer());
      res.writeHead(upstream.statusCode, {
        "content-type": "application/json; charset=utf-8",
        "content-length": bytes.length,
      });
      res.end(bytes);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: "ready", url: `http://127.0.0.1:${port}/graphql` });
});
acceptProfilingRequests();

const shutdown = () => {
  server.close();
  void pool.close().finally(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);
