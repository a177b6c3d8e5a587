import {
  AddGroupMemberDocument,
  CreateGroupDocument,
  DeleteGroupDocument,
  GrantPermissionDocument,
  GroupsPageDocument,
  type GroupsPageQuery,
  PermissionCatalogDocument,
  RemoveGroupMemberDocument,
  RevokePermissionDocument,
  UsersDocument,
} from "@taruvi/sdk";
import { type FormEvent, useState } from "react";
import { Form } from "react-aria-components";
import { useAction, useApi, usePagedFilter } from "../api";
import { useSession } from "../session";
import { Button, Choice, Field, Pager } from "../ui/controls";
import { Done, ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

type Group = GroupsPageQuery["groupsConnection"]["edges"][number]["node"];

/** Groups, their members and the permissions they carry. */
export const Groups = () => {
  const { can } = useSession();
  const manage = can("groups.manage");
  const { filter, set, cursor } = usePagedFilter({ search: "" });
  const groups = useApi(GroupsPageDocument, {
    first: 20,
    after: cursor.after,
    filter: { search: filter.search || null },
  });
  const remove = useAction(DeleteGroupDocument);
  const [openId, setOpenId] = useState<string | null>(null);
  const [done, setDone] = useState("");
  return (
    <section className="stack">
      {manage ? <CreateGroup onDone={setDone} /> : null}
      <Done>{done}</Done>
      <ErrorNotice error={remove.error} />
      <search className="filters">
        <Field label="Search groups" name="search" value={filter.search} onChange={set("search")} />
      </search>
      <QueryState query={groups} what="groups">
        {({ groupsConnection: page }) => {
          const rows = page.edges.map((e) => e.node);
          const open = rows.find((g) => g.id === openId);
          return (
            <>
              <DataTable
                label="Groups"
                rows={rows}
                empty="No groups yet."
                columns={[
                  { name: "Name", cell: (g) => g.name },
                  { name: "Members", cell: (g) => g.members.map((m) => m.email).join(", ") || "—" },
                  {
                    name: "Permissions",
                    cell: (g) => g.permissions.map((p) => p.permission).join(", ") || "—",
                  },
                  {
                    name: "Actions",
                    cell: (g: Group) => (
                      <div className="actions">
                        <Button tone="quiet" aria-label={`Open ${g.name}`} onPress={() => setOpenId(g.id)}>
                          Open
                        </Button>
                        {manage ? (
                          <Button
                            tone="danger"
                            aria-label={`Delete ${g.name}`}
                            onPress={() =>
                              remove.mutate({ id: g.id }, { onSuccess: () => setDone(`${g.name} deleted.`) })
                            }
                          >
                            Delete
                          </Button>
                        ) : null}
                      </div>
                    ),
                  },
                ]}
              />
              <Pager cursor={cursor} pageInfo={page.pageInfo} />
              {open ? <GroupDetail group={open} manage={manage} onDone={setDone} /> : null}
            </>
          );
        }}
      </QueryState>
    </section>
  );
};

const CreateGroup = ({ onDone }: { onDone: (m: string) => void }) => {
  const create = useAction(CreateGroupDocument);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { input: { name, description: description || null } },
      {
        onSuccess: ({ createGroup }) => {
          onDone(`${createGroup.name} created.`);
          setName("");
          setDescription("");
        },
      },
    );
  };
  return (
    <details className="card">
      <summary>Create a group</summary>
      <Form onSubmit={submit} className="stack">
        <Field label="Group name" name="group-name" value={name} onChange={setName} isRequired />
        <Field label="Description" name="group-description" value={description} onChange={setDescription} />
        <Button type="submit" isDisabled={create.isPending}>
          Create group
        </Button>
        <ErrorNotice error={create.error} />
      </Form>
    </details>
  );
};

const GroupDetail = ({
  group,
  manage,
  onDone,
}: {
  group: Group;
  manage: boolean;
  onDone: (m: string) => void;
}) => {
  const users = useApi(UsersDocument, { first: 100, after: null, filter: { isActive: true } }, manage);
  const catalog = useApi(PermissionCatalogDocument, {}, manage);
  const add = useAction(AddGroupMemberDocument);
  const removeMember = useAction(RemoveGroupMemberDocument);
  const grant = useAction(GrantPermissionDocument);
  const revoke = useAction(RevokePermissionDocument);
  const [userId, setUserId] = useState("");
  const [permission, setPermission] = useState("");
  return (
    <section className="card stack" aria-labelledby="group-detail">
      <h2 id="group-detail">{group.name}</h2>
      {group.description ? <p>{group.description}</p> : null}
      <h3>Members</h3>
      <ul className="plain">
        {group.members.map((m) => (
          <li key={m.id}>
            {m.email}{" "}
            {manage ? (
              <Button
                tone="quiet"
                aria-label={`Remove ${m.email} from ${group.name}`}
                onPress={() => removeMember.mutate({ groupId: group.id, userId: m.id })}
              >
                Remove
              </Button>
            ) : null}
          </li>
        ))}
        {group.members.length === 0 ? <li className="muted">No members.</li> : null}
      </ul>
      <h3>Permissions</h3>
      <ul className="plain">
        {group.permissions.map((p) => (
          <li key={p.id}>
            {p.permission}
            {p.objectType ? ` on ${p.objectType} ${p.objectId}` : " (model-wide)"}{" "}
            {manage ? (
              <Button
                tone="quiet"
                aria-label={`Revoke ${p.permission} from ${group.name}`}
                onPress={() => revoke.mutate({ id: p.id })}
              >
                Revoke
              </Button>
            ) : null}
          </li>
        ))}
        {group.permissions.length === 0 ? <li className="muted">No permissions.</li> : null}
      </ul>
      {manage ? (
        <div className="filters">
          <Choice
            label="User to add"
            value={userId}
            onChange={setUserId}
            options={[
              { value: "", label: "Choose a user" },
              ...(users.data?.users.edges.map((e) => ({ value: e.node.id, label: e.node.email })) ?? []),
            ]}
          />
          <Button
            isDisabled={!userId}
            onPress={() =>
              add.mutate({ groupId: group.id, userId }, { onSuccess: () => onDone("Member added.") })
            }
          >
            Add member
          </Button>
          <Choice
            label="Permission to grant"
            value={permission}
            onChange={setPermission}
            options={[
              { value: "", label: "Choose a permission" },
              ...(catalog.data?.permissionCatalog.map((p) => ({
                value: p.name,
                label: `${p.name}: ${p.description}`,
              })) ?? []),
            ]}
          />
          <Button
            isDisabled={!permission}
            onPress={() =>
              grant.mutate(
                { input: { permission, groupId: group.id } },
                { onSuccess: () => onDone(`${permission} granted.`) },
              )
            }
          >
            Grant permission
          </Button>
        </div>
      ) : null}
      <ErrorNotice error={add.error ?? removeMember.error ?? grant.error ?? revoke.error} />
    </section>
  );
};
