import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "@taruvi/errors";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateSigningKey, loadKeyStore, signAccessToken, verifyAccessToken } from "./index";

const privateJwk = async (kid: string): Promise<JWK> => {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
};
const pkcs8Pem = () =>
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();

const failure = (attempt: Promise<unknown>) =>
  attempt.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error as AppError,
  );

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "taruvi-keys-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("generateSigningKey", () => {
  it("makes an Ed25519 key whose kid is its thumbprint and whose private half stays inside", async () => {
    const key = await generateSigningKey();
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk));
    expect(key.privateKey.extractable).toBe(false);
    expect(key.publicJwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(Number.isNaN(Date.parse(key.createdAt))).toBe(false);
  });
});

describe("loadKeyStore", () => {
  it("loads SIGNING_KEYS as JSON JWKs, newest last, and publishes only the public parts", async () => {
    const jwks = [await privateJwk("k1"), await privateJwk("k2")];
    const store = await loadKeyStore({ signingKeys: JSON.stringify(jwks), dataDir, production: true });
    expect(store.keys.map((key) => key.kid)).toEqual(["k1", "k2"]);
    expect(store.current.kid).toBe("k2");
    expect(store.byKid("k1")?.kid).toBe("k1");
    expect(store.byKid("nope")).toBeUndefined();
    const published = store.jwks();
    expect(published.keys).toEqual(
      jwks.map(({ kid, x }) => ({ kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" })),
    );
    expect(JSON.stringify(published)).not.toContain('"d"');
  });

  it("loads SIGNING_KEYS as PEM PKCS8 keys separated by blank lines, kid = RFC 7638 thumbprint", async () => {
    const pems = [pkcs8Pem(), pkcs8Pem()];
    const store = await loadKeyStore({ signingKeys: pems.join("\n"), dataDir, production: true });
    expect(store.keys).toHaveLength(2);
    for (const key of store.keys) {
      const { kty, crv, x } = key.publicJwk;
      expect(key.kid).toBe(await calculateJwkThumbprint({ kty, crv, x } as JWK));
    }
    expect(store.current).toBe(store.keys[1]);
    // The same keys written on one line with literal "\n", as some secret stores keep them.
    const oneLine = pems.join("\n").replaceAll("\n", "\\n");
    const again = await loadKeyStore({ signingKeys: oneLine, dataDir, production: true });
    expect(again.keys.map((key) => key.kid)).toEqual(store.keys.map((key) => key.kid));
    const { token } = await signAccessToken(store, {
      subject: "u",
      sessionId: "s",
      audience: "a",
      issuer: "i",
    });
    expect((await verifyAccessToken(again, token, { audience: "a", issuer: "i" })).sub).toBe("u");
  });

  it("refuses bad keys without echoing key material", async () => {
    const good = await privateJwk("k1");
    const { privateKey: ecKey } = await generateKeyPair("ES256", { extractable: true });
    const mismatched = { ...good, x: (await privateJwk("other")).x };
    const cases: [string, RegExp][] = [
      ["not json, not pem", /neither a JSON array of JWKs nor PKCS8 PEM/],
      ["[", /not valid JSON/],
      ["[]", /no key/],
      [JSON.stringify([{ ...good, d: undefined }]), /private Ed25519 JWK/],
      [JSON.stringify([await exportJWK(ecKey)]), /private Ed25519 JWK/],
      [JSON.stringify([mismatched]), /not a valid Ed25519 key/],
      [JSON.stringify([good, good]), /kid "k1" appears twice/],
    ];
    for (const [signingKeys, message] of cases) {
      const error = await failure(loadKeyStore({ signingKeys, dataDir, production: true }));
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe("INTERNAL_SERVER_ERROR");
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(good.d);
    }
  });

  it("requires SIGNING_KEYS in production", async () => {
    for (const signingKeys of [undefined, "", "  "]) {
      const error = await failure(loadKeyStore({ signingKeys, dataDir, production: true }));
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe("INTERNAL_SERVER_ERROR");
      expect(error.message).toBe("SIGNING_KEYS is required in production");
    }
  });

  it("in development generates a key once under dataDir (0600) and reuses it on later starts", async () => {
    const nested = join(dataDir, "not", "yet");
    const first = await loadKeyStore({ dataDir: nested, production: false });
    const file = join(nested, "keys", "signing-keys.json");
    const written = await readFile(file, "utf8");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(nested, "keys"))).mode & 0o777).toBe(0o700);

    const second = await loadKeyStore({ dataDir: nested, production: false });
    expect(second.current.kid).toBe(first.current.kid);
    expect(second.current.createdAt).toBe(first.current.createdAt);
    expect(await readFile(file, "utf8")).toBe(written);
    // A token issued before the restart is still valid after it.
    const { token } = await signAccessToken(first, {
      subject: "u",
      sessionId: "s",
      audience: "a",
      issuer: "i",
    });
    expect((await verifyAccessToken(second, token, { audience: "a", issuer: "i" })).sub).toBe("u");
    // The file is a valid SIGNING_KEYS value.
    const fromEnv = await loadKeyStore({ signingKeys: written, dataDir, production: true });
    expect(fromEnv.current.kid).toBe(first.current.kid);
  });

  it("in development, concurrent first starts agree on one key", async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => loadKeyStore({ dataDir, production: false })));
    expect(new Set(stores.map((store) => store.current.kid)).size).toBe(1);
  });

  it("prefers SIGNING_KEYS over the development key file", async () => {
    await loadKeyStore({ dataDir, production: false });
    const jwk = await privateJwk("from-env");
    const store = await loadKeyStore({ signingKeys: JSON.stringify([jwk]), dataDir, production: false });
    expect(store.current.kid).toBe("from-env");
  });
});
