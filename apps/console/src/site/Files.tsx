import {
  DeleteFileDocument,
  FileDocument,
  FilesDocument,
  type FilesQuery,
  SiteStorageDocument,
} from "@taruvi/sdk";
import { useState } from "react";
import { useAction, useApi, useCursor } from "../api";
import { useSession } from "../session";
import { Button, Pager } from "../ui/controls";
import { ErrorNotice, QueryState } from "../ui/feedback";
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
            <Pager
              page={cursor.page}
              hasNextPage={page.pageInfo.hasNextPage}
              onPrevious={cursor.previous}
              onNext={() => cursor.next(page.pageInfo.endCursor)}
            />
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
