// `npm run start:worker`: delivers the jobs the subgraphs enqueue (email), with retries, and runs
// the scheduled clean-ups (sites.purge, invitations.expire, domains.verify). No HTTP port.
import { stopOnSignals } from "@taruvi/runtime";
import { loadWorkerEnv } from "./env";
import { start } from "./start";

const env = loadWorkerEnv();
stopOnSignals(await start(env), env);
