export {
  type AuthPayload,
  createTaruviClient,
  type RequestOptions,
  type TaruviClient,
  type TaruviClientOptions,
} from "./client";
export {
  ERROR_CODES,
  type ErrorCode,
  type GraphQLResponseError,
  isTaruviError,
  TaruviError,
  type TaruviErrorInit,
} from "./errors";
export * from "./generated";
export {
  localStorageTokenStorage,
  memoryStorage,
  type TokenStorage,
  type Tokens,
  type WebStorage,
} from "./storage";
