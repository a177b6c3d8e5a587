import { isAppError } from "@taruvi/errors";
import { MigrationRefusedError } from "@taruvi/migrator";

export const print = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};

export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

/** A plain-text table: one header row, columns padded to their widest cell. */
export const printTable = (header: string[], rows: string[][]): void => {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  print(line(header));
  for (const row of rows) print(line(row));
};

/** `ownerEmail` → `--owner-email`: errors name the flag the user typed. */
const flagOf = (field: string): string => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Fields of errors that name no flag: a plan limit (`plan: …`) is printed as it is. */
const NOT_FLAGS = new Set(["plan"]);

/** The one message a failed command prints to stderr. */
export const describeError = (error: unknown): string => {
  if (isAppError(error)) {
    if (error.field && !NOT_FLAGS.has(error.field) && error.message.startsWith(`${error.field}:`)) {
      return `${flagOf(error.field)}${error.message.slice(error.field.length)}`;
    }
    return error.message;
  }
  if (error instanceof MigrationRefusedError) return `migration refused: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
};
