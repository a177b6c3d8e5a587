import {
  createTaruviClient,
  isTaruviError,
  localStorageTokenStorage,
  MeDocument,
  OrganizationsDocument,
  type OrganizationsQuery,
} from "@taruvi/sdk";

// Platform scope: sign in with an account, then list its organizations and their sites.
const client = createTaruviClient({
  url: import.meta.env.VITE_TARUVI_URL || "http://localhost:4000/graphql",
  storage: localStorageTokenStorage({ prefix: "taruvi-example" }),
});

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
};
const form = element<HTMLFormElement>("sign-in");
const account = element("account");
const who = element("who");
const list = element("organizations");
const errorBox = element("error");

const showError = (error: unknown) => {
  errorBox.textContent = isTaruviError(error)
    ? `${error.code}: ${error.message}`
    : `Something went wrong: ${String(error)}`;
  errorBox.hidden = false;
};

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

/** Shows the account and its organizations when signed in, else the sign-in form. */
const refresh = async () => {
  errorBox.hidden = true;
  const { me } = await client.request(MeDocument);
  form.hidden = me !== null;
  account.hidden = me === null;
  if (!me) return;
  who.textContent = `${me.name} <${me.email}>`;
  renderOrganizations((await client.request(OrganizationsDocument)).organizations);
};

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  client
    .signIn({ email: String(data.get("email")), password: String(data.get("password")) })
    .then(refresh)
    .catch(showError)
    .finally(() => {
      if (button) button.disabled = false;
    });
});

element("sign-out").addEventListener("click", () => {
  client
    .signOut()
    .catch(() => {})
    .then(refresh)
    .catch(showError);
});

refresh().catch((error: unknown) => {
  form.hidden = false;
  account.hidden = true;
  // A stored session that can no longer be refreshed just means: sign in again.
  if (!isTaruviError(error, "UNAUTHENTICATED")) showError(error);
});
