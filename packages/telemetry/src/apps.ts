import { type Context, createContextKey } from "@opentelemetry/api";

/** The span attribute naming the app a span belongs to (several share one process under `npm start`). */
export const APP_ATTRIBUTE = "taruvi.app";

/** Set in a context, names the app for every span started under it (a job handler's). */
export const APP_CONTEXT_KEY = createContextKey("taruvi.app");

export const appOfContext = (ctx: Context): string | undefined =>
  ctx.getValue(APP_CONTEXT_KEY) as string | undefined;
