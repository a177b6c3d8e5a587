import { describe, expect, it } from "vitest";
import { diff, isSecretField, recordAudit } from "./audit";

describe("diff", () => {
  it("keeps only changed fields, with before and after", () => {
    expect(
      diff({ name: "A", email: "a@x.io", isAdmin: false }, { name: "B", email: "a@x.io", isAdmin: true }),
    ).toEqual({
      name: { before: "A", after: "B" },
      isAdmin: { before: false, after: true },
    });
  });

  it("is null when nothing changed and compares dates and objects by value", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    expect(diff({ at, settings: { a: 1 } }, { at: new Date(at), settings: { a: 1 } })).toBeNull();
  });

  it("records creation and removal against null and serializes dates", () => {
    expect(diff(null, { name: "A", at: new Date("2026-01-01T00:00:00Z") })).toEqual({
      name: { before: null, after: "A" },
      at: { before: null, after: "2026-01-01T00:00:00.000Z" },
    });
  });

  it("never holds a secret's value, at any depth", () => {
    const changes = diff(
      { passwordHash: "$argon2id$old", keyHash: "k1", settings: { apiKey: "sk_1" } },
      { passwordHash: "$argon2id$new", keyHash: "k2", settings: { apiKey: "sk_2" } },
    );
    expect(changes).toEqual({
      passwordHash: { changed: true },
      keyHash: { changed: true },
      settings: { before: { apiKey: { changed: true } }, after: { apiKey: { changed: true } } },
    });
    expect(JSON.stringify(changes)).not.toMatch(/argon2|sk_|k1|k2/);
  });

  it("knows secret field names", () => {
    for (const name of [
      "password",
      "passwordHash",
      "tokenHash",
      "refreshToken",
      "key",
      "apiKey",
      "clientSecret",
    ]) {
      expect(isSecretField(name)).toBe(true);
    }
    for (const name of ["name", "email", "keyPrefix", "scopes", "slug"])
      expect(isSecretField(name)).toBe(false);
  });
});

describe("recordAudit", () => {
  const ctx = {
    tenant: null,
    actor: { type: "api_key" as const, id: "k-1" },
    requestId: "req-1",
    client: { ip: "10.0.0.1", userAgent: "ua" },
  };

  it("writes one platform row with the caller, the request and scrubbed changes", async () => {
    const statements: { sql: string; values: unknown[] }[] = [];
    await recordAudit(
      ctx,
      {
        query: async (sql, values = []) => {
          statements.push({ sql, values });
          return { rows: [] };
        },
      },
      {
        action: "user.updated",
        entityType: "User",
        entityId: "u-1",
        organizationId: "o-1",
        changes: { password: { before: "hunter2", after: "hunter3" } },
      },
      "platform",
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]?.sql).toContain('"platform"."audit_events"');
    expect(statements[0]?.values).toEqual([
      "user.updated",
      "User",
      "u-1",
      "API_KEY",
      "k-1",
      "req-1",
      "10.0.0.1",
      "ua",
      JSON.stringify({ password: { changed: true } }),
      "o-1",
      null,
    ]);
  });

  it("writes to the site's own schema in a site scope, as SYSTEM when anonymous", async () => {
    const statements: { sql: string; values: unknown[] }[] = [];
    const schema = "site_0123456789abcdef0123456789abcdef";
    await recordAudit(
      { ...ctx, actor: null, tenant: { siteId: "s-1", slug: "acme", schema } },
      {
        query: async (sql, values = []) => {
          statements.push({ sql, values });
          return { rows: [] };
        },
      },
      { action: "user.password_reset_requested", entityType: "User", entityId: null },
    );
    expect(statements[0]?.sql).toContain(`"${schema}"."audit_events"`);
    expect(statements[0]?.values.slice(3, 5)).toEqual(["SYSTEM", null]);
  });
});
