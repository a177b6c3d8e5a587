import type { ReactNode } from "react";
import { Checkbox } from "./controls";

export type ColumnDef<T> = { name: string; cell: (row: T) => ReactNode };

/**
 * A list as a plain, captioned HTML table (screen readers announce headers with each cell; on a
 * narrow screen it scrolls sideways inside its frame). With `selected`, each row has a labelled
 * checkbox and the header one selects the page, for bulk actions.
 */
export const DataTable = <T extends { id: string }>({
  label,
  rows,
  columns,
  empty,
  rowLabel,
  selected,
  onSelectedChange,
}: {
  label: string;
  rows: readonly T[];
  columns: ColumnDef<T>[];
  empty: string;
  /** Names a row for its selection checkbox ("Select acme"). */
  rowLabel?: (row: T) => string;
  selected?: ReadonlySet<string>;
  onSelectedChange?: (ids: Set<string>) => void;
}) => {
  if (rows.length === 0) return <p className="muted empty">{empty}</p>;
  const selectable = selected !== undefined && onSelectedChange !== undefined;
  const all = selectable && rows.every((row) => selected.has(row.id));
  const some = selectable && rows.some((row) => selected.has(row.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onSelectedChange?.(next);
  };
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">{label}</caption>
        <thead>
          <tr>
            {selectable ? (
              <th scope="col" className="select-col">
                <Checkbox
                  aria-label="Select every row of this page"
                  isSelected={all}
                  isIndeterminate={some && !all}
                  onChange={(on) => onSelectedChange?.(on ? new Set(rows.map((row) => row.id)) : new Set())}
                />
              </th>
            ) : null}
            {columns.map((column) => (
              <th key={column.name} scope="col">
                {column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} aria-selected={selectable ? selected.has(row.id) : undefined}>
              {selectable ? (
                <td className="select-col">
                  <Checkbox
                    aria-label={`Select ${rowLabel?.(row) ?? row.id}`}
                    isSelected={selected.has(row.id)}
                    onChange={(on) => toggle(row.id, on)}
                  />
                </td>
              ) : null}
              {columns.map((column) => (
                <td key={column.name} data-label={column.name}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};
