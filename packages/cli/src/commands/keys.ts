import {
  describeKeys,
  developmentKeyFile,
  formatSigningKeys,
  readKeyFile,
  readSigningKeys,
  type StoredJwk,
  withNewKey,
  withoutKey,
  writeKeyFile,
} from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import { env } from "../env";
import { print, printJson, printTable } from "../output";

// Access-token signing keys. In development they live in DATA_DIR/keys/signing-keys.json (the apps
// create it on their first start); in production in SIGNING_KEYS, which these commands never
// change: with --print they print the new value to store there instead.

const signingKeysSet = () => Boolean(env.SIGNING_KEYS?.trim());

const note = (line: string) => process.stderr.write(`${line}\n`);

/** Changing the key file would do nothing while SIGNING_KEYS is set: the apps read that instead. */
const keyFileKeys = async (): Promise<StoredJwk[]> => {
  if (signingKeysSet()) {
    throw new AppError(
      "BAD_USER_INPUT",
      `SIGNING_KEYS is set, so the apps use it and not ${developmentKeyFile(env.DATA_DIR)}: ` +
        "add --print and store the printed value in SIGNING_KEYS",
    );
  }
  return readKeyFile(env.DATA_DIR);
};

export const listKeys = async ({ json }: { json: boolean }): Promise<number> => {
  const source = signingKeysSet() ? "SIGNING_KEYS" : developmentKeyFile(env.DATA_DIR);
  const keys = describeKeys(
    signingKeysSet() ? await readSigningKeys(env.SIGNING_KEYS) : await readKeyFile(env.DATA_DIR),
  );
  if (json) printJson(keys);
  else if (keys.length === 0) print(`no signing keys in ${source} yet (the apps create one on first start)`);
  else {
    printTable(
      ["kid", "created", "current"],
      keys.map((key) => [key.kid, key.createdAt ?? "-", key.current ? "yes" : ""]),
    );
  }
  return 0;
};

export const rotateKeys = async (options: { print: boolean }): Promise<number> => {
  if (options.print) {
    const { jwks, kid } = await withNewKey(await readSigningKeys(env.SIGNING_KEYS));
    print(formatSigningKeys(jwks));
    note(`added ${kid}, the newest of ${jwks.length} keys. Store the value above as SIGNING_KEYS, then`);
    note("restart the gateways first (they learn the key) and identity after (it signs with it).");
    return 0;
  }
  const { jwks, kid } = await withNewKey(await keyFileKeys());
  const file = await writeKeyFile(env.DATA_DIR, jwks);
  print(`added signing key ${kid}, the newest of ${jwks.length}, to ${file}`);
  print("restart the apps to sign with it; tokens of older keys verify until those are retired");
  return 0;
};

export const retireKey = async (options: { kid: string; print: boolean }): Promise<number> => {
  if (options.print) {
    const jwks = withoutKey(await readSigningKeys(env.SIGNING_KEYS), options.kid);
    print(formatSigningKeys(jwks));
    note(
      `removed ${options.kid}; ${jwks.length} left. Store the value above as SIGNING_KEYS and restart the apps.`,
    );
    return 0;
  }
  const jwks = withoutKey(await keyFileKeys(), options.kid);
  const file = await writeKeyFile(env.DATA_DIR, jwks);
  print(`retired signing key ${options.kid}; ${jwks.length} left in ${file}`);
  print("restart the apps: tokens it signed are refused from then on");
  return 0;
};
