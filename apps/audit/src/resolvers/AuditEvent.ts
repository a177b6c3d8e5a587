import { isUuid } from "@taruvi/validation";
import { GraphQLScalarType } from "graphql";
import type { Context } from "../context";
import type { AuditEventView } from "../views";

export const AuditEvent = {
  __resolveReference: (ref: { id: string }, ctx: Context) =>
    isUuid(ref.id) ? ctx.loaders.eventById.load(ref.id) : null,
  /** A person of this scope (identity resolves the User): an account on the platform, a user in a site. */
  actor: (event: AuditEventView, _: unknown, ctx: Context) =>
    event.actorId && event.actorType === (ctx.tenant ? "USER" : "ACCOUNT")
      ? { __typename: "User", id: event.actorId }
      : null,
  occurredAt: (event: AuditEventView) => event.occurredAt.toISOString(),
};

export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  description: "Any JSON value.",
  serialize: (value) => value,
  parseValue: (value) => value,
});
