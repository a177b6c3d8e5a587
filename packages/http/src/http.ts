import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLResponse } from "@apollo/server";

/** A request refused before GraphQL runs: an HTTP status and an `extensions.code`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
};

/** A request-level failure as a GraphQL-shaped error body. */
export const sendError = (res: ServerResponse, status: number, code: string, message: string): void =>
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });

/** The body as text, at most `limit` bytes (413 PAYLOAD_TOO_LARGE beyond, checked up front too). */
export const readBody = (req: IncomingMessage, limit: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, "PAYLOAD_TOO_LARGE", `request body larger than ${limit} bytes`);
    if (Number(req.headers["content-length"] ?? 0) > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

/** A body's text as JSON (400 BAD_REQUEST when malformed); undefined when empty. */
export const parseJsonBody = (text: string): unknown => {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "BAD_REQUEST", "malformed JSON body");
  }
};

/** A POST body as JSON (400 BAD_REQUEST when malformed); undefined for GET. */
export const readJsonBody = async (req: IncomingMessage, limit: number): Promise<unknown> =>
  req.method === "POST" ? parseJsonBody(await readBody(req, limit)) : undefined;

/** Runs one GraphQL request through Apollo Server and writes its response. */
export const executeGraphQL = async <Context extends BaseContext>(
  apollo: ApolloServer<Context>,
  req: IncomingMessage,
  res: ServerResponse,
  { url, body, context }: { url: URL; body: unknown; context: Context },
): Promise<void> => {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const result: HTTPGraphQLResponse = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
    context: async () => context,
  });
  for (const [name, value] of result.headers) res.setHeader(name, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === "complete") {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
};

/** Listens and resolves the GraphQL URL (port 0 picks a free one). */
export const listen = (server: Server, port: number, host = "127.0.0.1"): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () =>
      resolve(`http://${host}:${(server.address() as AddressInfo).port}/graphql`),
    );
  });
