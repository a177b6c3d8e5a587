// `npm run start:organizations`: the organizations subgraph alone, production style.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { organizations } from "./service";

const env = loadServiceEnv(organizations);
stopOnSignals(await start(env), env);
