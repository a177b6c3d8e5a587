import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./pagination";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const ID = "0b5c6a3e-9d1f-4f5e-8a2b-3c4d5e6f7a8b";

describe("cursors", () => {
  it("decode what they encode", () => {
    const at = new Date("2026-11-27T10:00:00.123Z");
    expect(decodeCursor(encodeCursor({ at, id: ID }))).toEqual({ at, id: ID });
    expect(decodeCursor(null)).toBeNull();
    expect(decodeCursor("")).toBeNull();
  });

  it.each([
    ["not base64url", "garbage!!"],
    ["base64 of no JSON", Buffer.from("nope").toString("base64url")],
    ["a JSON object", b64({ at: "2026-11-27T10:00:00.000Z", id: ID })],
    ["three elements", b64(["2026-11-27T10:00:00.000Z", ID, 1])],
    ["an id that is not a UUID", b64(["2026-11-27T10:00:00.000Z", "x' OR 1=1"])],
    ["a number for the time", b64([1, ID])],
    ["a time beyond year 9999", b64(["+275760-09-13T00:00:00.000Z", ID])],
    ["a time before year 0", b64(["-271821-04-20T00:00:00.000Z", ID])],
    ["a time that is not canonical", b64(["2026-02-31T00:00:00.000Z", ID])],
    ["a time without milliseconds", b64(["2026-11-27T10:00:00Z", ID])],
    ["a huge cursor", "A".repeat(100_000)],
  ])("refuse %s with BAD_USER_INPUT on after", (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(
      expect.objectContaining({ code: "BAD_USER_INPUT", field: "after" }),
    );
  });
});
