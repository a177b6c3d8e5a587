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
});
