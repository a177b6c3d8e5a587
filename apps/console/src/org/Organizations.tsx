import {
  AddDomainDocument,
  CreateSiteDocument,
  InvitationsPageDocument,
  InviteMemberDocument,
  OrganizationDocument,
  type OrganizationQuery,
  type OrganizationRole,
  OrganizationsDocument,
  RemoveDomainDocument,
  RemoveMemberDocument,
  ResendInvitationDocument,
  RevokeInvitationDocument,
  SetPrimaryDomainDocument,
  SiteDocument,
  UpdateMemberRoleDocument,
  UpdateSiteDocument,
  VerifyDomainDocument,
} from "@taruvi/sdk";
import { type FormEvent, useState } from "react";
import { Form } from "react-aria-components";
import { useAction, useApi, usePagedFilter } from "../api";
import { useSession } from "../session";
import { Button, Checkbox, Choice, Field, Pager } from "../ui/controls";
import { Done, ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

type Organization = NonNullable<OrganizationQuery["organization"]>;
const ROLES = ["OWNER", "ADMIN", "MEMBER"].map((r) => ({ value: r, label: r[0] + r.slice(1).toLowerCase() }));

/** The caller's organizations; one opened: members, invitations and sites. */
export const Organizations = () => {
  const list = useApi(OrganizationsDocument, {});
  const [slug, setSlug] = useState<string | null>(null);
  return (
    <section className="stack">
      <QueryState query={list} what="organizations">
        {({ organizations }) => (
          <DataTable
            label="Your organizations"
            rows={organizations}
            empty="You are not a member of any organization."
            columns={[
              { name: "Name", cell: (o) => o.name },
              { name: "Slug", cell: (o) => o.slug },
              { name: "Plan", cell: (o) => o.plan },
              { name: "Your role", cell: (o) => o.viewerRole ?? "—" },
              { name: "Sites", cell: (o) => o.sites?.length ?? 0 },
              {
                name: "Actions",
                cell: (o) => (
                  <Button tone="quiet" aria-label={`Open ${o.name}`} onPress={() => setSlug(o.slug)}>
                    Open
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
      {slug ? <OrganizationDetail slug={slug} /> : null}
    </section>
  );
};

/** Owners and admins manage an organization; so do superusers (who have no role in it). */
const useManages = (organization: Organization) => {
  const { permissions } = useSession();
  return permissions.admin || organization.viewerRole === "OWNER" || organization.viewerRole === "ADMIN";
};

/** One organization: its members, invitations (for those who manage it) and sites. */
export const OrganizationDetail = ({ slug }: { slug: string }) => {
  const query = useApi(OrganizationDocument, { slug });
  return (
    <QueryState query={query} what="the organization">
      {({ organization }) =>
        organization ? (
          <section className="stack" aria-labelledby="org-title">
            <h2 id="org-title">{organization.name}</h2>
            <Members organization={organization} />
            <InvitationsIfManaged organization={organization} />
            <Sites organization={organization} />
          </section>
        ) : (
          <ErrorNotice error={new Error("This organization is not visible to you.")} />
        )
      }
    </QueryState>
  );
};

/**
 * Whether myPermissions lets the caller administer a site of the organization: manage_sites on
 * the organization (owners, admins, its grantees), admin_site on the site, or a superuser.
 */
const useSiteAdmin = (organizationId: string) => {
  const { permissions } = useSession();
  return (siteId: string | null) =>
    permissions.admin ||
    permissions.objects.some(
      (o) =>
        (o.objectType === "Organization" &&
          o.objectId === organizationId &&
          o.permission === "manage_sites") ||
        (siteId !== null &&
          o.objectType === "Site" &&
          o.objectId === siteId &&
          o.permission === "admin_site"),
    );
};

const InvitationsIfManaged = ({ organization }: { organization: Organization }) =>
  useManages(organization) ? <Invitations organizationId={organization.id} /> : null;

const Members = ({ organization }: { organization: Organization }) => {
  const manage = useManages(organization);
  const setRole = useAction(UpdateMemberRoleDocument);
  const remove = useAction(RemoveMemberDocument);
  return (
    <section className="stack" aria-labelledby="members-title">
      <h3 id="members-title">Members</h3>
      <ErrorNotice error={setRole.error ?? remove.error} />
      <DataTable
        label="Members"
        rows={organization.members.map((m) => ({ ...m, id: m.userId }))}
        empty="No members."
        columns={[
          { name: "Email", cell: (m) => m.user?.email ?? m.userId },
          {
            name: "Role",
            cell: (m) =>
              manage ? (
                <Choice
                  label={`Role of ${m.user?.email ?? m.userId}`}
                  value={m.role}
                  onChange={(role) =>
                    setRole.mutate({
                      organizationId: organization.id,
                      userId: m.userId,
                      role: role as OrganizationRole,
                    })
                  }
                  options={ROLES}
                />
              ) : (
                m.role
              ),
          },
          { name: "Joined", cell: (m) => new Date(m.joinedAt).toLocaleDateString() },
          ...(manage
            ? [
                {
                  name: "Actions",
                  cell: (m: { userId: string; user?: { email: string } | null }) => (
                    <Button
                      tone="danger"
                      aria-label={`Remove ${m.user?.email ?? m.userId}`}
                      onPress={() => remove.mutate({ organizationId: organization.id, userId: m.userId })}
                    >
                      Remove
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
    </section>
  );
};

const Invitations = ({ organizationId }: { organizationId: string }) => {
  const { filter, set, cursor } = usePagedFilter({ status: "PENDING" });
  const invitations = useApi(InvitationsPageDocument, {
    organizationId,
    status: filter.status as "PENDING",
    first: 20,
    after: cursor.after,
  });
  const invite = useAction(InviteMemberDocument);
  const resend = useAction(ResendInvitationDocument);
  const revoke = useAction(RevokeInvitationDocument);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("MEMBER");
  const [done, setDone] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate(
      { input: { organizationId, email, role: role as OrganizationRole } },
      {
        onSuccess: () => {
          setDone(`Invitation sent to ${email}.`);
          setEmail("");
        },
      },
    );
  };
  return (
    <section className="stack" aria-labelledby="invitations-title">
      <h3 id="invitations-title">Invitations</h3>
      <Form onSubmit={submit} className="filters" aria-label="Invite a member">
        <Field
          label="Invitee email"
          name="invite-email"
          type="email"
          value={email}
          onChange={setEmail}
          isRequired
        />
        <Choice label="Role" value={role} onChange={setRole} options={ROLES} />
        <Button type="submit" isDisabled={invite.isPending}>
          Send invitation
        </Button>
      </Form>
      <Done>{done}</Done>
      <ErrorNotice error={invite.error ?? resend.error ?? revoke.error} />
      <Choice
        label="Invitation status"
        value={filter.status}
        onChange={set("status")}
        options={["PENDING", "ACCEPTED", "REVOKED", "EXPIRED"].map((s) => ({
          value: s,
          label: s[0] + s.slice(1).toLowerCase(),
        }))}
      />
      <QueryState query={invitations} what="invitations">
        {({ invitationsConnection: page }) => (
          <>
            <DataTable
              label="Invitations"
              rows={page.edges.map((e) => e.node)}
              empty="No invitations in this state."
              columns={[
                { name: "Email", cell: (i) => i.email },
                { name: "Role", cell: (i) => i.role },
                { name: "Status", cell: (i) => i.status },
                { name: "Expires", cell: (i) => new Date(i.expiresAt).toLocaleDateString() },
                {
                  name: "Actions",
                  cell: (i) =>
                    i.status === "PENDING" || i.status === "EXPIRED" ? (
                      <div className="actions">
                        <Button
                          tone="quiet"
                          aria-label={`Resend to ${i.email}`}
                          onPress={() =>
                            resend.mutate(
                              { id: i.id },
                              { onSuccess: () => setDone(`Invitation re-sent to ${i.email}.`) },
                            )
                          }
                        >
                          Resend
                        </Button>
                        {i.status === "PENDING" ? (
                          <Button
                            tone="danger"
                            aria-label={`Revoke the invitation of ${i.email}`}
                            onPress={() =>
                              revoke.mutate(
                                { id: i.id },
                                { onSuccess: () => setDone(`Invitation of ${i.email} revoked.`) },
                              )
                            }
                          >
                            Revoke
                          </Button>
                        ) : null}
                      </div>
                    ) : (
                      "—"
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

const Sites = ({ organization }: { organization: Organization }) => {
  const mayAdmin = useSiteAdmin(organization.id);
  const [open, setOpen] = useState<{ slug: string; manage: boolean } | null>(null);
  return (
    <section className="stack" aria-labelledby="sites-title">
      <h3 id="sites-title">Sites</h3>
      {mayAdmin(null) ? <CreateSite organizationId={organization.id} /> : null}
      <DataTable
        label="Sites"
        rows={organization.sites ?? []}
        empty="No sites yet."
        columns={[
          { name: "Name", cell: (s) => s.name },
          { name: "Address", cell: (s) => s.defaultHostname },
          { name: "Status", cell: (s) => s.status },
          {
            name: "Actions",
            cell: (s) =>
              mayAdmin(s.id) ? (
                <Button
                  tone="quiet"
                  aria-label={`Settings and domains of ${s.name}`}
                  onPress={() => setOpen({ slug: s.slug, manage: true })}
                >
                  Settings and domains
                </Button>
              ) : (
                <Button
                  tone="quiet"
                  aria-label={`Domains of ${s.name}`}
                  onPress={() => setOpen({ slug: s.slug, manage: false })}
                >
                  Domains
                </Button>
              ),
          },
        ]}
      />
      {open ? <SiteDomains key={open.slug} slug={open.slug} manage={open.manage} /> : null}
    </section>
  );
};

const CreateSite = ({ organizationId }: { organizationId: string }) => {
  const create = useAction(CreateSiteDocument);
  const [form, setForm] = useState({ name: "", slug: "", adminEmail: "", adminPassword: "" });
  const [done, setDone] = useState("");
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { input: { organizationId, ...form } },
      {
        onSuccess: ({ createSite }) => {
          setDone(`${createSite.name} is ${createSite.status}.`);
          setForm({ name: "", slug: "", adminEmail: "", adminPassword: "" });
        },
      },
    );
  };
  return (
    <details className="card">
      <summary>Create a site</summary>
      <Form onSubmit={submit} className="stack">
        <Field label="Site name" name="site-name" value={form.name} onChange={set("name")} isRequired />
        <Field label="Site slug" name="site-slug" value={form.slug} onChange={set("slug")} isRequired />
        <Field
          label="First admin's email"
          name="admin-email"
          type="email"
          value={form.adminEmail}
          onChange={set("adminEmail")}
          isRequired
        />
        <Field
          label="First admin's password"
          name="admin-password"
          type="password"
          value={form.adminPassword}
          onChange={set("adminPassword")}
          isRequired
          autoComplete="new-password"
        />
        <Button type="submit" isDisabled={create.isPending}>
          Create site
        </Button>
        <Done>{done}</Done>
        <ErrorNotice error={create.error} />
      </Form>
    </details>
  );
};

/** A site of the organization: its name and settings, and its custom domains (changed by those who manage it). */
const SiteDomains = ({ slug, manage }: { slug: string; manage: boolean }) => {
  const site = useApi(SiteDocument, { slug });
  const add = useAction(AddDomainDocument);
  const verify = useAction(VerifyDomainDocument);
  const primary = useAction(SetPrimaryDomainDocument);
  const remove = useAction(RemoveDomainDocument);
  const [domain, setDomain] = useState("");
  const [confirming, setConfirming] = useState<string | null>(null);
  const [done, setDone] = useState("");
  return (
    <QueryState query={site} what="the site's domains">
      {({ site: s }) =>
        s ? (
          <section className="card stack" aria-labelledby="domains-title">
            <h4 id="domains-title">Domains of {s.name}</h4>
            {manage ? <SiteSettingsForm site={s} onDone={setDone} /> : null}
            <DataTable
              label={`Domains of ${s.name}`}
              rows={s.domains}
              empty="No custom domains."
              columns={[
                { name: "Host name", cell: (d) => d.hostname },
                { name: "Status", cell: (d) => (d.isPrimary ? `${d.status}, primary` : d.status) },
                {
                  name: "TXT record",
                  cell: (d) => <code>{`${d.verification.recordName} ${d.verification.recordValue}`}</code>,
                },
                {
                  name: "Actions",
                  cell: (d) =>
                    manage ? (
                      <div className="actions">
                        {d.status === "PENDING" ? (
                          <>
                            <Button
                              tone="quiet"
                              aria-label={`Verify ${d.hostname}`}
                              onPress={() => verify.mutate({ id: d.id })}
                            >
                              Verify
                            </Button>
                            <span className="muted">Primary once verified</span>
                          </>
                        ) : d.isPrimary ? null : (
                          <Button
                            tone="quiet"
                            aria-label={`Make primary: ${d.hostname}`}
                            onPress={() =>
                              primary.mutate(
                                { id: d.id },
                                { onSuccess: () => setDone(`${d.hostname} is the primary domain.`) },
                              )
                            }
                          >
                            Make primary
                          </Button>
                        )}
                        {confirming === d.id ? (
                          <>
                            <span className="muted">{d.hostname} stops routing at once.</span>
                            <Button
                              tone="danger"
                              autoFocus
                              aria-label={`Confirm removal of ${d.hostname}`}
                              onPress={() =>
                                remove.mutate(
                                  { id: d.id },
                                  {
                                    onSuccess: () => {
                                      setConfirming(null);
                                      setDone(`${d.hostname} removed.`);
                                    },
                                  },
                                )
                              }
                            >
                              Confirm removal
                            </Button>
                            <Button
                              tone="quiet"
                              aria-label={`Keep ${d.hostname}`}
                              onPress={() => setConfirming(null)}
                            >
                              Keep
                            </Button>
                          </>
                        ) : (
                          <Button
                            tone="danger"
                            aria-label={`Remove ${d.hostname}`}
                            onPress={() => setConfirming(d.id)}
                          >
                            Remove
                          </Button>
                        )}
                      </div>
                    ) : (
                      "—"
                    ),
                },
              ]}
            />
            {manage ? (
              <Form
                className="filters"
                aria-label="Add a domain"
                onSubmit={(e) => {
                  e.preventDefault();
                  add.mutate({ input: { siteId: s.id, domain } }, { onSuccess: () => setDomain("") });
                }}
              >
                <Field label="Domain" name="domain" value={domain} onChange={setDomain} isRequired />
                <Button type="submit">Add domain</Button>
              </Form>
            ) : null}
            <Done>{done}</Done>
            <ErrorNotice error={add.error ?? verify.error ?? primary.error ?? remove.error} />
          </section>
        ) : null
      }
    </QueryState>
  );
};

/** What updateSite changes: the site's display name and its settings. */
const SiteSettingsForm = ({
  site,
  onDone,
}: {
  site: { id: string; name: string; settings: { allowSignup: boolean } };
  onDone: (message: string) => void;
}) => {
  const update = useAction(UpdateSiteDocument);
  const [name, setName] = useState(site.name);
  const [allowSignup, setAllowSignup] = useState(site.settings.allowSignup);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(
      { id: site.id, input: { name, settings: { allowSignup } } },
      { onSuccess: ({ updateSite }) => onDone(`${updateSite.name} saved.`) },
    );
  };
  return (
    <Form onSubmit={submit} className="filters" aria-label="Site settings">
      <Field label="Display name" name="site-display-name" value={name} onChange={setName} isRequired />
      <Checkbox isSelected={allowSignup} onChange={setAllowSignup}>
        Anyone may sign up
      </Checkbox>
      <Button type="submit" isDisabled={update.isPending}>
        Save site
      </Button>
      <ErrorNotice error={update.error} />
    </Form>
  );
};
