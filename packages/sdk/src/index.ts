export {
  type AuthPayload,
  createTaruviClient,
  type RequestOptions,
  type TaruviClient,
  type TaruviClientOptions,
} from "./client.js";
export {
  ERROR_CODES,
  type ErrorCode,
  type GraphQLResponseError,
  isTaruviError,
  TaruviError,
  type TaruviErrorInit,
} from "./errors.js";
export * from "./generated/index.js";
export {
  localStorageTokenStorage,
  memoryStorage,
  type TokenStorage,
  type Tokens,
  type WebStorage,
} from "./storage.js";
