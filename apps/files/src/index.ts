// `npm run dev -w services/files` (or `node dist/index.js` after a build): the files subgraph alone.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { service } from "./service";

stopOnSignals(await start(loadServiceEnv(service)));
