import { createHmac, type KeyObject } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { internalContextKey, requestDigest, signInternalContext, verifyInternalContext } from "./index";

const key = internalContextKey("k".repeat(40));
const BODY = JSON.stringify({ query: "{ currentSite { id } }" });
const context = {
  requestId: "req-1",
  tenant: { siteId: "s1", slug: "acme", schema: "site_0" },
  actor: { type: "user" as const, id: "u1" },
  client: { ip: "10.0.0.1", userAgent: "ua" },
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const forge = (header: unknown, claims: unknown, secret: KeyObject = key) => {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
};
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: object = {}) => ({
  iss: "taruvi-gateway",
  aud: "sites",
  iat: now(),
  exp: now() + 30,
  rid: "r",
  bdh: requestDigest(BODY),
  ...extra,
});

describe("internal context", () => {
  it("round-trips for its audience", async () => {
    const token = await signInternalContext(key, context, { audience: "sites", body: BODY });
    expect(await verifyInternalContext(key, token, { audience: "sites", body: BODY })).toEqual(context);
  });

  it.each([
    ["missing", () => undefined],
    ["another audience", () => signInternalContext(key, context, { audience: "identity", body: BODY })],
    [
      "another key",
      () =>
        signInternalContext(internalContextKey("x".repeat(40)), context, { audience: "sites", body: BODY }),
    ],
    ["alg none", async () => `${b64({ alg: "none" })}.${b64(claims())}.`],
    ["alg HS512", async () => forge({ alg: "HS512" }, claims())],
    ["expired", async () => forge({ alg: "HS256" }, claims({ iat: now() - 50, exp: now() - 10 }))],
    ["older than 10 s", async () => forge({ alg: "HS256" }, claims({ iat: now() - 12, exp: now() + 30 }))],
    ["signed for another body", () => signInternalContext(key, context, { audience: "sites", body: "{}" })],
    ["without a body digest", async () => forge({ alg: "HS256" }, claims({ bdh: undefined }))],
    ["from the future", async () => forge({ alg: "HS256" }, claims({ iat: now() + 120, exp: now() + 150 }))],
    ["another issuer", async () => forge({ alg: "HS256" }, claims({ iss: "someone" }))],
    ["no request id", async () => forge({ alg: "HS256" }, claims({ rid: undefined }))],
    ["garbage", async () => "a.b.c"],
    [
      "a tampered payload",
      async () => {
        const [h, , s] = (await signInternalContext(key, context, { audience: "sites", body: BODY })).split(
          ".",
        );
        return `${h}.${b64({ ...claims(), tenant: { siteId: "other", slug: "x", schema: "site_1" } })}.${s}`;
      },
    ],
  ])("refuses %s with UNAUTHENTICATED", async (_, make) => {
    await expect(
      verifyInternalContext(key, await make(), { audience: "sites", body: BODY }),
    ).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  it("lives 5 s by default: later it is refused as late (SERVICE_UNAVAILABLE, retry), then as a replay", async () => {
    vi.useFakeTimers({ now: Date.now() });
    try {
      const token = await signInternalContext(key, context, { audience: "sites", body: BODY });
      vi.advanceTimersByTime(4_000);
      await expect(verifyInternalContext(key, token, { audience: "sites", body: BODY })).resolves.toEqual(
        context,
      );
      vi.advanceTimersByTime(4_000);
      await expect(
        verifyInternalContext(key, token, { audience: "sites", body: BODY }),
      ).rejects.toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        retryAfterSeconds: 1,
      });
      vi.advanceTimersByTime(24_000);
      await expect(
        verifyInternalContext(key, token, { audience: "sites", body: BODY }),
      ).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it("a late context replayed with another body is still UNAUTHENTICATED", async () => {
    vi.useFakeTimers({ now: Date.now() });
    try {
      const token = await signInternalContext(key, context, { audience: "sites", body: BODY });
      vi.advanceTimersByTime(8_000);
      await expect(
        verifyInternalContext(key, token, { audience: "sites", body: "{}" }),
      ).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it("expires after its time to live", async () => {
    vi.useFakeTimers({ now: Date.now() });
    try {
      const token = await signInternalContext(key, context, {
        audience: "sites",
        body: BODY,
        ttlSeconds: 10,
      });
      vi.advanceTimersByTime(16_000);
      await expect(
        verifyInternalContext(key, token, { audience: "sites", body: BODY }),
      ).rejects.toMatchObject({
        code: "SERVICE_UNAVAILABLE",
      });
      vi.advanceTimersByTime(15_000);
      await expect(
        verifyInternalContext(key, token, { audience: "sites", body: BODY }),
      ).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
    } finally {
      vi.useRealTimers();
    }
  });
});
