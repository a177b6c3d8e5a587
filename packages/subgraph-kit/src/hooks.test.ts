import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { defineService } from "./service";

const base = {
  name: "probe",
  port: 4990,
  typeDefs: parse("type Query { probe: String }"),
  resolvers: {},
  rules: {},
  createLoaders: () => ({}),
};
const handler = async () => undefined;

describe("defineService: hooks and jobs", () => {
  it("takes the six lifecycle hooks and well-named jobs", () => {
    const hooks = {
      created: handler,
      suspended: handler,
      resumed: handler,
      deleted: handler,
      restored: handler,
      purged: handler,
    };
    expect(
      defineService({ ...base, hooks, jobs: [{ name: "clean-up", cron: "0 * * * *", handler }] }).hooks,
    ).toBe(hooks);
  });

  it("refuses an unknown hook, a bad or repeated job name and out-of-range retries", () => {
    expect(() => defineService({ ...base, hooks: { archived: handler } as never })).toThrow(
      'hook "archived" of service probe: must be one of created, suspended, resumed, deleted, restored, purged',
    );
    expect(() => defineService({ ...base, jobs: [{ name: "site-events", handler }] })).toThrow(
      /not be site-events/,
    );
    expect(() => defineService({ ...base, jobs: [{ name: "../x", handler }] })).toThrow(/job "\.\.\/x"/);
    expect(() =>
      defineService({
        ...base,
        jobs: [
          { name: "a", handler },
          { name: "a", handler },
        ],
      }),
    ).toThrow(/defined twice/);
    expect(() => defineService({ ...base, jobs: [{ name: "a", retryLimit: -1, handler }] })).toThrow(
      /retry limit/,
    );
    expect(() => defineService({ ...base, hookRetry: { delaySeconds: 0 } })).toThrow(/retry delay/);
  });
});
