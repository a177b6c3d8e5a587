// `npm run start:audit`: the audit subgraph alone, production style.
import { stopOnSignals } from "@taruvi/runtime";
import { loadServiceEnv } from "@taruvi/subgraph-kit";
import { start } from "./lib";
import { audit } from "./service";

const env = loadServiceEnv(audit);
stopOnSignals(await start(env), env);
