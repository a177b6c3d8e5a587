import {
  DeleteSiteDocument,
  PlatformSitesDocument,
  type PlatformSitesQuery,
  RestoreSiteDocument,
  ResumeSiteDocument,
  type SiteStatus,
  SuspendSiteDocument,
} from "@taruvi/sdk";
import { useState } from "react";
import { useAction, useApi, usePagedFilter } from "../api";
import { Button, Choice, Field, Pager } from "../ui/controls";
import { Done, ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

type Site = PlatformSitesQuery["platformSites"]["edges"][number]["node"];
type Verb = "suspend" | "resume" | "delete" | "restore";

/** Which sites a verb applies to: the others in a selection are left as they are. */
const APPLIES: Record<Verb, (s: Site) => boolean> = {
  suspend: (s) => s.status === "ACTIVE",
  resume: (s) => s.status === "SUSPENDED",
  delete: (s) => s.status === "ACTIVE" || s.status === "SUSPENDED",
  restore: (s) => s.status === "DELETED",
};

/** Every site on the platform: filter by status and text, act on one or on a selection. */
export const PlatformSites = () => {
  const { filter, set, cursor } = usePagedFilter({ status: "", search: "" });
  const sites = useApi(PlatformSitesDocument, {
    first: 20,
    after: cursor.after,
    filter: { status: (filter.status || null) as SiteStatus | null, search: filter.search || null },
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [done, setDone] = useState("");
  const actions = {
    suspend: useAction(SuspendSiteDocument),
    resume: useAction(ResumeSiteDocument),
    delete: useAction(DeleteSiteDocument),
    restore: useAction(RestoreSiteDocument),
  };
  const [error, setError] = useState<unknown>(null);
  const rows = sites.data?.platformSites.edges.map((e) => e.node) ?? [];

  const run = async (verb: Verb, targets: Site[]) => {
    setError(null);
    const applicable = targets.filter(APPLIES[verb]);
    const results = await Promise.allSettled(applicable.map((s) => actions[verb].mutateAsync({ id: s.id })));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) setError(failed.reason);
    const ok = results.filter((r) => r.status === "fulfilled").length;
    setDone(`${verb[0]?.toUpperCase()}${verb.slice(1)}: ${ok} of ${targets.length} site(s) changed.`);
    setSelected(new Set());
  };
  const chosen = rows.filter((s) => selected.has(s.id));
  /** A selection is of the rows shown: a new filter (and its first page) clears it. */
  const filterBy = (key: keyof typeof filter) => (value: string) => {
    set(key)(value);
    setSelected(new Set());
  };

  return (
    <section className="stack">
      <search className="filters">
        <Choice
          label="Status"
          value={filter.status}
          onChange={filterBy("status")}
          options={[
            { value: "", label: "Any" },
            ...["ACTIVE", "SUSPENDED", "DELETED", "PROVISIONING"].map((s) => ({
              value: s,
              label: s[0] + s.slice(1).toLowerCase(),
            })),
          ]}
        />
        <Field label="Search sites" name="search" value={filter.search} onChange={filterBy("search")} />
      </search>
      <fieldset className="bulk">
        <legend className="sr-only">Bulk actions</legend>
        <span>{chosen.length} selected</span>
        {(["suspend", "resume", "delete", "restore"] as const).map((verb) => (
          <Button
            key={verb}
            tone={verb === "delete" || verb === "suspend" ? "danger" : "quiet"}
            isDisabled={!chosen.some(APPLIES[verb])}
            onPress={() => void run(verb, chosen)}
          >
            {`${verb[0]?.toUpperCase()}${verb.slice(1)} selected`}
          </Button>
        ))}
      </fieldset>
      <Done>{done}</Done>
      <ErrorNotice error={error} />
      <QueryState query={sites} what="sites">
        {({ platformSites: page }) => (
          <>
            <DataTable
              label="Sites"
              rows={page.edges.map((e) => e.node)}
              empty="No sites match."
              rowLabel={(s) => s.slug}
              selected={selected}
              onSelectedChange={setSelected}
              columns={[
                { name: "Slug", cell: (s) => s.slug },
                { name: "Name", cell: (s) => s.name },
                { name: "Organization", cell: (s) => s.organization?.slug ?? "—" },
                {
                  name: "Status",
                  cell: (s) => <span className={`status status-${s.status.toLowerCase()}`}>{s.status}</span>,
                },
                {
                  name: "Domains",
                  cell: (s) => s.domains.map((d) => `${d.hostname} (${d.status})`).join(", ") || "—",
                },
                {
                  name: "Restorable until",
                  cell: (s) => (s.restorableUntil ? new Date(s.restorableUntil).toLocaleDateString() : "—"),
                },
                {
                  name: "Actions",
                  cell: (s) => (
                    <div className="actions">
                      {(["suspend", "resume", "delete", "restore"] as const)
                        .filter((verb) => APPLIES[verb](s))
                        .map((verb) => (
                          <Button
                            key={verb}
                            tone={verb === "delete" || verb === "suspend" ? "danger" : "quiet"}
                            aria-label={`${verb[0]?.toUpperCase()}${verb.slice(1)} ${s.slug}`}
                            onPress={() => void run(verb, [s])}
                          >
                            {`${verb[0]?.toUpperCase()}${verb.slice(1)}`}
                          </Button>
                        ))}
                    </div>
                  ),
                },
              ]}
            />
            <Pager
              // A selection belongs to the page it was made on.
              cursor={{
                page: cursor.page,
                previous: () => {
                  cursor.previous();
                  setSelected(new Set());
                },
                next: (endCursor) => {
                  cursor.next(endCursor);
                  setSelected(new Set());
                },
              }}
              pageInfo={page.pageInfo}
            />
          </>
        )}
      </QueryState>
    </section>
  );
};
