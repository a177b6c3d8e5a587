import { describe, expect, it } from "vitest";
import { loadGatewayEnv } from "./env";
import { consoleConnectSources } from "./options";

// The console's connect-src beyond 'self': where the files service's presigned uploads point.
describe("consoleConnectSources", () => {
  const sources = (env: Record<string, string>) => consoleConnectSources(loadGatewayEnv(env));

  it("is the files service's own origin (its local store) by default, outside production", () => {
    expect(sources({})).toEqual(["http://127.0.0.1:4005"]);
    expect(sources({ SUBGRAPH_FILES_URL: "http://files.internal:8080/graphql" })).toEqual([
      "http://files.internal:8080",
    ]);
  });

  it("follows FILES_PUBLIC_URL, else FILES_S3_ENDPOINT, keeping the origin only", () => {
    expect(
      sources({
        FILES_PUBLIC_URL: "https://files.example.com/storage",
        FILES_S3_ENDPOINT: "https://s3.example.com",
      }),
    ).toEqual(["https://files.example.com"]);
    expect(sources({ FILES_S3_ENDPOINT: "https://s3.example.com:9000/bucket" })).toEqual([
      "https://s3.example.com:9000",
    ]);
  });

  it("takes CONSOLE_CONNECT_SRC as it is given, origins only, and refuses what is not http(s)", () => {
    expect(
      sources({
        CONSOLE_CONNECT_SRC: " https://a.example.com/x , https://b.example.com,https://a.example.com",
        FILES_PUBLIC_URL: "https://files.example.com",
      }),
    ).toEqual(["https://a.example.com", "https://b.example.com"]);
    expect(() => sources({ CONSOLE_CONNECT_SRC: "javascript:alert(1)" })).toThrow(/not an http\(s\) URL/);
    expect(() => sources({ CONSOLE_CONNECT_SRC: "*" })).toThrow(/CONSOLE_CONNECT_SRC: "\*" is not a URL/);
  });
});
