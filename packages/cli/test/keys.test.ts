import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  developmentKeyFile,
  type KeyStore,
  loadKeyStore,
  signAccessToken,
  verifyAccessToken,
} from "@taruvi/auth";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";

// `taruvi keys …` needs no database: it works on DATA_DIR's key file or prints SIGNING_KEYS.

const bin = fileURLToPath(new URL("../bin/taruvi.js", import.meta.url));
type Result = { code: number; stdout: string; stderr: string };

const taruvi = (args: string[], env: Record<string, string>): Promise<Result> =>
  new Promise((resolve) => {
    const { DATABASE_URL: _ignored, SIGNING_KEYS: _unset, ...base } = process.env;
    execFile(
      process.execPath,
      [bin, "keys", ...args],
      { env: { ...base, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });

const scope = { audience: "platform", issuer: "taruvi" };
const tokenOf = async (store: KeyStore) =>
  (await signAccessToken(store, { subject: "someone", sessionId: "s", ...scope })).token;
const verifies = (store: KeyStore, token: string) =>
  verifyAccessToken(store, token, scope).then(
    () => true,
    () => false,
  );

describe("taruvi keys (development key file)", () => {
  it("rotates: the JWKS has both keys, new tokens use the new one, old tokens verify until retired", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "taruvi-cli-keys-"));
    const env = { DATA_DIR: dataDir };
    expect((await taruvi(["list"], env)).stdout).toContain("no signing keys");

    const before = await loadKeyStore({ dataDir, production: false }); // an app's first start
    const oldKid = before.current.kid;
    const oldToken = await tokenOf(before);

    const rotated = await taruvi(["rotate"], env);
    expect(rotated).toMatchObject({ code: 0, stderr: "" });
    const after = await loadKeyStore({ dataDir, production: false }); // the apps after a restart
    const newKid = after.current.kid;
    expect(newKid).not.toBe(oldKid);
    expect(rotated.stdout).toContain(`added signing key ${newKid}, the newest of 2`);
    expect(after.jwks().keys.map((key) => key.kid)).toEqual([oldKid, newKid]);
    expect(await verifies(after, oldToken)).toBe(true);
    const newToken = await tokenOf(after);
    expect(JSON.parse(Buffer.from(newToken.split(".")[0] ?? "", "base64url").toString()).kid).toBe(newKid);

    const listed = await taruvi(["list", "--json"], env);
    expect(JSON.parse(listed.stdout)).toEqual([
      { kid: oldKid, createdAt: expect.any(String), current: false },
      { kid: newKid, createdAt: expect.any(String), current: true },
    ]);
    expect((await taruvi(["list"], env)).stdout).toMatch(new RegExp(`${newKid}\\s+\\S+\\s+yes`));

    const file = readFileSync(developmentKeyFile(dataDir), "utf8");
    const newest = await taruvi(["retire", "--kid", newKid], env);
    expect(newest.code).toBe(1);
    expect(newest.stderr).toContain(`--kid: "${newKid}" is the newest key and signs new tokens`);
    const unknown = await taruvi(["retire", "--kid", "no-such-kid"], env);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no signing key with kid "no-such-kid"'),
    });
    expect(readFileSync(developmentKeyFile(dataDir), "utf8")).toBe(file);

    const retired = await taruvi(["retire", "--kid", oldKid], env);
    expect(retired.code).toBe(0);
    expect(retired.stdout).toContain(`retired signing key ${oldKid}; 1 left`);
    const final = await loadKeyStore({ dataDir, production: false });
    expect(final.jwks().keys.map((key) => key.kid)).toEqual([newKid]);
    expect(await verifies(final, oldToken)).toBe(false);
    expect(await verifies(final, newToken)).toBe(true);

    const last = await taruvi(["retire", "--kid", newKid], env);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain("is the only signing key");
    expect((await taruvi(["retire"], env)).stderr).toContain("required option '--kid <kid>'");
  });

  it("refuses to change the key file while SIGNING_KEYS is set (the apps would not read it)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "taruvi-cli-keys-"));
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const signingKeys = JSON.stringify([{ ...(await exportJWK(privateKey)), kid: "k1" }]);
    const result = await taruvi(["rotate"], { DATA_DIR: dataDir, SIGNING_KEYS: signingKeys });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("SIGNING_KEYS is set");
  });
});

describe("taruvi keys --print (production SIGNING_KEYS)", () => {
  it("prints SIGNING_KEYS plus a new newest key, and SIGNING_KEYS without a retired one", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "taruvi-cli-keys-"));
    const first = await taruvi(["rotate", "--print"], { DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    const one = await loadKeyStore({ signingKeys: first.stdout, dataDir, production: true });
    const oldToken = await tokenOf(one);

    const second = await taruvi(["rotate", "--print"], { DATA_DIR: dataDir, SIGNING_KEYS: first.stdout });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("the newest of 2 keys");
    const two = await loadKeyStore({ signingKeys: second.stdout, dataDir, production: true });
    expect(two.keys.map((key) => key.kid)).toEqual([one.current.kid, expect.any(String)]);
    expect(two.current.kid).not.toBe(one.current.kid);
    expect(await verifies(two, oldToken)).toBe(true);

    const listed = await taruvi(["list", "--json"], { DATA_DIR: dataDir, SIGNING_KEYS: second.stdout });
    expect(JSON.parse(listed.stdout).map((k: { kid: string }) => k.kid)).toEqual(two.keys.map((k) => k.kid));

    const env = { DATA_DIR: dataDir, SIGNING_KEYS: second.stdout };
    const retired = await taruvi(["retire", "--kid", one.current.kid, "--print"], env);
    expect(retired.code).toBe(0);
    const left = await loadKeyStore({ signingKeys: retired.stdout, dataDir, production: true });
    expect(left.keys.map((key) => key.kid)).toEqual([two.current.kid]);
    expect(await verifies(left, oldToken)).toBe(false);
    expect((await taruvi(["retire", "--kid", two.current.kid, "--print"], env)).code).toBe(1);
    // The development key file was never touched.
    expect(() => readFileSync(developmentKeyFile(dataDir))).toThrow();
  });
});
