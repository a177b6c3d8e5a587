// `npm run start:identity`: the identity subgraph alone, production style.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { identity } from "./service";

stopOnSignals(await start(loadServiceEnv(identity)));
