import { useQueryClient } from "@tanstack/react-query";
import {
  CompleteUploadDocument,
  CreateUploadDocument,
  DeleteFileDocument,
  FileDocument,
  FilesDocument,
  type FilesQuery,
  SiteStorageDocument,
} from "@taruvi/sdk";
import { type FormEvent, useId, useState } from "react";
import { Form } from "react-aria-components";
import { useAction, useApi, useCursor } from "../api";
import { useSession } from "../session";
import { Button, Pager } from "../ui/controls";
import { Done, ErrorNotice, QueryState } from "../ui/feedback";
import { DataTable } from "../ui/table";

type File = FilesQuery["files"]["edges"][number]["node"];

const size = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} kB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MB`;

/** The site's files (files.view): storage used, download links, deletion (files.manage). */
export const Files = () => {
  const { can } = useSession();
  const cursor = useCursor();
  const files = useApi(FilesDocument, { first: 20, after: cursor.after, filter: null });
  const storage = useApi(SiteStorageDocument, {});
  const remove = useAction(DeleteFileDocument);
  const [linkOf, setLinkOf] = useState<string | null>(null);
  const used = storage.data?.currentSite?.storage;
  return (
    <section className="stack">
      {used ? (
        <p>
          Storage used: {size(Number(used.used))}
          {used.quota === null ? " (no quota)" : ` of ${size(Number(used.quota))}`}
        </p>
      ) : null}
      {can("files.manage") ? <Upload /> : null}
      <ErrorNotice error={remove.error ?? storage.error} />
      <QueryState query={files} what="files">
        {({ files: page }) => (
          <>
            <DataTable
              label="Files"
              rows={page.edges.map((e) => e.node)}
              empty="No files yet."
              columns={[
                { name: "Name", cell: (f) => f.name },
                { name: "Type", cell: (f) => f.contentType },
                { name: "Size", cell: (f) => size(Number(f.size)) },
                { name: "Status", cell: (f) => f.status },
                { name: "Uploaded", cell: (f) => new Date(f.createdAt).toLocaleString() },
                {
                  name: "Actions",
                  cell: (f: File) => (
                    <div className="actions">
                      {f.status === "READY" ? (
                        linkOf === f.id ? (
                          <DownloadLink id={f.id} name={f.name} />
                        ) : (
                          <Button
                            tone="quiet"
                            aria-label={`Download ${f.name}`}
                            onPress={() => setLinkOf(f.id)}
                          >
                            Download
                          </Button>
                        )
                      ) : null}
                      {can("files.manage") ? (
                        <Button
                          tone="danger"
                          aria-label={`Delete ${f.name}`}
                          onPress={() => remove.mutate({ id: f.id })}
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
          </>
        )}
      </QueryState>
    </section>
  );
};

/** A short-lived download URL, asked for when wanted. */
const DownloadLink = ({ id, name }: { id: string; name: string }) => {
  const file = useApi(FileDocument, { id, expiresIn: 300 });
  if (file.error) return <ErrorNotice error={file.error} />;
  const url = file.data?.file?.downloadUrl;
  return url ? (
    <a href={url} download={name}>
      Download {name} (link valid 5 min)
    </a>
  ) : (
    <span className="muted">Preparing link…</span>
  );
};

/** Hex SHA-256 of the bytes, computed in the browser. */
const sha256 = async (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

/** A PUT of the bytes to the presigned URL, reporting its progress (fetch cannot). */
const put = (
  url: string,
  headers: { name: string; value: string }[],
  body: Blob,
  onProgress: (n: number) => void,
) =>
  new Promise<void>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    for (const header of headers) request.setRequestHeader(header.name, header.value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    request.onload = () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(new Error(`The store refused the bytes (HTTP ${request.status}).`));
    request.onerror = () => reject(new Error("The bytes could not be sent to the store."));
    request.send(body);
  });

/**
 * Upload (files.manage): createUpload with the file's name, type, size and SHA-256, the bytes
 * PUT straight to the store's presigned URL, then completeUpload checks them.
 */
const Upload = () => {
  const { client } = useSession();
  const queries = useQueryClient();
  const id = useId();
  const [file, setFile] = useState<globalThis.File | null>(null);
  const [step, setStep] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState("");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setDone("");
    try {
      setStep("Computing its SHA-256…");
      const bytes = await file.arrayBuffer();
      const { createUpload } = await client.request(CreateUploadDocument, {
        input: {
          name: file.name,
          contentType: file.type || "application/octet-stream",
          size: file.size,
          sha256: await sha256(bytes),
        },
      });
      setStep("Sending the bytes…");
      setProgress(0);
      await put(createUpload.uploadUrl, createUpload.uploadHeaders, file, setProgress);
      setStep("Checking the upload…");
      const { completeUpload } = await client.request(CompleteUploadDocument, { id: createUpload.file.id });
      setDone(`${completeUpload.name} uploaded: ${completeUpload.status}.`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
      setStep("");
      setProgress(null);
      await queries.invalidateQueries();
    }
  };
  return (
    <Form onSubmit={submit} className="filters" aria-label="Upload a file">
      <div className="field">
        <label htmlFor={id}>File to upload</label>
        <input id={id} type="file" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </div>
      <Button type="submit" isDisabled={busy || !file}>
        Upload
      </Button>
      {busy ? (
        <p role="status" className="muted">
          {step}
          {progress !== null ? (
            <progress max={100} value={progress} aria-label="Upload progress">
              {progress} %
            </progress>
          ) : null}
        </p>
      ) : null}
      <Done>{done}</Done>
      <ErrorNotice error={error} />
    </Form>
  );
};
