import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, requestLogger } from "./index";

const capture = () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split("\n"));
      done();
    },
  });
  return { lines, destination };
};

describe("logging", () => {
  it("redacts passwords, tokens and authorization headers", () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: "test", destination });
    log.info(
      {
        input: { email: "a@b.c", password: "hunter2-secret" },
        refreshToken: "rt-123456",
        req: { headers: { authorization: "Bearer abc.def.ghi", cookie: "sid=1" } },
      },
      "sign in",
    );
    const text = lines.join("\n");
    expect(text).not.toContain("hunter2-secret");
    expect(text).not.toContain("rt-123456");
    expect(text).not.toContain("abc.def.ghi");
    expect(text).not.toContain("sid=1");
    expect(JSON.parse(lines[0] ?? "{}").input.email).toBe("a@b.c");
  });

  it("gives each request a child logger with its ids", () => {
    const { lines, destination } = capture();
    const log = requestLogger(createLogger({ name: "gw", destination }), {
      requestId: "req-1",
      tenant: "acme",
      actor: null,
    });
    log.info("done");
    const line = JSON.parse(lines[0] ?? "{}");
    expect(line).toMatchObject({ requestId: "req-1", tenant: "acme", service: "gw", msg: "done" });
    expect(line).not.toHaveProperty("actor");
  });

  it("makes a request's child when it first logs, and it behaves as the child itself", () => {
    const { lines, destination } = capture();
    const base = createLogger({ name: "gw", destination });
    const made: unknown[] = [];
    const child = base.child;
    base.child = function (this: typeof base, bindings: Record<string, unknown>, options?: object) {
      made.push(bindings);
      return child.call(this, bindings, options);
    } as typeof base.child;
    const log = requestLogger(base, { requestId: "req-2", tenant: null, actor: "user:1" });
    expect(made).toEqual([]);
    expect(log.isLevelEnabled("debug")).toBe(false);
    log.level = "debug";
    log.debug({ step: 1 }, "now");
    expect(made).toEqual([{ requestId: "req-2", actor: "user:1" }]);
    log.child({ op: "x" }).warn("nested");
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { requestId: "req-2", actor: "user:1", step: 1, msg: "now", level: 20 },
      { requestId: "req-2", op: "x", msg: "nested", level: 40 },
    ]);
    // The base logger's level is its own.
    expect(base.isLevelEnabled("debug")).toBe(false);
  });

  it("adds no trace fields when nothing is traced (the preload did not start tracing)", () => {
    const { lines, destination } = capture();
    createLogger({ name: "gw", destination }).info("untraced");
    const line = JSON.parse(lines[0] ?? "{}");
    expect(line.msg).toBe("untraced");
    expect(line).not.toHaveProperty("trace_id");
    expect(line).not.toHaveProperty("span_id");
  });
});
