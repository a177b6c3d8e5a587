export { createFormatError } from "./format-error";
export {
  closeServer,
  executeGraphQL,
  HttpError,
  listen,
  readBody,
  readJsonBody,
  sendError,
  sendJson,
} from "./http";
