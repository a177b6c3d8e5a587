import { describe, expect, it } from "vitest";
import { openEmail, sealEmail } from "./email";
import { createSealer, DEV_EMAIL_ENCRYPTION_KEY, emailKeyProblems, parseEmailKeys } from "./sealing";

const KEY = "k".repeat(32);
const OTHER = "o".repeat(32);
const email = { to: "ann@example.test", subject: "Reset", text: "https://x.test/reset?token=SECRET-TOKEN" };

describe("sealed email bodies", () => {
  it("hold neither the text nor the link, and open to the same email", () => {
    const sealer = createSealer(KEY);
    const queued = sealEmail(email, sealer);
    expect(queued).toEqual({ to: email.to, subject: email.subject, body: expect.stringMatching(/^v1\./) });
    expect(JSON.stringify(queued)).not.toContain("SECRET-TOKEN");
    expect(JSON.stringify(queued)).not.toContain("x.test");
    expect(openEmail(JSON.parse(JSON.stringify(queued)), sealer)).toEqual(email);
    // Two seals of one email differ (a fresh IV each).
    expect(sealEmail(email, sealer).body).not.toBe(queued.body);
  });

  it("keep html too", () => {
    const sealer = createSealer(KEY);
    const withHtml = { ...email, html: "<a href='https://x.test'>x</a>" };
    expect(openEmail(sealEmail(withHtml, sealer), sealer)).toEqual(withHtml);
  });

  it("do not open under another key, nor once moved to another recipient or subject", () => {
    const queued = sealEmail(email, createSealer(KEY));
    expect(() => openEmail(queued, createSealer(OTHER))).toThrow(/does not hold/);
    expect(() => openEmail({ ...queued, to: "eve@example.test" }, createSealer(KEY))).toThrow(/altered/);
    expect(() => openEmail({ ...queued, subject: "Other" }, createSealer(KEY))).toThrow(/altered/);
    const [v, id, iv, ciphertext, tag] = (queued.body as string).split(".");
    const flipped = `${(ciphertext as string).startsWith("A") ? "B" : "A"}${(ciphertext as string).slice(1)}`;
    expect(() =>
      openEmail({ ...queued, body: [v, id, iv, flipped, tag].join(".") }, createSealer(KEY)),
    ).toThrow(/altered/);
  });

  it("open with any key of a rotation list, and seal with the first", () => {
    const old = sealEmail(email, createSealer(OTHER));
    const rotating = createSealer(`${KEY}, ${OTHER}`);
    expect(openEmail(old, rotating)).toEqual(email);
    expect(openEmail(sealEmail(email, rotating), createSealer(KEY))).toEqual(email);
  });

  it("of an erased job (sent already) open to null; a job queued in clear before sealing opens as it is", () => {
    expect(openEmail({ to: email.to, subject: email.subject }, createSealer(KEY))).toBeNull();
    expect(openEmail(email, createSealer(KEY))).toEqual(email);
  });
});

describe("EMAIL_ENCRYPTION_KEY", () => {
  it("needs secrets of 32 characters or more", () => {
    expect(parseEmailKeys(`${KEY},${OTHER}`)).toEqual([KEY, OTHER]);
    expect(() => parseEmailKeys("short")).toThrow(/at least 32 characters/);
    expect(() => parseEmailKeys(" , ")).toThrow(/at least one secret/);
  });

  it("may be the development key outside production only", () => {
    expect(
      emailKeyProblems({ NODE_ENV: "development", EMAIL_ENCRYPTION_KEY: DEV_EMAIL_ENCRYPTION_KEY }),
    ).toEqual([]);
    expect(
      emailKeyProblems({ NODE_ENV: "production", EMAIL_ENCRYPTION_KEY: DEV_EMAIL_ENCRYPTION_KEY }),
    ).toEqual([expect.stringMatching(/^EMAIL_ENCRYPTION_KEY: must be set in production/)]);
    expect(emailKeyProblems({ NODE_ENV: "production", EMAIL_ENCRYPTION_KEY: KEY })).toEqual([]);
    expect(emailKeyProblems({ NODE_ENV: "production", EMAIL_ENCRYPTION_KEY: "short" })).toEqual([
      expect.stringMatching(/at least 32 characters/),
    ]);
  });
});
