import {
  type OrganizationPlan,
  PlatformOrganizationsDocument,
  UpdateOrganizationDocument,
} from "@taruvi/sdk";
import { useState } from "react";
import { useAction, useApi, usePagedFilter } from "../api";
import { OrganizationDetail } from "../org/Organizations";
import { Button, Choice, Field, Pager } from "../ui/controls";
import { ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

const PLANS = ["FREE", "PRO", "ENTERPRISE"].map((p) => ({
  value: p,
  label: p[0] + p.slice(1).toLowerCase(),
}));

/** Every organization: search, filter by plan, change a plan. */
export const PlatformOrganizations = () => {
  const { filter, set, cursor } = usePagedFilter({ search: "", plan: "" });
  const organizations = useApi(PlatformOrganizationsDocument, {
    first: 20,
    after: cursor.after,
    filter: { search: filter.search || null, plan: (filter.plan || null) as OrganizationPlan | null },
  });
  const update = useAction(UpdateOrganizationDocument);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section className="stack">
      <search className="filters">
        <Field label="Search organizations" name="search" value={filter.search} onChange={set("search")} />
        <Choice
          label="Plan"
          value={filter.plan}
          onChange={set("plan")}
          options={[{ value: "", label: "Any" }, ...PLANS]}
        />
      </search>
      <ErrorNotice error={update.error} />
      <QueryState query={organizations} what="organizations">
        {({ platformOrganizations: page }) => (
          <>
            <DataTable
              label="Organizations"
              rows={page.edges.map((e) => e.node)}
              empty="No organizations match."
              columns={[
                { name: "Slug", cell: (o) => o.slug },
                { name: "Name", cell: (o) => o.name },
                {
                  name: "Plan",
                  cell: (o) => (
                    <Choice
                      label={`Plan of ${o.slug}`}
                      value={o.plan}
                      onChange={(p) => update.mutate({ id: o.id, input: { plan: p as OrganizationPlan } })}
                      options={PLANS}
                    />
                  ),
                },
                { name: "Created", cell: (o) => new Date(o.createdAt).toLocaleDateString() },
                {
                  name: "Actions",
                  cell: (o) => (
                    <Button tone="quiet" aria-label={`Open ${o.slug}`} onPress={() => setOpen(o.slug)}>
                      Open
                    </Button>
                  ),
                },
              ]}
            />
            <Pager cursor={cursor} pageInfo={page.pageInfo} />
          </>
        )}
      </QueryState>
      {open ? <OrganizationDetail slug={open} /> : null}
    </section>
  );
};
