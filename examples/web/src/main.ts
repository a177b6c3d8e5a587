import {
  createTaruviClient,
  isTaruviError,
  localStorageTokenStorage,
  MeDocument,
  OrganizationsDocument,
  type OrganizationsQuery,
  type TaruviClient,
} from "@taruvi/sdk";
import { showFiles } from "./files";
import { element, hideError, showError } from "./page";

// Sign in on the platform to list your organizations and their sites, or in a site (its slug)
// to upload and download its files.
const platform = createTaruviClient({
  url: import.meta.env.VITE_TARUVI_URL || "http://localhost:4000/graphql",
  storage: localStorageTokenStorage({ prefix: "taruvi-example" }),
});

/** The site signed in to (its slug; null: the platform), kept across reloads beside its tokens. */
const SITE_KEY = "taruvi-example:site";
const chosenSite = () => localStorage.getItem(SITE_KEY);
/** Tokens are bound to one scope: a site's client sends X-Tenant and keeps its own. */
const clientFor = (site: string | null): TaruviClient => (site ? platform.withTenant(site) : platform);

const form = element<HTMLFormElement>("sign-in");
const account = element("account");
const who = element("who");
const platformView = element("platform");
const list = element("organizations");

const renderOrganizations = (organizations: OrganizationsQuery["organizations"]) => {
  list.replaceChildren();
  if (organizations.length === 0) {
    list.textContent = "No organizations yet.";
    return;
  }
  for (const organization of organizations) {
    const section = document.createElement("section");
    section.className = "organization";
    const title = document.createElement("h3");
    title.textContent = `${organization.name} (${organization.slug})`;
    const sites = document.createElement("ul");
    for (const site of organization.sites ?? []) {
      const item = document.createElement("li");
      item.className = "site";
      const status = document.createElement("span");
      status.className = "status";
      status.textContent = ` ${site.defaultHostname} · ${site.status}`;
      item.append(site.name, status);
      sites.append(item);
    }
    if (!organization.sites?.length) sites.append("No sites yet.");
    section.append(title, sites);
    list.append(section);
  }
};

/** Shows the signed-in user and their scope's view (organizations or files), else the sign-in form. */
const refresh = async () => {
  hideError();
  const site = chosenSite();
  const client = clientFor(site);
  const { me } = await client.request(MeDocument);
  form.hidden = me !== null;
  account.hidden = me === null;
  platformView.hidden = me === null || site !== null;
  if (!me) return showFiles(null);
  who.textContent = `${me.name} <${me.email}>${site ? ` on ${site}` : ""}`;
  if (site) return showFiles(client);
  await showFiles(null);
  renderOrganizations((await client.request(OrganizationsDocument)).organizations);
};

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const site = String(data.get("site") ?? "").trim() || null;
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  clientFor(site)
    .signIn({ email: String(data.get("email")), password: String(data.get("password")) })
    .then(() => {
      if (site) localStorage.setItem(SITE_KEY, site);
      else localStorage.removeItem(SITE_KEY);
    })
    .then(refresh)
    .catch(showError)
    .finally(() => {
      if (button) button.disabled = false;
    });
});

element("sign-out").addEventListener("click", () => {
  clientFor(chosenSite())
    .signOut()
    .catch(() => {})
    .then(() => localStorage.removeItem(SITE_KEY))
    .then(refresh)
    .catch(showError);
});

refresh().catch((error: unknown) => {
  form.hidden = false;
  account.hidden = true;
  // A stored session that can no longer be refreshed just means: sign in again.
  if (!isTaruviError(error, "UNAUTHENTICATED")) showError(error);
});
