import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  describeKeys,
  developmentKeyFile,
  formatSigningKeys,
  loadKeyStore,
  readKeyFile,
  readSigningKeys,
  signAccessToken,
  verifyAccessToken,
  withNewKey,
  withoutKey,
  writeKeyFile,
} from "./index";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "taruvi-keys-file-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const expected = { audience: "platform", issuer: "taruvi" };
const tokenOf = async (store: Awaited<ReturnType<typeof loadKeyStore>>) =>
  (await signAccessToken(store, { subject: "s", sessionId: "sid", ...expected })).token;
const load = () => loadKeyStore({ dataDir, production: false });

describe("rotating the development key file", () => {
  it("adds the newest key: new tokens use it, tokens of the older key still verify", async () => {
    const before = await load(); // the apps' first start creates the file with one key
    const oldToken = await tokenOf(before);

    const { jwks, kid } = await withNewKey(await readKeyFile(dataDir));
    await writeKeyFile(dataDir, jwks);
    expect((await stat(developmentKeyFile(dataDir))).mode & 0o777).toBe(0o600);

    const after = await load();
    expect(after.keys.map((k) => k.kid)).toEqual([before.current.kid, kid]);
    expect(after.current.kid).toBe(kid);
    expect(after.jwks().keys.map((k) => k.kid)).toEqual([before.current.kid, kid]);
    const newToken = await tokenOf(after);
    expect(JSON.parse(Buffer.from(newToken.split(".")[0] as string, "base64url").toString()).kid).toBe(kid);
    await expect(verifyAccessToken(after, oldToken, expected)).resolves.toMatchObject({ sub: "s" });
    await expect(verifyAccessToken(after, newToken, expected)).resolves.toMatchObject({ sub: "s" });
  });

  it("retires an older key: its tokens stop verifying; the newest and the last key are kept", async () => {
    const first = await load();
    const oldToken = await tokenOf(first);
    const { jwks, kid } = await withNewKey(await readKeyFile(dataDir));
    await writeKeyFile(dataDir, jwks);

    expect(() => withoutKey(jwks, kid)).toThrow(/newest key/);
    expect(() => withoutKey(jwks, "nope")).toThrow(/no signing key with kid "nope"/);
    const only = withoutKey(jwks, first.current.kid);
    expect(describeKeys(only)).toEqual([{ kid, createdAt: expect.any(String), current: true }]);
    expect(() => withoutKey(only, kid)).toThrow(/only signing key/);

    await writeKeyFile(dataDir, only);
    const after = await load();
    expect(after.keys.map((k) => k.kid)).toEqual([kid]);
    await expect(verifyAccessToken(after, oldToken, expected)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  it("reads no keys from a missing file and never writes an empty one", async () => {
    expect(await readKeyFile(dataDir)).toEqual([]);
    await expect(writeKeyFile(dataDir, [])).rejects.toThrow(/empty key file/);
    await expect(readFile(developmentKeyFile(dataDir))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("a new SIGNING_KEYS value", () => {
  it("keeps the existing keys (JSON or PEM) and adds the newest; apps load it as is", async () => {
    const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const fromPem = await readSigningKeys(pem);
    expect(fromPem).toHaveLength(1);
    const { jwks, kid } = await withNewKey(fromPem);
    const value = formatSigningKeys(jwks);

    const store = await loadKeyStore({ signingKeys: value, dataDir, production: true });
    expect(store.keys.map((k) => k.kid)).toEqual([fromPem[0]?.kid, kid]);
    const pemStore = await loadKeyStore({ signingKeys: pem, dataDir, production: true });
    expect(pemStore.current.kid).toBe(fromPem[0]?.kid);

    expect(await readSigningKeys(undefined)).toEqual([]);
    expect((await readSigningKeys(value)).map((k) => k.kid)).toEqual([fromPem[0]?.kid, kid]);
  });
});
