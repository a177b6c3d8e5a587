import { describe, expect, it } from "vitest";
import {
  bool,
  deployableEnvShape,
  dnsServers,
  EnvError,
  int,
  metricsPort,
  optionalString,
  parseEnv,
  string,
} from "./index";

const shape = {
  PORT: int(4000, { min: 1, max: 65535 }),
  DEBUG: bool(false),
  NAME: string("taruvi"),
  DATABASE_URL: optionalString(),
};

describe("parseEnv", () => {
  it("applies defaults and treats empty strings as unset", () => {
    const env = parseEnv(shape, { PORT: "", DEBUG: "", NAME: "", DATABASE_URL: "" });
    expect(env).toEqual({ PORT: 4000, DEBUG: false, NAME: "taruvi", DATABASE_URL: undefined });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it("coerces numbers and booleans", () => {
    const env = parseEnv(shape, { PORT: "8080", DEBUG: "yes" });
    expect(env.PORT).toBe(8080);
    expect(env.DEBUG).toBe(true);
  });

  it("reports every bad variable at once", () => {
    let error: unknown;
    try {
      parseEnv(shape, { PORT: "99999", DEBUG: "maybe" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const issues = (error as EnvError).issues;
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^PORT:/);
    expect(issues[1]).toMatch(/^DEBUG:/);
  });
});

describe("dnsServers", () => {
  const shape = { DNS_SERVERS: dnsServers() };

  it("is the system's resolvers ([]) when unset or empty", () => {
    expect(parseEnv(shape, {}).DNS_SERVERS).toEqual([]);
    expect(parseEnv(shape, { DNS_SERVERS: "" }).DNS_SERVERS).toEqual([]);
  });

  it("takes a comma list of ip and ip:port, IPv6 bare or bracketed with a port", () => {
    expect(
      parseEnv(shape, { DNS_SERVERS: " 10.0.0.53, 127.0.0.1:5353,::1,[2001:db8::1]:53 " }).DNS_SERVERS,
    ).toEqual(["10.0.0.53", "127.0.0.1:5353", "::1", "[2001:db8::1]:53"]);
  });

  it.each(["dns.example.com", "127.0.0.1:0", "127.0.0.1:70000", "[127.0.0.1]:53", "1.2.3", "::1:53x"])(
    "refuses %j, naming the variable",
    (value) => {
      expect(() => parseEnv(shape, { DNS_SERVERS: value })).toThrow(
        /DNS_SERVERS: .* is not an ip or ip:port/,
      );
    },
  );
});

describe("METRICS_PORT", () => {
  const shape = { METRICS_PORT: metricsPort(9464) };

  it("defaults per deployable, distinct on one host: gateway 9464, worker 9463, a subgraph 9464 + (port − 4000)", () => {
    const portOf = (port: number) => parseEnv(deployableEnvShape({ port, poolSize: 1 }), {}).METRICS_PORT;
    expect([portOf(4000), portOf(0), portOf(4001), portOf(4005)]).toEqual([9464, 9463, 9465, 9469]);
  });

  it("takes a port, 0 for a free one, and `off` (any case) for none", () => {
    expect(parseEnv(shape, { METRICS_PORT: "" }).METRICS_PORT).toBe(9464);
    expect(parseEnv(shape, { METRICS_PORT: "9100" }).METRICS_PORT).toBe(9100);
    expect(parseEnv(shape, { METRICS_PORT: "0" }).METRICS_PORT).toBe(0);
    expect(parseEnv(shape, { METRICS_PORT: "Off" }).METRICS_PORT).toBeNull();
    expect(() => parseEnv(shape, { METRICS_PORT: "70000" })).toThrow(EnvError);
    expect(() => parseEnv(shape, { METRICS_PORT: "yes" })).toThrow(EnvError);
  });
});
