import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { round } from "./stats";

export type Unit = "ms" | "MB" | "connections";

export type Measurement = {
  label: string;
  value: number;
  unit: Unit;
  /** What the value is compared with, measured in the same run and in the same unit. */
  reference: { label: string; value: number } | null;
  /** value / reference.value */
  ratio: number | null;
  /** Upper bound: the measurement hits when value ≤ target. */
  target: number | null;
  hit: boolean | null;
  details?: Record<string, unknown>;
};

export type Results = Record<string, Measurement>;

export const measurement = ({
  label,
  value,
  unit,
  reference = null,
  target = null,
  details,
}: {
  label: string;
  value: number;
  unit: Unit;
  reference?: { label: string; value: number } | null;
  target?: number | null;
  details?: Record<string, unknown>;
}): Measurement => ({
  label,
  value: round(value),
  unit,
  reference: reference ? { label: reference.label, value: round(reference.value) } : null,
  ratio: reference && reference.value > 0 ? round(value / reference.value, 3) : null,
  target,
  hit: target === null ? null : value <= target,
  ...(details ? { details } : {}),
});

const amount = (value: number, unit: Unit): string => {
  const digits = unit === "connections" ? 0 : value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
};

const HEADER = ["Measurement", "Value", "Reference", "Ratio", "Target", "Hit"];

const rows = (results: Results): string[][] =>
  Object.values(results).map((m) => [
    m.label,
    amount(m.value, m.unit),
    m.reference ? `${m.reference.label}: ${amount(m.reference.value, m.unit)}` : "–",
    m.ratio === null ? "–" : `${m.ratio.toFixed(2)}×`,
    m.target === null ? "–" : `≤ ${amount(m.target, m.unit)}`,
    m.hit === null ? "–" : m.hit ? "hit" : "MISS",
  ]);

/** The results as a Markdown table, columns padded so it also reads well in a terminal. */
export const formatTable = (results: Results): string => {
  const body = rows(results);
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...body.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(HEADER), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
};

/** Writes JSON atomically (temporary file, then rename), creating the directory. */
export const writeJson = (path: string, data: unknown): void => {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(temporary, path);
};
