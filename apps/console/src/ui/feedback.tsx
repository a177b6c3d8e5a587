import { isTaruviError } from "@taruvi/sdk";
import type { ReactNode } from "react";

/** An error as the API gave it: its code, the field at fault and the request id (for support). */
export const ErrorNotice = ({ error }: { error: unknown }) => {
  if (!error) return null;
  if (isTaruviError(error)) {
    // Messages often start with the field they name; it is said once.
    const message =
      error.field && error.message.startsWith(`${error.field}: `)
        ? error.message.slice(error.field.length + 2)
        : error.message;
    return (
      <div role="alert" className="notice notice-error">
        <strong>{error.code}</strong>
        {error.field ? <span> on {error.field}</span> : null}: {message}
        {error.requestId ? <div className="muted">Request id: {error.requestId}</div> : null}
      </div>
    );
  }
  return (
    <div role="alert" className="notice notice-error">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
};

export const Loading = ({ what }: { what: string }) => (
  <p role="status" className="muted">
    Loading {what}…
  </p>
);

export const Empty = ({ children }: { children: ReactNode }) => <p className="muted empty">{children}</p>;

/** A success message read out by screen readers. */
export const Done = ({ children }: { children: ReactNode }) =>
  children ? (
    <p role="status" className="notice notice-ok">
      {children}
    </p>
  ) : null;

/** Loading, error or the content of a query. */
export const QueryState = <T,>({
  query,
  what,
  children,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  what: string;
  children: (data: T) => ReactNode;
}) => {
  if (query.error) return <ErrorNotice error={query.error} />;
  if (query.isPending || query.data === undefined) return <Loading what={what} />;
  return <>{children(query.data)}</>;
};
