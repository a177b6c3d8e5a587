import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppMetrics } from "./metrics";

/**
 * Records a request's duration, method, route and status when its response is finished. `routes`
 * is the server's own fixed set of paths; any other path is `other`, so a scanner's URLs never
 * become label values.
 */
export const timeRequest = (
  metrics: AppMetrics,
  routes: ReadonlySet<string>,
  req: IncomingMessage,
  res: ServerResponse,
): void => {
  const started = performance.now();
  res.once("finish", () => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    metrics.httpRequest(
      req.method ?? "GET",
      routes.has(path) ? path : "other",
      res.statusCode,
      (performance.now() - started) / 1000,
    );
  });
};
