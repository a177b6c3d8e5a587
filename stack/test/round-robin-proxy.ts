import { Agent, createServer, get, type IncomingHttpHeaders, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";

export type RoundRobinProxy = {
  url: string;
  /** How many backends are in the rotation now (a rollout waits for all before the next stop). */
  ready: () => number;
  close: () => Promise<void>;
};

type Backend = { port: number; ready: boolean; failures: number; agent: Agent };

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110, 7.6.1).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);
const endToEnd = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * What a Kubernetes Service and ingress do in front of gateway replicas, small enough to read:
 * it probes each backend's /readyz every `probeIntervalMs` (a backend leaves the rotation after
 * `failureThreshold` failed probes in a row) and sends each request, over
 * keep-alive connections, to the next ready backend in turn. A connection a backend refuses
 * (nothing was sent yet) goes to the next ready backend; a request that was sent is never sent
 * again: its failure reaches the client as 502, so a dropped request cannot hide.
 */
export const startRoundRobinProxy = async (
  ports: readonly number[],
  {
    probeIntervalMs = 100,
    failureThreshold = 2,
  }: { probeIntervalMs?: number; failureThreshold?: number } = {},
): Promise<RoundRobinProxy> => {
  const backends: Backend[] = ports.map((port) => ({
    port,
    ready: false,
    failures: 0,
    agent: new Agent({ keepAlive: true }),
  }));
  let turn = 0;

  // As the kubelet's readiness probe: one success makes a backend ready, `failureThreshold`
  // failures in a row (an error, a timeout, any status but 200) unready.
  const probed = (backend: Backend, ok: boolean) => {
    backend.failures = ok ? 0 : backend.failures + 1;
    if (ok) backend.ready = true;
    else if (backend.failures >= failureThreshold) backend.ready = false;
  };
  const probe = (backend: Backend) =>
    new Promise<void>((resolve) => {
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        probed(backend, ok);
        resolve();
      };
      const req = get(
        { host: "127.0.0.1", port: backend.port, path: "/readyz", agent: false, timeout: 2_000 },
        (res) => {
          res.resume();
          settle(res.statusCode === 200);
        },
      );
      req.on("error", () => settle(false));
      req.on("timeout", () => {
        settle(false);
        req.destroy();
      });
    });

  const next = (tried: Set<Backend>) => {
    const candidates = backends.filter((backend) => backend.ready && !tried.has(backend));
    if (candidates.length === 0) return undefined;
    turn += 1;
    return candidates[turn % candidates.length];
  };

  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const tried = new Set<Backend>();
    const attempt = () => {
      const backend = next(tried);
      if (!backend) {
        res.writeHead(503, { "content-type": "text/plain" }).end("no ready backend");
        return;
      }
      tried.add(backend);
      const out = request(
        {
          host: "127.0.0.1",
          port: backend.port,
          method: req.method,
          path: req.url,
          headers: endToEnd(req.headers),
          agent: backend.agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
          answer.pipe(res);
        },
      );
      out.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED") {
          backend.ready = false;
          attempt();
          return;
        }
        if (res.headersSent) res.destroy(error);
        else res.writeHead(502, { "content-type": "text/plain" }).end(`backend failed: ${error.code}`);
      });
      out.end(body);
    };
    attempt();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The first requests wait for nothing: every backend is probed once before the proxy is handed out.
  await Promise.all(backends.map(probe));

  // One loop per backend, as the kubelet probes each pod: a slow answer of one delays no other.
  let probing = true;
  const probeLoops = backends.map(async (backend) => {
    while (probing) {
      await new Promise((resolve) => setTimeout(resolve, probeIntervalMs));
      await probe(backend);
    }
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ready: () => backends.filter((backend) => backend.ready).length,
    close: async () => {
      probing = false;
      await Promise.all(probeLoops);
      for (const backend of backends) backend.agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};
