import { PermissionGrantsDocument, RevokePermissionDocument } from "@taruvi/sdk";
import { useState } from "react";
import { useAction, useApi } from "../api";
import { Button, Choice } from "../ui/controls";
import { ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

/** Who holds what: every grant of the site, model-wide or on one object, and revoking one. */
export const Access = () => {
  const [objectType, setObjectType] = useState("");
  const grants = useApi(PermissionGrantsDocument, { objectType: objectType || null });
  const revoke = useAction(RevokePermissionDocument);
  return (
    <section className="stack">
      <search className="filters">
        <Choice
          label="Held on"
          value={objectType}
          onChange={setObjectType}
          options={[
            { value: "", label: "Anything (model-wide and objects)" },
            { value: "User", label: "A user" },
            { value: "Group", label: "A group" },
            { value: "ApiKey", label: "An API key" },
          ]}
        />
      </search>
      <ErrorNotice error={revoke.error} />
      <QueryState query={grants} what="grants">
        {({ permissionGrants }) => (
          <DataTable
            label="Grants"
            rows={permissionGrants}
            empty="No grants."
            columns={[
              { name: "Permission", cell: (g) => g.permission },
              { name: "Holder", cell: (g) => `${g.principalType} ${g.principalId}` },
              { name: "On", cell: (g) => (g.objectType ? `${g.objectType} ${g.objectId}` : "Model-wide") },
              { name: "Since", cell: (g) => new Date(g.createdAt).toLocaleString() },
              {
                name: "Actions",
                cell: (g) => (
                  <Button
                    tone="danger"
                    aria-label={`Revoke ${g.permission} of ${g.principalId}`}
                    onPress={() => revoke.mutate({ id: g.id })}
                  >
                    Revoke
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </section>
  );
};
