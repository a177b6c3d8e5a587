import { AuditEventsDocument, type AuditEventsQuery } from "@taruvi/sdk";
import { type FormEvent, useState } from "react";
import { Form } from "react-aria-components";
import { useApi, usePagedFilter } from "../api";
import { Button, Field, Pager } from "../ui/controls";
import { QueryState } from "../ui/feedback";

type AuditEvent = AuditEventsQuery["auditEvents"]["edges"][number]["node"];
type Filter = { actorId: string; entityType: string; action: string; from: string; to: string };
const NO_FILTER: Filter = { actorId: "", entityType: "", action: "", from: "", to: "" };

const show = (value: unknown) => (value === null || value === undefined ? "—" : JSON.stringify(value));

/** A readable before/after of an event's `changes` ({ field: { before, after } }). */
const Diff = ({ changes }: { changes: unknown }) => {
  if (!changes || typeof changes !== "object") return <span className="muted">No changes recorded.</span>;
  const entries = Object.entries(changes as Record<string, { before?: unknown; after?: unknown } | unknown>);
  return (
    <table className="diff">
      <caption className="sr-only">Changes</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([field, change]) => {
          const pair = change && typeof change === "object" && ("before" in change || "after" in change);
          const { before, after } = pair
            ? (change as { before?: unknown; after?: unknown })
            : { before: undefined, after: change };
          return (
            <tr key={field}>
              <th scope="row">{field}</th>
              <td className="before">{show(before)}</td>
              <td className="after">{show(after)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
};

const Event = ({ event }: { event: AuditEvent }) => (
  <li className="event card">
    <div className="event-head">
      <strong>{event.action}</strong>{" "}
      <span>
        {event.entityType} {event.entityId}
      </span>
      <time dateTime={event.occurredAt}>{new Date(event.occurredAt).toLocaleString()}</time>
    </div>
    <div className="muted">
      by {event.actorType} {event.actorId ?? "—"} · request {event.requestId ?? "—"}
    </div>
    <Diff changes={event.changes} />
  </li>
);

/** The audit trail of this scope, newest first, filtered by actor, entity, action and time. */
export const AuditTrail = () => {
  const [draft, setDraft] = useState<Filter>(NO_FILTER);
  const { filter, replace, cursor } = usePagedFilter<Filter>(NO_FILTER);
  const events = useApi(AuditEventsDocument, {
    first: 20,
    after: cursor.after,
    filter: {
      actorId: filter.actorId || null,
      entityType: filter.entityType || null,
      action: filter.action || null,
      from: filter.from ? new Date(filter.from).toISOString() : null,
      to: filter.to ? new Date(filter.to).toISOString() : null,
    },
  });
  const set = (key: keyof Filter) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    replace(draft);
  };
  return (
    <section className="stack">
      <Form onSubmit={apply} className="filters" role="search" aria-label="Filter the audit trail">
        <Field label="Actor id" name="actorId" value={draft.actorId} onChange={set("actorId")} />
        <Field
          label="Entity type"
          name="entityType"
          value={draft.entityType}
          onChange={set("entityType")}
          placeholder="User, Site…"
        />
        <Field
          label="Action"
          name="action"
          value={draft.action}
          onChange={set("action")}
          placeholder="user.created"
        />
        <Field label="From" name="from" type="datetime-local" value={draft.from} onChange={set("from")} />
        <Field label="To" name="to" type="datetime-local" value={draft.to} onChange={set("to")} />
        <Button type="submit">Filter</Button>
      </Form>
      <QueryState query={events} what="audit events">
        {({ auditEvents: page }) => (
          <>
            {page.edges.length === 0 ? (
              <p className="muted empty">No events match.</p>
            ) : (
              <ol className="plain events" aria-label="Audit events">
                {page.edges.map((e) => (
                  <Event key={e.node.id} event={e.node} />
                ))}
              </ol>
            )}
            <Pager cursor={cursor} pageInfo={page.pageInfo} />
          </>
        )}
      </QueryState>
    </section>
  );
};
