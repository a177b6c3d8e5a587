import { SystemStatusDocument } from "@taruvi/sdk";
import { useApi } from "../api";
import { QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

/** The platform's health: PostgreSQL, Redis and every subgraph, as /readyz reports them. */
export const SystemStatus = () => {
  const status = useApi(SystemStatusDocument, {});
  return (
    <QueryState query={status} what="the system status">
      {({ systemStatus }) => (
        <section className="stack">
          <p className={`notice ${systemStatus.status === "ready" ? "notice-ok" : "notice-error"}`}>
            Platform: <strong>{systemStatus.status}</strong> (checked{" "}
            {new Date(systemStatus.checkedAt).toLocaleTimeString()})
          </p>
          <DataTable
            label="Components"
            rows={systemStatus.components.map((c) => ({ ...c, id: c.name }))}
            empty="No components."
            columns={[
              { name: "Component", cell: (c) => c.name },
              { name: "State", cell: (c) => (c.ok ? "Up" : "Down") },
              { name: "Answered in", cell: (c) => `${c.latencyMs} ms` },
            ]}
          />
        </section>
      )}
    </QueryState>
  );
};
