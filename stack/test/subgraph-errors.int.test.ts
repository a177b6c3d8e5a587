// What a subgraph does with an error its resolver did not expect: the client gets a masked
// INTERNAL_SERVER_ERROR (never the error's own words), and the log gets one line for it, with the
// request's id, tenant and actor, so an operator can find the request. A client's mistake (a
// validation error) is answered with its code and not logged as an error.

import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { isAuthenticated } from "@taruvi/auth";
import { defineService } from "@taruvi/subgraph-kit";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atSubgraph, startTestStack, type TestStack } from "./helpers";

const SECRET_DETAIL = `connection string postgres://admin:${randomUUID()}@db`;

const faulty = defineService({
  name: "faulty",
  port: 4992,
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Thing @key(fields: "id") { id: ID! }
    type Query { boom: String }
  `),
  resolvers: {
    Query: {
      boom: () => {
        throw new Error(SECRET_DETAIL);
      },
    },
    Thing: { __resolveReference: (ref: { id: string }) => ref },
  },
  rules: { Query: { boom: isAuthenticated }, Thing: isAuthenticated },
  createLoaders: () => ({}),
});

type LogLine = {
  msg?: string;
  level?: number;
  requestId?: string;
  actor?: string;
  err?: { message?: string };
};
const lines: LogLine[] = [];
const logDestination = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n")) {
      if (line.trim()) lines.push(JSON.parse(line) as LogLine);
    }
    done();
  },
});

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({}, { extraServices: [faulty], logDestination, logLevel: "info", worker: false });
});
afterAll(() => t?.close());

const ERROR = 50;

describe("a subgraph's unexpected error", () => {
  it("is masked for the client and logged once with the request's id and actor", async () => {
    const requestId = randomUUID();
    const actorId = randomUUID();
    const res = await atSubgraph(
      t,
      "faulty",
      { actor: { type: "account", id: actorId }, requestId },
      {
        query: "{ boom }",
      },
    );
    expect(res.json.errors).toEqual([
      { message: "Internal server error", path: ["boom"], extensions: { code: "INTERNAL_SERVER_ERROR" } },
    ]);
    expect(JSON.stringify(res.json)).not.toContain(SECRET_DETAIL);
    const logged = lines.filter((line) => line.requestId === requestId && line.level === ERROR);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      msg: "unexpected error",
      actor: `account:${actorId}`,
      err: { message: SECRET_DETAIL },
    });
  });

  it("a client's mistake is answered with its code and not logged as an error", async () => {
    const requestId = randomUUID();
    const res = await atSubgraph(
      t,
      "faulty",
      { actor: { type: "account", id: randomUUID() }, requestId },
      {
        query: "{ nope }",
      },
    );
    expect(res.json.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(lines.filter((line) => line.requestId === requestId && line.level === ERROR)).toEqual([]);
  });
});
