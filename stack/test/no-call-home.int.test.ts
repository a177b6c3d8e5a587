import { Socket } from "node:net";
import { loadGatewayEnv } from "@taruvi/gateway";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./helpers";

// A self-hosted platform does not call home. Every TCP connection this process opens goes
// through Socket#connect: the guard records each destination that is not this machine and
// refuses it before anything is sent, so the test itself never reaches off the machine.
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const offMachine: string[] = [];
const originalConnect = Socket.prototype.connect;

const destinationOf = (args: unknown[]): { host?: string; port?: unknown; path?: string } => {
  // net.connect passes its normalized arguments as one array: [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === "object") return first as { host?: string; port?: unknown; path?: string };
  return { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
};

let t: TestStack;
beforeAll(async () => {
  Socket.prototype.connect = function guardedConnect(this: Socket, ...args: unknown[]) {
    const { host, port, path } = destinationOf(args);
    if (path === undefined && host !== undefined && !LOOPBACK.test(host)) {
      offMachine.push(`${host}:${String(port)}`);
      queueMicrotask(() => this.destroy(new Error(`test guard: no connection to ${host}`)));
      return this;
    }
    return (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
  t = await startTestStack();
});
afterAll(() => {
  Socket.prototype.connect = originalConnect;
});

it("serves and shuts down without opening a connection off the machine (no usage report)", async () => {
  const res = await t.gql("{ currentSite { slug } }");
  expect(res.status).toBe(200);
  // Apollo Gateway's usage exporter reports hourly and flushes when the gateway stops.
  await t.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(offMachine).toEqual([]);
  // Its report needs an hour's data to show on the wire; what decides whether it exists at all
  // is the variable Apollo Gateway reads when it is constructed.
  expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe("true");
});

it("reads APOLLO_TELEMETRY_DISABLED: on by default, off only when set to false", () => {
  expect(loadGatewayEnv({}).APOLLO_TELEMETRY_DISABLED).toBe(true);
  expect(loadGatewayEnv({ APOLLO_TELEMETRY_DISABLED: "false" }).APOLLO_TELEMETRY_DISABLED).toBe(false);
});
