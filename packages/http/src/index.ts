export type { Drain } from "./drain";
export { drainOf } from "./drain";
export { createFormatError, reportError } from "./format-error";
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
