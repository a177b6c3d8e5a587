/**
 * The storage server alone in its process (s3rver through `startOwnS3`, as the files tests start
 * it), so its CPU time and bytes can be read apart from the bench's client. Sends `{ type:
 * "ready", url, s3 }` over IPC; SIGTERM, SIGINT or the bench going away closes it (its data
 * directory removed) and exits.
 */
import { startOwnS3 } from "@taruvi/testing";

const s3 = await startOwnS3("taruvi-bench-files");
const { close, ...connection } = s3;
process.send?.({ type: "ready", url: s3.endpoint, s3: connection });

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await close().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.on("disconnect", () => void shutdown());
