import { AccountsDocument } from "@taruvi/sdk";
import { useApi, usePagedFilter } from "../api";
import { Field, Pager } from "../ui/controls";
import { QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

/** Platform accounts, searchable. */
export const Accounts = () => {
  const { filter, set, cursor } = usePagedFilter({ search: "" });
  const accounts = useApi(AccountsDocument, {
    first: 20,
    after: cursor.after,
    filter: { search: filter.search || null },
  });
  return (
    <section className="stack">
      <search className="filters">
        <Field label="Search accounts" name="search" value={filter.search} onChange={set("search")} />
      </search>
      <QueryState query={accounts} what="accounts">
        {({ accounts: page }) => (
          <>
            <DataTable
              label="Accounts"
              rows={page.edges.map((e) => e.node)}
              empty="No accounts match."
              columns={[
                { name: "Email", cell: (a) => a.email },
                { name: "Name", cell: (a) => a.name },
                { name: "Superuser", cell: (a) => (a.isAdmin ? "Yes" : "No") },
                { name: "Status", cell: (a) => (a.isActive ? "Active" : "Deactivated") },
                { name: "Email verified", cell: (a) => (a.emailVerified ? "Yes" : "No") },
                { name: "Created", cell: (a) => new Date(a.createdAt).toLocaleDateString() },
              ]}
            />
            <Pager cursor={cursor} pageInfo={page.pageInfo} />
          </>
        )}
      </QueryState>
    </section>
  );
};
