import { randomBytes } from "node:crypto";
import { type Call, type Recorder, request } from "./client";

/** The password of the superuser and of every site's first admin. */
export const PASSWORD = "soak-password-correct-horse";
export const SUPERUSER_EMAIL = "soak-superuser@example.test";

type Session = { accessToken: string; refreshToken: string; userId: string };
type SiteRef = { id: string; slug: string; adminEmail: string };

export type World = {
  gatewayUrl: string;
  recorder: Recorder;
  organization: { id: string; slug: string };
  /** Every site the workload may sign in to; sites created during the run join it. */
  sites: SiteRef[];
};

const AUTH = "accessToken refreshToken user { id }";
const Q = {
  signIn: `mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { ${AUTH} } }`,
  refresh: `mutation($t: String!) { refreshSession(refreshToken: $t) { ${AUTH} } }`,
  me: "{ me { id email name } }",
  currentSite: "{ currentSite { id slug name status } }",
  users: "{ users(first: 20) { edges { node { id email name isActive } } } }",
  auditEvents: "{ auditEvents(first: 10) { edges { node { id action entityType occurredAt } } } }",
  files:
    "{ files(first: 10) { edges { node { id name size status } } } currentSite { id storage { used quota } } }",
  organization:
    "query($s: String!) { organization(slug: $s) { slug members { role user { email } } sites { slug status } } }",
  createGroup: "mutation($n: String!) { createGroup(input: { name: $n }) { id name } }",
  updateUser: "mutation($id: ID!, $n: String!) { updateUser(id: $id, input: { name: $n }) { id name } }",
  createOrganization:
    "mutation($n: String!, $s: String!) { createOrganization(input: { name: $n, slug: $s }) { id slug } }",
  enterprise: "mutation($id: ID!) { updateOrganization(id: $id, input: { plan: ENTERPRISE }) { id plan } }",
  createSite: `mutation($o: ID!, $n: String!, $s: String!, $e: String!, $p: String!) {
    createSite(input: { organizationId: $o, name: $n, slug: $s, adminEmail: $e, adminPassword: $p }) {
      id slug status
    }
  }`,
};

type AuthData = { accessToken: string; refreshToken: string; user: { id: string } };
const sessionOf = (payload: AuthData | undefined | null): Session | null =>
  payload
    ? { accessToken: payload.accessToken, refreshToken: payload.refreshToken, userId: payload.user.id }
    : null;

const suffix = () => randomBytes(3).toString("hex");

const call = <T>(world: World, c: Call) => request<T>(world.gatewayUrl, world.recorder, c);

const signIn = async (world: World, email: string, tenant?: string): Promise<Session | null> =>
  sessionOf(
    (
      await call<{ signIn: AuthData }>(world, {
        op: "signIn",
        query: Q.signIn,
        variables: { e: email, p: PASSWORD },
        ...(tenant ? { tenant } : {}),
      })
    )?.signIn,
  );

const refresh = async (world: World, session: Session, tenant?: string): Promise<Session | null> =>
  sessionOf(
    (
      await call<{ refreshSession: AuthData }>(world, {
        op: "refreshSession",
        query: Q.refresh,
        variables: { t: session.refreshToken },
        ...(tenant ? { tenant } : {}),
      })
    )?.refreshSession,
  );

/**
 * Creates a site as the superuser and proves it usable as a client would: its first admin signs
 * in, reads it back ACTIVE and reads its audit trail and files. Resolves with the site, or null
 * (the failure is recorded).
 */
const createSite = async (world: World, platform: Session, slug: string): Promise<SiteRef | null> => {
  const adminEmail = `admin@${slug}.example.test`;
  const created = await call<{ createSite: { id: string; slug: string; status: string } }>(world, {
    op: "createSite",
    query: Q.createSite,
    variables: { o: world.organization.id, n: `Soak ${slug}`, s: slug, e: adminEmail, p: PASSWORD },
    token: platform.accessToken,
  });
  if (!created) return null;
  const admin = await signIn(world, adminEmail, slug);
  if (!admin) return null;
  const read = await call<{ currentSite: { status: string } | null }>(world, {
    op: "currentSite",
    query: Q.currentSite,
    tenant: slug,
    token: admin.accessToken,
  });
  if (read?.currentSite?.status !== "ACTIVE") {
    world.recorder.samples.push({ at: Date.now(), op: "createSite", ms: 0, outcome: "SITE_NOT_ACTIVE" });
    return null;
  }
  // Its audit trail and files too: every subgraph has now served the site (its tenant client is cached).
  for (const op of ["auditEvents", "files"] as const) {
    if (!(await call(world, { op, query: Q[op], tenant: slug, token: admin.accessToken }))) return null;
  }
  return { id: created.createSite.id, slug, adminEmail };
};

/** The superuser's organization (ENTERPRISE) and `count` sites, through the gateway. Throws when any step fails. */
export const setUpWorld = async (gatewayUrl: string, recorder: Recorder, count: number): Promise<World> => {
  const world: World = { gatewayUrl, recorder, organization: { id: "", slug: "" }, sites: [] };
  const platform = await signIn(world, SUPERUSER_EMAIL);
  if (!platform) throw new Error(`set-up: the superuser could not sign in: ${[...recorder.examples]}`);
  const org = await call<{ createOrganization: { id: string; slug: string } }>(world, {
    op: "createOrganization",
    query: Q.createOrganization,
    variables: { n: "Soak Organization", s: `soak-org-${suffix()}` },
    token: platform.accessToken,
  });
  if (!org) throw new Error(`set-up: createOrganization failed: ${[...recorder.examples]}`);
  world.organization = org.createOrganization;
  // FREE allows one site: the superuser moves the organization to the plan without limits.
  const upgraded = await call(world, {
    op: "updateOrganization",
    query: Q.enterprise,
    variables: { id: org.createOrganization.id },
    token: platform.accessToken,
  });
  if (!upgraded) throw new Error(`set-up: updateOrganization failed: ${[...recorder.examples]}`);
  // Four at a time: set-up time is not what the soak measures.
  let next = 0;
  const creator = async () => {
    while (next < count) {
      const site = await createSite(world, platform, `soak-seed-${next++}-${suffix()}`);
      if (!site) throw new Error(`set-up: createSite failed: ${[...recorder.examples]}`);
      world.sites.push(site);
    }
  };
  await Promise.all(Array.from({ length: 4 }, creator));
  return world;
};

/** Relative weights of the operations each virtual user picks from. */
const MIX = [
  ["signIn", 5],
  ["refreshSession", 10],
  ["me", 14],
  ["currentSite", 14],
  ["users", 14],
  ["auditEvents", 10],
  ["files", 6],
  ["organization", 10],
  ["createGroup", 9],
  ["updateUser", 9],
] as const;
const TOTAL_WEIGHT = MIX.reduce((sum, [, weight]) => sum + weight, 0);
const pick = () => {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const [op, weight] of MIX) {
    roll -= weight;
    if (roll < 0) return op;
  }
  return MIX[0][0];
};

/**
 * One virtual user until `until` (epoch ms), back to back, no think time: a platform session (the
 * superuser) and a session in one site, re-signed-in to a random site of `world.sites` now and
 * then; sessions are refreshed as a client would, one refresh token used once.
 */
export const runVirtualUser = async (world: World, index: number, until: number): Promise<void> => {
  let site = world.sites[index % world.sites.length] as SiteRef;
  let platform = await signIn(world, SUPERUSER_EMAIL);
  let own = await signIn(world, site.adminEmail, site.slug);
  let writes = 0;
  let refreshes = 0;
  while (Date.now() < until) {
    const op = pick();
    if (!platform || !own || op === "signIn") {
      if (!platform) platform = await signIn(world, SUPERUSER_EMAIL);
      site = world.sites[Math.floor(Math.random() * world.sites.length)] as SiteRef;
      own = (await signIn(world, site.adminEmail, site.slug)) ?? own;
      continue;
    }
    const inSite = { tenant: site.slug, token: own.accessToken };
    switch (op) {
      case "refreshSession":
        // Alternates between the two scopes; a failed refresh drops the pair: the next turn signs in.
        if (refreshes++ % 2 === 0) own = (await refresh(world, own, site.slug)) ?? null;
        else platform = (await refresh(world, platform)) ?? null;
        break;
      case "me":
      case "currentSite":
      case "users":
      case "auditEvents":
      case "files":
        await call(world, { op, query: Q[op], ...inSite });
        break;
      case "organization":
        await call(world, {
          op,
          query: Q.organization,
          variables: { s: world.organization.slug },
          token: platform.accessToken,
        });
        break;
      case "createGroup":
        await call(world, {
          op,
          query: Q.createGroup,
          variables: { n: `g-${index}-${suffix()}-${writes++}` },
          ...inSite,
        });
        break;
      case "updateUser":
        await call(world, {
          op,
          query: Q.updateUser,
          variables: { id: own.userId, n: `Soak Admin ${suffix()}` },
          ...inSite,
        });
        break;
    }
  }
};

/**
 * Creates up to `cap` sites, evenly spaced over the run (never in its last tenth, so the last
 * window measures a settled stack), each then joining the sites the virtual users sign in to.
 */
export const runSiteCreator = async (
  world: World,
  cap: number,
  from: number,
  until: number,
): Promise<void> => {
  if (cap <= 0) return;
  const spacing = ((until - from) * 0.9) / cap;
  let platform = await signIn(world, SUPERUSER_EMAIL);
  for (let n = 0; n < cap; n++) {
    const due = from + spacing * (n + 0.5);
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (Date.now() >= until) return;
    platform = platform ? ((await refresh(world, platform)) ?? null) : await signIn(world, SUPERUSER_EMAIL);
    if (!platform) continue;
    const site = await createSite(world, platform, `soak-${n}-${suffix()}`);
    if (site) world.sites.push(site);
  }
};
