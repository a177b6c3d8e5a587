import { describe, expect, it } from "vitest";
import { bool, EnvError, int, optionalString, parseEnv, string } from "./index";

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
