export { createFormatError } from "./format-error";
export {
  closeServer,
  executeGraphQL,
  HttpError,
  listen,
  parseJsonBody,
  readBody,
  readJsonBody,
  sendError,
  sendJson,
} from "./http";
