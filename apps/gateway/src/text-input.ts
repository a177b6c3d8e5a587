import type { ApolloServerPlugin } from "@apollo/server";
import {
  type ArgumentNode,
  type DocumentNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type ValueNode,
  visit,
} from "graphql";

/**
 * Why a string cannot be taken as text, or null. PostgreSQL's text and jsonb cannot hold U+0000
 * (error 22021 / 22P05); a UTF-16 surrogate without its partner is not Unicode at all (UTF-8
 * encoding would silently turn it into U+FFFD, and jsonb refuses it).
 */
export const textProblemOf = (text: string): string | null => {
  if (text.includes("\u0000")) return "must not contain NUL characters (U+0000)";
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) {
    return "must be valid Unicode text (it holds a lone surrogate)";
  }
  return null;
};

/**
 * The field name a client sees in `extensions.field`: the argument path, without the `input`
 * wrapper, as the subgraphs' own errors name fields (`name`, `filter.from`, `scopes[1]`).
 */
const fieldOf = (path: readonly (string | number)[]): string => {
  const parts = path[0] === "input" && path.length > 1 ? path.slice(1) : path;
  return parts.reduce<string>(
    (field, part) => (typeof part === "number" ? `${field}[${part}]` : field ? `${field}.${part}` : part),
    "",
  );
};

const refusal = (path: readonly (string | number)[], why: string): GraphQLError => {
  const field = fieldOf(path);
  return new GraphQLError(`${field}: ${why}`, {
    extensions: { code: "BAD_USER_INPUT", field, http: { status: 400 } },
  });
};

/** A variable's JSON value, walked without recursion (a deeply nested value cannot overflow the stack). */
const checkJson = (value: unknown, path: readonly (string | number)[]): void => {
  const pending: [unknown, readonly (string | number)[]][] = [[value, path]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, at] = next;
    if (typeof item === "string") {
      const problem = textProblemOf(item);
      if (problem) throw refusal(at, problem);
    } else if (Array.isArray(item)) {
      for (const [index, element] of item.entries()) pending.push([element, [...at, index]]);
    } else if (item !== null && typeof item === "object") {
      for (const [key, element] of Object.entries(item)) {
        const problem = textProblemOf(key);
        if (problem) throw refusal(at, `has a field name that ${problem}`);
        pending.push([element, [...at, key]]);
      }
    }
  }
};

/**
 * Refuses an operation whose arguments hold text no subgraph can take (see `textProblemOf`):
 * literal arguments, and variables where an argument or input field uses them (their default
 * value when not sent). BAD_USER_INPUT naming the argument path, HTTP 400, before any subgraph
 * is asked: the one check for every string argument and input field of every operation.
 */
export const checkTextArguments = (
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): void => {
  const defaults = new Map(
    (operation.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      definition.defaultValue,
    ]),
  );
  const checkNode = (node: ValueNode, path: readonly (string | number)[]): void => {
    switch (node.kind) {
      case Kind.STRING: {
        const problem = textProblemOf(node.value);
        if (problem) throw refusal(path, problem);
        return;
      }
      case Kind.LIST:
        for (const [index, value] of node.values.entries()) checkNode(value, [...path, index]);
        return;
      case Kind.OBJECT:
        for (const field of node.fields) checkNode(field.value, [...path, field.name.value]);
        return;
      case Kind.VARIABLE: {
        const name = node.name.value;
        if (variables && Object.hasOwn(variables, name)) checkJson(variables[name], path);
        else {
          const fallback = defaults.get(name);
          if (fallback) checkNode(fallback, path);
        }
        return;
      }
      default:
        return;
    }
  };
  const checkArgument = (argument: ArgumentNode) => {
    checkNode(argument.value, [argument.name.value]);
    return false;
  };
  visit(operation, { Argument: checkArgument });
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, { Argument: checkArgument });
  }
};

/** `checkTextArguments` on every operation, once it is parsed, validated and chosen. */
export const textArgumentsPlugin = <Context extends object>(): ApolloServerPlugin<Context> => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ document, operation, request }) {
        if (operation) checkTextArguments(document, operation, request.variables);
      },
    };
  },
});
