import { Agent, createServer, get, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { drainOf } from "./drain";

type Answer = { status: number; connection: string | undefined; body: string };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server whose requests wait until the test releases them, with a keep-alive client. */
const setUp = async () => {
  const waiting: (() => void)[] = [];
  const server = createServer((_req, res) => {
    waiting.push(() => res.end("done"));
  });
  const drain = drainOf(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true });
  cleanups.push(() => {
    agent.destroy();
    server.close();
  });
  const request = () =>
    new Promise<Answer>((resolve, reject) => {
      get({ host: "127.0.0.1", port, agent }, (res: IncomingMessage) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
        );
      }).on("error", reject);
    });
  /** Resolves once `count` requests are waiting on the server. */
  const arrived = async (count: number) => {
    while (waiting.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const released = async (count: number) => {
    await arrived(count);
    for (const release of waiting.splice(0)) release();
  };
  return { drain, request, arrived, released };
};

describe("drainOf", () => {
  it("keeps connections alive until the stop is announced", async () => {
    const { drain, request, released } = await setUp();
    const answer = request();
    await released(1);
    expect(await answer).toEqual({ status: 200, connection: "keep-alive", body: "done" });
    expect(drain.draining).toBe(false);
  });

  it("after begin, a request in flight and a new one are answered with Connection: close", async () => {
    const { drain, request, arrived, released } = await setUp();
    const inFlight = request();
    await arrived(1);
    drain.begin();
    expect(drain.draining).toBe(true);
    const arriving = request();
    await released(2);
    expect(await inFlight).toEqual({ status: 200, connection: "close", body: "done" });
    expect(await arriving).toEqual({ status: 200, connection: "close", body: "done" });
  });

  it("close answers the request in flight, then resolves; new connections are refused", async () => {
    const { drain, request, arrived, released } = await setUp();
    const inFlight = request();
    await arrived(1);
    let closed = false;
    const closing = drain.close().then(() => {
      closed = true;
    });
    await expect(request()).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(closed).toBe(false);
    await released(1);
    expect(await inFlight).toEqual({ status: 200, connection: "close", body: "done" });
    await closing;
    expect(closed).toBe(true);
  });
});
