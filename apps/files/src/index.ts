// `npm run start:files` (or `node dist/index.js` after a build): the files subgraph alone.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { service } from "./service";

const env = loadServiceEnv(service);
stopOnSignals(await start(env), env);
