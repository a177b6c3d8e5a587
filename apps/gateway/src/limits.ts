import { ApolloArmor } from "@escape.tech/graphql-armor";
import { HttpError } from "@taruvi/http";
import { GraphQLError, Lexer, Source, TokenKind } from "graphql";
import { LRUCache } from "lru-cache";

export type OperationLimits = {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  maxDirectives: number;
  /** Production hides "did you mean …" suggestions, which leak the schema. */
  hideSuggestions: boolean;
};

/**
 * graphql-armor: depth, aliases, cost and directives as validation rules (400,
 * GRAPHQL_VALIDATION_FAILED, with the limit in the message). Its token limit is replaced by
 * `tokenLimit`: armor's runs inside Apollo's parsing hook, where a refusal becomes a 500.
 */
export const operationLimits = (limits: OperationLimits) =>
  new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    maxTokens: { enabled: false },
    costLimit: { maxCost: limits.maxCost, exposeLimits: true, ignoreIntrospection: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    blockFieldSuggestion: { enabled: limits.hideSuggestions },
  }).protect();

/**
 * Refuses a query of more than `max` lexical tokens before it is parsed (a cheap guard against
 * huge documents). Verdicts are remembered per query text, as Apollo caches parsed documents.
 */
export const tokenLimit = (max: number) => {
  const accepted = new LRUCache<string, true>({ max: 2_000 });
  return (query: string): void => {
    if (accepted.has(query)) return;
    const lexer = new Lexer(new Source(query));
    let count = 0;
    try {
      for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
        count += 1;
        if (count > max) {
          throw new HttpError(400, "GRAPHQL_VALIDATION_FAILED", `Token limit of ${max} exceeded`);
        }
      }
    } catch (error) {
      // A syntax error is Apollo's to report (GRAPHQL_PARSE_FAILED).
      if (error instanceof GraphQLError) return;
      throw error;
    }
    accepted.set(query, true);
  };
};
