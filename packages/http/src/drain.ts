import type { IncomingMessage, Server, ServerResponse } from "node:http";

/** How a server leaves: it announces the stop, keeps serving a moment, then closes once drained. */
export type Drain = {
  /** True from `begin` on: readiness answers 503 "draining" so load balancers stop routing here. */
  readonly draining: boolean;
  /**
   * Every response from now on, of a request in flight or one still arriving, carries
   * `Connection: close`: no client reuses a keep-alive connection this server is about to drop
   * (a request sent on a connection as the server closes it is lost, and the client cannot know
   * whether it ran). The server keeps accepting until `close`.
   */
  begin: () => void;
  /**
   * Stops accepting, drops idle connections, and resolves once every in-flight request has been
   * answered (each connection closes after its response).
   */
  close: () => Promise<void>;
};

/** The drain of `server`; call it before the server listens, so every request is seen. */
export const drainOf = (server: Server): Drain => {
  let draining = false;
  const open = new Set<ServerResponse>();
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("connection", "close");
  };
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      closeAfter(res);
      return;
    }
    open.add(res);
    res.once("close", () => open.delete(res));
  });
  const begin = () => {
    if (draining) return;
    draining = true;
    for (const res of open) closeAfter(res);
    open.clear();
  };
  return {
    get draining() {
      return draining;
    },
    begin,
    close: () =>
      new Promise((resolve) => {
        begin();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
};
