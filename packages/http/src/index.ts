export type { Drain } from "./drain";
export { drainOf } from "./drain";
export { createFormatError } from "./format-error";
export {
  executeGraphQL,
  HttpError,
  listen,
  parseJsonBody,
  readBody,
  readJsonBody,
  sendError,
  sendJson,
} from "./http";
