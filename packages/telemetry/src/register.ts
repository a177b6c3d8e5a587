// The preload: `node --import @taruvi/telemetry/register <app>` (in production the built
// packages/telemetry/dist/register.js). It must run before the app imports http, undici or pg,
// which is why it is a preload and not a call in the app. Without an OTLP endpoint it does
// nothing: no SDK, no hooks, and @opentelemetry/api stays a no-op.
import { traceConfig } from "./config";
import { startTracing } from "./start";

const config = traceConfig(process.env, process.argv[1]);
if (config) startTracing(config);
