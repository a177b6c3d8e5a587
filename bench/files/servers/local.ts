/**
 * The local driver's store alone in its process: `createLocalDriver(...).handle` on a plain HTTP
 * server, the routes the files service mounts under /storage for `npm start`, without the
 * service. The reference for the local store; the bench presigns with a driver of the same
 * directory and secret. Env: LOCAL_DIR, LOCAL_SECRET. Listens on a free port of 127.0.0.1 and
 * sends `{ type: "ready", url }` (the public URL) over IPC.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createLocalDriver } from "@taruvi/storage";

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const server = createServer((req, res) => {
  void driver.handle(req, res).then((handled) => {
    if (!handled) res.writeHead(404).end();
  });
});
const publicUrl = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/storage`;
const driver = createLocalDriver({ dir: required("LOCAL_DIR"), publicUrl, secret: required("LOCAL_SECRET") });
server.listen(0, "127.0.0.1", () => process.send?.({ type: "ready", url: publicUrl() }));

const shutdown = () => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", shutdown);
