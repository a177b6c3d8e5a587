import {
  FileDocument,
  FilesDocument,
  type FilesQuery,
  SiteStorageDocument,
  type TaruviClient,
} from "@taruvi/sdk";
import { element, formatBytes, hideError, showError } from "./page";
import { uploadFile } from "./upload";

// Site scope: the site's storage in use, an upload form, and its newest files with download links.

const section = element("files");
const usage = element("storage");
const rows = element("file-list");
const form = element<HTMLFormElement>("upload");
const picker = element<HTMLInputElement>("file");
const progress = element("upload-status");

/** The signed-in site's client while the view is shown. */
let site: TaruviClient | null = null;

type FileNode = FilesQuery["files"]["edges"][number]["node"];

const cell = (className: string, ...content: (string | Node)[]): HTMLTableCellElement => {
  const td = document.createElement("td");
  td.className = className;
  td.append(...content);
  return td;
};

const rowOf = (file: FileNode, downloadUrl: string | null): HTMLTableRowElement => {
  const row = document.createElement("tr");
  row.className = "file";
  const link = document.createElement("a");
  if (downloadUrl) {
    link.href = downloadUrl;
    link.textContent = "Download";
  }
  row.append(
    cell("name", file.name),
    cell("size", formatBytes(file.size)),
    cell("status", file.status),
    cell("download", ...(downloadUrl ? [link] : [])),
  );
  return row;
};

const render = async (client: TaruviClient) => {
  const [{ currentSite }, { files }] = await Promise.all([
    client.request(SiteStorageDocument),
    client.request(FilesDocument, { first: 20 }),
  ]);
  const storage = currentSite?.storage;
  usage.textContent = storage
    ? `${formatBytes(storage.used)} of ${storage.quota === null ? "unlimited" : formatBytes(storage.quota)} used`
    : "";
  // The Files operation selects no downloadUrl: each READY file's is asked for with File.
  const links = await Promise.all(
    files.edges.map(async ({ node }) =>
      node.status === "READY"
        ? ((await client.request(FileDocument, { id: node.id })).file?.downloadUrl ?? null)
        : null,
    ),
  );
  rows.replaceChildren(...files.edges.map(({ node }, i) => rowOf(node, links[i] ?? null)));
  if (files.edges.length === 0) {
    const empty = document.createElement("tr");
    empty.append(Object.assign(cell("empty", "No files yet."), { colSpan: 4 }));
    rows.append(empty);
  }
};

/** Shows the files of the site `client` is signed in to; null hides the view. */
export const showFiles = async (client: TaruviClient | null) => {
  site = client;
  section.hidden = client === null;
  if (client) await render(client);
};

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const file = picker.files?.[0];
  const client = site;
  if (!file || !client) return;
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  hideError();
  progress.textContent = `Uploading ${file.name}…`;
  uploadFile(client, file)
    .then((uploaded) => {
      progress.textContent = `${uploaded.name} uploaded.`;
      form.reset();
    })
    .catch((error: unknown) => {
      progress.textContent = "";
      showError(error);
    })
    // Refused or not, the list and the storage in use may have changed.
    .then(() => render(client))
    .catch(showError)
    .finally(() => {
      if (button) button.disabled = false;
    });
});
