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

/** A literal string no subgraph can take, where it stands in the arguments. */
type Refusal = { path: readonly (string | number)[]; problem: string };

/**
 * One check of an operation, in document order: a literal that is refused, or a variable's value
 * (with what its default would be refused for, when the request does not send it).
 */
type Check =
  | ({ kind: "refused" } & Refusal)
  | { kind: "variable"; name: string; path: readonly (string | number)[]; defaultRefusals: Refusal[] };

/**
 * What an operation's arguments need checked on each request, worked out once per parsed
 * operation (Apollo Server keeps parsed documents, so a repeated query is the same object): its
 * literal text, defaults included, is checked once; only variables are left for each request.
 */
const checksOf = new WeakMap<OperationDefinitionNode, Check[]>();

/** The refused strings of a literal value (a default has no variables in it). */
const refusalsIn = (node: ValueNode, path: readonly (string | number)[], into: Refusal[]): void => {
  switch (node.kind) {
    case Kind.STRING: {
      const problem = textProblemOf(node.value);
      if (problem) into.push({ path, problem });
      return;
    }
    case Kind.LIST:
      for (const [index, value] of node.values.entries()) refusalsIn(value, [...path, index], into);
      return;
    case Kind.OBJECT:
      for (const field of node.fields) refusalsIn(field.value, [...path, field.name.value], into);
      return;
    default:
      return;
  }
};

const checksFor = (document: DocumentNode, operation: OperationDefinitionNode): Check[] => {
  const known = checksOf.get(operation);
  if (known) return known;
  const defaults = new Map(
    (operation.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      definition.defaultValue,
    ]),
  );
  const checks: Check[] = [];
  const collect = (node: ValueNode, path: readonly (string | number)[]): void => {
    switch (node.kind) {
      case Kind.STRING: {
        const problem = textProblemOf(node.value);
        if (problem) checks.push({ kind: "refused", path, problem });
        return;
      }
      case Kind.LIST:
        for (const [index, value] of node.values.entries()) collect(value, [...path, index]);
        return;
      case Kind.OBJECT:
        for (const field of node.fields) collect(field.value, [...path, field.name.value]);
        return;
      case Kind.VARIABLE: {
        const name = node.name.value;
        const defaultRefusals: Refusal[] = [];
        const fallback = defaults.get(name);
        if (fallback) refusalsIn(fallback, path, defaultRefusals);
        checks.push({ kind: "variable", name, path, defaultRefusals });
        return;
      }
      default:
        return;
    }
  };
  const collectArgument = (argument: ArgumentNode) => {
    collect(argument.value, [argument.name.value]);
    return false;
  };
  visit(operation, { Argument: collectArgument });
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, { Argument: collectArgument });
  }
  checksOf.set(operation, checks);
  return checks;
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
  // Fresh errors each time: Apollo Server may annotate what it is thrown.
  for (const check of checksFor(document, operation)) {
    if (check.kind === "refused") throw refusal(check.path, check.problem);
    if (variables && Object.hasOwn(variables, check.name)) checkJson(variables[check.name], check.path);
    else {
      const [first] = check.defaultRefusals;
      if (first) throw refusal(first.path, first.problem);
    }
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
