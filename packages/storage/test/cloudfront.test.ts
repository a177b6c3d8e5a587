import { generateKeyPairSync, randomUUID, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contentDisposition, createCloudFrontSigner, objectKey } from "../src/index";

const { publicKey, privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
});
const signer = createCloudFrontSigner({
  url: "https://files.example.com/",
  keyPairId: "K2JCJMDEHXQW5F",
  privateKey,
});
const SIGNING_PARAMS = new Set(["Expires", "Signature", "Key-Pair-Id"]);

/**
 * What CloudFront checks (canned policy): RSA-SHA1 over the policy of the URL without its
 * signing parameters and the expiry, the signature in CloudFront's base64 (`+`→`-`, `=`→`_`, `/`→`~`).
 */
const verifyOffline = (signed: string, key = publicKey): boolean => {
  const [base, search = ""] = signed.split("?");
  const pairs = search.split("&").map((pair) => pair.split("=") as [string, string]);
  const param = (name: string) => pairs.find(([n]) => n === name)?.[1] ?? "";
  const rest = pairs.filter(([n]) => !SIGNING_PARAMS.has(n)).map((pair) => pair.join("="));
  const resource = rest.length > 0 ? `${base}?${rest.join("&")}` : base;
  const policy = JSON.stringify({
    Statement: [
      { Resource: resource, Condition: { DateLessThan: { "AWS:EpochTime": Number(param("Expires")) } } },
    ],
  });
  const signature = Buffer.from(
    param("Signature").replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"),
    "base64",
  );
  return verify("RSA-SHA1", Buffer.from(policy), key, signature);
};

describe("CloudFront signer", () => {
  const key = objectKey(randomUUID(), randomUUID());
  const options = {
    expiresInSeconds: 3600,
    filename: "Quarterly report «Q3».html",
    contentType: "text/html",
    disposition: "attachment",
  } as const;

  it("signs a canned policy that verifies offline with the public key", () => {
    const before = Math.floor(Date.now() / 1000);
    const signed = signer.sign(key, options);
    const url = new URL(signed);
    expect(`${url.origin}${url.pathname}`).toBe(`https://files.example.com/${key}`);
    expect(url.searchParams.get("Key-Pair-Id")).toBe("K2JCJMDEHXQW5F");
    expect(Number(url.searchParams.get("Expires"))).toBeGreaterThanOrEqual(before + 3600);
    expect(Number(url.searchParams.get("Expires"))).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    expect(verifyOffline(signed)).toBe(true);
  });

  it("asks the origin for the content type and the attachment disposition", () => {
    const url = new URL(signer.sign(key, options));
    expect(url.searchParams.get("response-content-disposition")).toBe(
      contentDisposition("attachment", "Quarterly report «Q3».html"),
    );
    expect(url.searchParams.get("response-content-type")).toBe("text/html");
    expect(url.search).not.toContain("+");
  });

  it("does not verify once the URL, its expiry or the key pair differ", () => {
    const signed = signer.sign(key, options);
    const other = objectKey(randomUUID(), randomUUID());
    expect(verifyOffline(signed.replace(key, other))).toBe(false);
    expect(verifyOffline(signed.replace("disposition=attachment", "disposition=inline"))).toBe(false);
    expect(verifyOffline(signed.replace(/Expires=(\d+)/, (_, n) => `Expires=${Number(n) + 1}`))).toBe(false);
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
    expect(verifyOffline(signed, stranger.export({ type: "spki", format: "pem" }).toString())).toBe(false);
  });

  it("refuses keys outside the object key shape", () => {
    expect(() => signer.sign("sites/../etc/passwd", options)).toThrow(
      expect.objectContaining({ field: "key" }),
    );
  });
});
