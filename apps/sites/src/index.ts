// `npm run start:sites`: the sites subgraph alone, production style.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { sites } from "./service";

stopOnSignals(await start(loadServiceEnv(sites)));
