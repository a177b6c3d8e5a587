import {
  CreateUserDocument,
  DeactivateUserDocument,
  RestoreUserDocument,
  SendPasswordResetDocument,
  UpdateUserDocument,
  UsersDocument,
  type UsersQuery,
} from "@taruvi/sdk";
import { type FormEvent, useState } from "react";
import { Form } from "react-aria-components";
import { useAction, useApi, usePagedFilter } from "../api";
import { useSession } from "../session";
import { Button, Checkbox, Choice, Field, Pager } from "../ui/controls";
import { Done, ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

type User = UsersQuery["users"]["edges"][number]["node"];

/** The site's users: search, create, edit, deactivate and restore, send a password reset. */
export const Users = () => {
  const { can } = useSession();
  const { filter, set, cursor } = usePagedFilter({ search: "", active: "all" });
  const users = useApi(UsersDocument, {
    first: 20,
    after: cursor.after,
    filter: {
      search: filter.search || null,
      isActive: filter.active === "all" ? null : filter.active === "active",
    },
  });
  const deactivate = useAction(DeactivateUserDocument);
  const restore = useAction(RestoreUserDocument);
  const reset = useAction(SendPasswordResetDocument);
  const [editing, setEditing] = useState<User | null>(null);
  const [done, setDone] = useState("");
  const manage = can("users.manage");

  return (
    <section className="stack">
      {manage ? <CreateUser onDone={setDone} /> : null}
      {editing ? <EditUser user={editing} onClose={() => setEditing(null)} onDone={setDone} /> : null}
      <Done>{done}</Done>
      <ErrorNotice error={deactivate.error ?? restore.error ?? reset.error} />
      <search className="filters">
        <Field label="Search users" name="search" value={filter.search} onChange={set("search")} />
        <Choice
          label="Status"
          value={filter.active}
          onChange={set("active")}
          options={[
            { value: "all", label: "All" },
            { value: "active", label: "Active" },
            { value: "inactive", label: "Deactivated" },
          ]}
        />
      </search>
      <QueryState query={users} what="users">
        {({ users: page }) => (
          <>
            <DataTable
              label="Users"
              rows={page.edges.map((e) => e.node)}
              empty="No users match."
              columns={[
                { name: "Email", cell: (u) => u.email },
                { name: "Name", cell: (u) => u.name },
                { name: "Status", cell: (u) => (u.isActive ? "Active" : "Deactivated") },
                { name: "Admin", cell: (u) => (u.isAdmin ? "Yes" : "No") },
                ...(manage
                  ? [
                      {
                        name: "Actions",
                        cell: (u: User) => (
                          <div className="actions">
                            <Button tone="quiet" aria-label={`Edit ${u.email}`} onPress={() => setEditing(u)}>
                              Edit
                            </Button>
                            {u.isActive ? (
                              <Button
                                tone="danger"
                                aria-label={`Deactivate ${u.email}`}
                                onPress={() =>
                                  deactivate.mutate(
                                    { id: u.id },
                                    { onSuccess: () => setDone(`${u.email} deactivated.`) },
                                  )
                                }
                              >
                                Deactivate
                              </Button>
                            ) : (
                              <Button
                                tone="quiet"
                                aria-label={`Restore ${u.email}`}
                                onPress={() =>
                                  restore.mutate(
                                    { id: u.id },
                                    { onSuccess: () => setDone(`${u.email} restored.`) },
                                  )
                                }
                              >
                                Restore
                              </Button>
                            )}
                            <Button
                              tone="quiet"
                              aria-label={`Send password reset to ${u.email}`}
                              onPress={() =>
                                reset.mutate(
                                  { userId: u.id },
                                  { onSuccess: () => setDone(`A password reset was sent to ${u.email}.`) },
                                )
                              }
                            >
                              Send password reset
                            </Button>
                          </div>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
            <Pager cursor={cursor} pageInfo={page.pageInfo} />
          </>
        )}
      </QueryState>
    </section>
  );
};

const CreateUser = ({ onDone }: { onDone: (message: string) => void }) => {
  const create = useAction(CreateUserDocument);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { input: { email, name, password, isAdmin } },
      {
        onSuccess: ({ createUser }) => {
          onDone(`${createUser.email} created.`);
          setEmail("");
          setName("");
          setPassword("");
          setIsAdmin(false);
        },
      },
    );
  };
  return (
    <details className="card">
      <summary>Create a user</summary>
      <Form onSubmit={submit} className="stack">
        <Field label="Email" name="new-email" type="email" value={email} onChange={setEmail} isRequired />
        <Field label="Name" name="new-name" value={name} onChange={setName} isRequired />
        <Field
          label="Password"
          name="new-password"
          type="password"
          value={password}
          onChange={setPassword}
          isRequired
          autoComplete="new-password"
        />
        <Checkbox isSelected={isAdmin} onChange={setIsAdmin}>
          Site administrator
        </Checkbox>
        <Button type="submit" isDisabled={create.isPending}>
          Create user
        </Button>
        <ErrorNotice error={create.error} />
      </Form>
    </details>
  );
};

const EditUser = ({
  user,
  onClose,
  onDone,
}: {
  user: User;
  onClose: () => void;
  onDone: (m: string) => void;
}) => {
  const update = useAction(UpdateUserDocument);
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(
      { id: user.id, input: { name, email } },
      {
        onSuccess: ({ updateUser }) => {
          onDone(`${updateUser.email} saved.`);
          onClose();
        },
      },
    );
  };
  return (
    <Form onSubmit={submit} className="card stack" aria-label={`Edit ${user.email}`}>
      <h2>Edit {user.email}</h2>
      <Field label="Name" name="edit-name" value={name} onChange={setName} isRequired />
      <Field label="Email" name="edit-email" type="email" value={email} onChange={setEmail} isRequired />
      <div className="actions">
        <Button type="submit" isDisabled={update.isPending}>
          Save
        </Button>
        <Button tone="quiet" onPress={onClose}>
          Cancel
        </Button>
      </div>
      <ErrorNotice error={update.error} />
    </Form>
  );
};
