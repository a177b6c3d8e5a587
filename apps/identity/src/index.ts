// `npm run start:identity`: the identity subgraph alone, production style.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { identity } from "./service";

const env = loadServiceEnv(identity);
stopOnSignals(await start(env), env);
