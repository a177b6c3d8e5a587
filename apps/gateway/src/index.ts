// `npm run start:gateway`: the gateway alone, production style.
import { stopOnSignals } from "@taruvi/runtime";
import { loadGatewayEnv } from "./env";
import { start } from "./start";

const env = loadGatewayEnv();
stopOnSignals(await start(env), env);
