// `npm run start:sites`: the sites subgraph alone, production style.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { sites } from "./service";

const env = loadServiceEnv(sites);
stopOnSignals(await start(env), env);
