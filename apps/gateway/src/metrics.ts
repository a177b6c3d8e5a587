import type { ApolloServerPlugin } from "@apollo/server";
import { ERROR_CODES } from "@taruvi/errors";
import type { AppMetrics } from "@taruvi/metrics";
import { KNOWN_OPERATION_NAMES } from "./operation-names.generated";

/** The gateway's routes as the duration metric names them; any other path is `other`. */
export const GATEWAY_ROUTES: ReadonlySet<string> = new Set([
  "/graphql",
  "/healthz",
  "/readyz",
  "/.well-known/jwks.json",
  "/schema.graphql",
  "/console",
]);

/** Error codes the outcome label keeps: the contract's and GraphQL's own request failures. */
const OUTCOME_CODES = new Set<string>([
  ...ERROR_CODES,
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
]);

/**
 * Counts every GraphQL operation Apollo answers by name (an SDK operation's, else `other`) and
 * outcome: `success`, or the first error's code (a code outside the contract is `other_error`).
 */
export const operationMetricsPlugin = <Context extends object>(
  metrics: AppMetrics,
): ApolloServerPlugin<Context> => ({
  async requestDidStart() {
    return {
      async willSendResponse({ response, operationName, request }) {
        const name = operationName ?? request.operationName;
        const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
        const code = errors?.[0]?.extensions?.code;
        const outcome = !errors?.length
          ? "success"
          : typeof code === "string" && OUTCOME_CODES.has(code)
            ? code
            : "other_error";
        metrics.graphqlOperation(name && KNOWN_OPERATION_NAMES.has(name) ? name : "other", outcome);
      },
    };
  },
});
