/** One GraphQL request through the gateway, timed and classified as a client would see it. */

export type Outcome = "ok" | "rateLimited" | string;

export type Sample = { at: number; op: string; ms: number; outcome: Outcome };

export type Recorder = {
  samples: Sample[];
  /** The first few answers of each failing outcome, for the report. */
  examples: Map<string, string[]>;
};

export const createRecorder = (): Recorder => ({ samples: [], examples: new Map() });

export type Call = {
  op: string;
  query: string;
  variables?: Record<string, unknown>;
  /** The site slug (X-Tenant); omitted: the platform scope. */
  tenant?: string;
  token?: string;
};

const EXAMPLES_PER_OUTCOME = 3;

/**
 * A 200 with no `errors` is ok. HTTP 429 or a RATE_LIMITED error is `rateLimited` (expected under
 * load, counted apart). Anything else is an error named by its first GraphQL code, else its HTTP
 * status, else the network failure.
 */
const classify = (
  status: number,
  body: { errors?: { extensions?: { code?: string } }[] } | null,
): Outcome => {
  const code = body?.errors?.[0]?.extensions?.code;
  if (status === 429 || code === "RATE_LIMITED") return "rateLimited";
  if (status === 200 && body && !body.errors) return "ok";
  return code ?? `HTTP_${status}`;
};

/** Sends `call` and records it; resolves with `data` when it succeeded, else null. */
export const request = async <T>(gatewayUrl: string, recorder: Recorder, call: Call): Promise<T | null> => {
  const began = performance.now();
  let outcome: Outcome;
  let data: T | null = null;
  let detail = "";
  try {
    const res = await fetch(gatewayUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(call.tenant ? { "x-tenant": call.tenant } : {}),
        ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
      },
      body: JSON.stringify({ query: call.query, variables: call.variables ?? {} }),
    });
    const text = await res.text();
    let body: { data?: T; errors?: { extensions?: { code?: string } }[] } | null = null;
    try {
      body = JSON.parse(text);
    } catch {}
    outcome = classify(res.status, body);
    if (outcome === "ok") data = body?.data ?? null;
    else detail = `HTTP ${res.status}: ${text.slice(0, 300)}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    outcome = `NETWORK_${cause ?? "ERROR"}`;
    detail = String(error);
  }
  const ms = performance.now() - began;
  recorder.samples.push({ at: Date.now(), op: call.op, ms, outcome });
  if (outcome !== "ok") {
    const key = `${call.op} ${outcome}`;
    const list = recorder.examples.get(key) ?? [];
    if (list.length < EXAMPLES_PER_OUTCOME) list.push(`after ${Math.round(ms)} ms, ${detail}`);
    recorder.examples.set(key, list);
  }
  // Back off as a client would: a gateway that is gone must not become a busy loop of refusals.
  if (outcome.startsWith("NETWORK_")) await new Promise((resolve) => setTimeout(resolve, 100));
  return data;
};
