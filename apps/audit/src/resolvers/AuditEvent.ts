import { isUuid } from "@taruvi/tenancy";
import { GraphQLScalarType } from "graphql";
import type { AuditEventView, Context } from "../context";

/** A user of this scope made the change: the identity subgraph resolves it. */
const PERSON_ACTORS = new Set(["USER", "ACCOUNT"]);

export const AuditEvent = {
  __resolveReference: (ref: { id: string }, ctx: Context) =>
    isUuid(ref.id) ? ctx.loaders.eventById.load(ref.id) : null,
  actor: (event: AuditEventView) =>
    event.actorId && PERSON_ACTORS.has(event.actorType) ? { __typename: "User", id: event.actorId } : null,
  occurredAt: (event: AuditEventView) => event.occurredAt.toISOString(),
};

export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  description: "Any JSON value.",
  serialize: (value) => value,
  parseValue: (value) => value,
});
