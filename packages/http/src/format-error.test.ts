import { Writable } from "node:stream";
import { AppError } from "@taruvi/errors";
import { createLogger } from "@taruvi/logging";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { createFormatError } from "./format-error";

const lines: string[] = [];
const logger = createLogger({
  name: "t",
  destination: new Writable({
    write(chunk, _e, done) {
      lines.push(String(chunk));
      done();
    },
  }),
});
const format = createFormatError(() => logger);

describe("formatError", () => {
  it("passes an AppError's code, safe message and field", () => {
    const error = new AppError("BAD_USER_INPUT", "slug: too short", { field: "slug" });
    expect(format({ message: "x", path: ["createSite"] }, error)).toEqual({
      message: "slug: too short",
      path: ["createSite"],
      extensions: { code: "BAD_USER_INPUT", field: "slug" },
    });
  });

  it("masks anything unknown and logs it", () => {
    const formatted = format(
      { message: "connect ECONNREFUSED 10.0.0.3:5432" },
      new Error("connect ECONNREFUSED"),
    );
    expect(formatted).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(lines.join("")).toContain("ECONNREFUSED");
  });

  it("never echoes the value of a variable that failed to coerce (it may be a password)", () => {
    const message =
      'Variable "$input" got invalid value { email: "a@b.c", password: "hunter2-secret" }; Field "name" of required type "String!" was not provided.';
    const formatted = format(
      { message, extensions: { code: "BAD_USER_INPUT" } },
      new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } }),
    );
    expect(formatted.message).toBe(
      'Variable "$input" got an invalid value; Field "name" of required type "String!" was not provided.',
    );
    expect(JSON.stringify(formatted)).not.toContain("hunter2");
  });

  it("answers text the database refused (U+0000) as BAD_USER_INPUT, from pg or through Prisma", () => {
    const fromPg = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code: "22021",
    });
    const throughPrisma = Object.assign(new Error("Database error. Code: `22P05`"), {
      code: "P2039",
      meta: { driverAdapterError: { cause: { originalCode: "22P05" } } },
    });
    for (const cause of [fromPg, throughPrisma]) {
      expect(format({ message: "x", path: ["createGroup"] }, cause)).toEqual({
        message: "Text must not contain NUL characters (U+0000) or invalid Unicode",
        path: ["createGroup"],
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  });

  it("names Apollo's code-less refusals of a malformed request (HTTP 400) BAD_REQUEST", () => {
    const error = new GraphQLError("provided sha does not match query", {
      extensions: { http: { status: 400 } },
    });
    expect(format({ message: error.message, extensions: { code: "INTERNAL_SERVER_ERROR" } }, error)).toEqual({
      message: "provided sha does not match query",
      extensions: { code: "BAD_REQUEST" },
    });
  });

  it("still masks a code-less error that is not a request's 400", () => {
    const error = new GraphQLError("boom", { path: ["me"] });
    expect(format({ message: "boom", path: ["me"] }, error).extensions).toEqual({
      code: "INTERNAL_SERVER_ERROR",
    });
  });
});

describe("formatError: a dependency that is down", () => {
  const unavailable = {
    message: "A service this request needs is unavailable; retry shortly",
    path: ["sites"],
    extensions: { code: "SERVICE_UNAVAILABLE", retryAfter: 5 },
  };
  const socketError = Object.assign(new Error("connect ECONNREFUSED 10.0.0.3:5432"), {
    code: "ECONNREFUSED",
  });
  const statementTimeout = Object.assign(new Error("canceling statement due to statement timeout"), {
    code: "57014",
  });

  it("is SERVICE_UNAVAILABLE with retryAfter, leaking no address: a refused connection", () => {
    const formatted = format({ message: socketError.message, path: ["sites"] }, socketError);
    expect(formatted).toEqual(unavailable);
    expect(JSON.stringify(formatted)).not.toContain("10.0.0.3");
  });

  it("a statement cancelled by statement_timeout, and the pool giving up on a connection", () => {
    expect(format({ message: "x", path: ["sites"] }, statementTimeout)).toEqual(unavailable);
    const poolTimeout = new Error("timeout exceeded when trying to connect");
    expect(format({ message: "x", path: ["sites"] }, poolTimeout)).toEqual(unavailable);
  });

  it("the same wrapped by Prisma's driver adapter", () => {
    const wrapped = Object.assign(new Error("Database not reachable"), {
      code: "P2010",
      meta: { driverAdapterError: { cause: { kind: "DatabaseNotReachable" } } },
    });
    expect(format({ message: "x", path: ["sites"] }, wrapped)).toEqual(unavailable);
    const cancelled = Object.assign(new Error("x"), {
      meta: { driverAdapterError: { cause: { kind: "postgres", originalCode: "57014" } } },
    });
    expect(format({ message: "x", path: ["sites"] }, cancelled)).toEqual(unavailable);
  });

  it("a constraint violation is not (it stays masked)", () => {
    const unique = Object.assign(new Error("duplicate key"), { code: "23505" });
    expect(format({ message: "x" }, unique).extensions?.code).toBe("INTERNAL_SERVER_ERROR");
  });
});
