import { type Context, createContextKey } from "@opentelemetry/api";

/** The span attribute naming the app a span belongs to (several share one process under `npm start`). */
export const APP_ATTRIBUTE = "taruvi.app";

/** Set in a context, names the app for every span started under it (a job handler's). */
export const APP_CONTEXT_KEY = createContextKey("taruvi.app");

/**
 * Which app listens on which local port. Kept on globalThis: the preload (its own bundle in
 * production) reads what the apps' bundles wrote.
 */
const PORTS = Symbol.for("taruvi.telemetry.ports");
const shared = globalThis as { [PORTS]?: Map<number, string> };
shared[PORTS] ??= new Map();
const ports = shared[PORTS];

/** Called by an app once it listens: requests arriving on `port` are `app`'s. */
export const registerAppPort = (port: number, app: string) => {
  ports.set(port, app);
};

export const appOfPort = (port: number | undefined): string | undefined =>
  port === undefined ? undefined : ports.get(port);

export const appOfContext = (ctx: Context): string | undefined =>
  ctx.getValue(APP_CONTEXT_KEY) as string | undefined;
