import { ApolloArmor } from "@escape.tech/graphql-armor";

export type OperationLimits = {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  maxDirectives: number;
  /** Production hides "did you mean …" suggestions, which leak the schema. */
  hideSuggestions: boolean;
};

/** graphql-armor: depth, aliases, tokens, cost and directives, each refused with a clear message. */
export const operationLimits = (limits: OperationLimits) =>
  new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    maxTokens: { n: limits.maxTokens, exposeLimits: true },
    costLimit: { maxCost: limits.maxCost, exposeLimits: true, ignoreIntrospection: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    blockFieldSuggestion: { enabled: limits.hideSuggestions },
  }).protect();
