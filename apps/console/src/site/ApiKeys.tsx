import {
  ApiKeysPageDocument,
  type ApiKeysPageQuery,
  CreateApiKeyDocument,
  RevokeApiKeyDocument,
} from "@taruvi/sdk";
import { type FormEvent, useState } from "react";
import { Form, Input, Label, TextField } from "react-aria-components";
import { useAction, useApi, usePagedFilter } from "../api";
import { useSession } from "../session";
import { Button, Checkbox, Choice, Field, Pager } from "../ui/controls";
import { ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

type ApiKey = ApiKeysPageQuery["apiKeysConnection"]["edges"][number]["node"];

/** The site's API keys: create one (the key is shown once), revoke. */
export const ApiKeys = () => {
  const { filter, set, cursor } = usePagedFilter({ revoked: "live" });
  const keys = useApi(ApiKeysPageDocument, {
    first: 20,
    after: cursor.after,
    filter: { revoked: filter.revoked === "all" ? null : filter.revoked === "revoked" },
  });
  const revoke = useAction(RevokeApiKeyDocument);
  return (
    <section className="stack">
      <CreateKey />
      <ErrorNotice error={revoke.error} />
      <search className="filters">
        <Choice
          label="Show keys"
          value={filter.revoked}
          onChange={set("revoked")}
          options={[
            { value: "live", label: "Not revoked" },
            { value: "revoked", label: "Revoked" },
            { value: "all", label: "All" },
          ]}
        />
      </search>
      <QueryState query={keys} what="API keys">
        {({ apiKeysConnection: page }) => (
          <>
            <DataTable
              label="API keys"
              rows={page.edges.map((e) => e.node)}
              empty="No API keys."
              columns={[
                { name: "Name", cell: (k) => k.name },
                { name: "Prefix", cell: (k) => <code>{k.prefix}</code> },
                { name: "Scopes", cell: (k) => k.scopes.join(", ") },
                {
                  name: "Expires",
                  cell: (k) => (k.expiresAt ? new Date(k.expiresAt).toLocaleDateString() : "Never"),
                },
                {
                  name: "Last used",
                  cell: (k) => (k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : "Never"),
                },
                {
                  name: "Actions",
                  cell: (k: ApiKey) =>
                    k.revokedAt ? (
                      `Revoked ${new Date(k.revokedAt).toLocaleString()}`
                    ) : (
                      <Button
                        tone="danger"
                        aria-label={`Revoke ${k.name}`}
                        onPress={() => revoke.mutate({ id: k.id })}
                      >
                        Revoke
                      </Button>
                    ),
                },
              ]}
            />
            <Pager cursor={cursor} pageInfo={page.pageInfo} />
          </>
        )}
      </QueryState>
    </section>
  );
};

/** A new key with scopes the caller holds; the key is shown here once and never again. */
const CreateKey = () => {
  const { permissions } = useSession();
  const create = useAction(CreateApiKeyDocument);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>([]);
  const [key, setKey] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { input: { name, scopes } },
      {
        onSuccess: ({ createApiKey }) => {
          setKey(createApiKey.key);
          setName("");
          setScopes([]);
        },
      },
    );
  };
  return (
    <details className="card">
      <summary>Create an API key</summary>
      <Form onSubmit={submit} className="stack">
        <Field label="Key name" name="key-name" value={name} onChange={setName} isRequired />
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {permissions.permissions.map((p) => (
            <Checkbox
              key={p}
              isSelected={scopes.includes(p)}
              onChange={(on) => setScopes((s) => (on ? [...s, p] : s.filter((x) => x !== p)))}
            >
              {p}
            </Checkbox>
          ))}
        </fieldset>
        <Button type="submit" isDisabled={create.isPending}>
          Create API key
        </Button>
        <ErrorNotice error={create.error} />
      </Form>
      {key ? (
        <div role="status" className="notice notice-ok stack">
          <p>Copy this key now: it is shown only once.</p>
          <TextField className="field" value={key} isReadOnly>
            <Label>New API key</Label>
            <Input className="secret" />
          </TextField>
        </div>
      ) : null}
    </details>
  );
};
