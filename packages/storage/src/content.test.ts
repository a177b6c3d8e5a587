import { describe, expect, it } from "vitest";
import { assertUpload, contentDisposition, isActiveContent } from "./content";

describe("isActiveContent", () => {
  it.each([
    "text/html",
    "text/html; charset=utf-8",
    "TEXT/HTML",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "text/javascript",
    "application/javascript",
    "application/x-shockwave-flash",
    "multipart/x-mixed-replace",
    "",
    "html",
    "text/html\r\nx-evil: 1",
  ])("serves %j as an attachment", (type) => {
    expect(isActiveContent(type)).toBe(true);
  });

  it.each([
    "image/png",
    "image/jpeg",
    "application/pdf",
    "text/plain; charset=utf-8",
    "video/mp4",
    "application/json",
  ])("lets %j display inline", (type) => {
    expect(isActiveContent(type)).toBe(false);
  });
});

describe("contentDisposition", () => {
  it("gives an ASCII fallback and the exact UTF-8 name (RFC 6266)", () => {
    expect(contentDisposition("attachment", "Ünïcode report (1).pdf")).toBe(
      `attachment; filename="_n_code report (1).pdf"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20report%20%281%29.pdf`,
    );
  });

  it("cannot be broken out of by quotes, backslashes or line breaks in a name", () => {
    const header = contentDisposition("inline", 'a"b\\c\r\nSet-Cookie: x=1;.png');
    expect(header).toBe(
      `inline; filename="a_b_c__Set-Cookie: x=1;.png"; filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1%3B.png`,
    );
  });
});

describe("assertUpload", () => {
  const valid = { size: 3, contentType: "image/png", sha256: "A".repeat(64), expiresInSeconds: 60 };

  it("lower-cases the sha256", () => {
    expect(assertUpload(valid, 10).sha256).toBe("a".repeat(64));
  });

  it.each([
    [{ size: -1 }, "size"],
    [{ size: 1.5 }, "size"],
    [{ size: 11 }, "size"],
    [{ sha256: "abc" }, "sha256"],
    [{ contentType: "image/png\r\nx: 1" }, "contentType"],
    [{ contentType: "png" }, "contentType"],
    [{ expiresInSeconds: 0 }, "expiresIn"],
    [{ expiresInSeconds: 7 * 24 * 3600 + 1 }, "expiresIn"],
  ])("refuses %j naming %s", (change, field) => {
    expect(() => assertUpload({ ...valid, ...change }, 10)).toThrow(
      expect.objectContaining({ code: "BAD_USER_INPUT", field }),
    );
  });
});
