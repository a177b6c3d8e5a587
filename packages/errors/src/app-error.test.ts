import { describe, expect, it } from "vitest";
import { AppError, badUserInput, conflict, httpStatusOf } from "./index";

describe("AppError", () => {
  it("names the field and reason for bad input", () => {
    const error = badUserInput("slug", "must be lower-case");
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toBe("slug: must be lower-case");
    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", field: "slug" });
    expect(httpStatusOf(error.code)).toBe(400);
  });

  it("masks internal errors for the caller but keeps the message for logs", () => {
    const error = new AppError("INTERNAL_SERVER_ERROR", "pool exhausted on host db-3");
    expect(error.userMessage).toBe("Internal server error");
    expect(error.message).toContain("db-3");
  });

  it("maps tenant codes to their HTTP statuses", () => {
    expect(httpStatusOf("TENANT_NOT_FOUND")).toBe(404);
    expect(httpStatusOf("TENANT_SUSPENDED")).toBe(403);
    expect(httpStatusOf(conflict("slug", "taken").code)).toBe(409);
  });

  it("maps a malformed request to 400 and an unavailable dependency to 503", () => {
    expect(httpStatusOf("BAD_REQUEST")).toBe(400);
    expect(httpStatusOf("SERVICE_UNAVAILABLE")).toBe(503);
  });
});
