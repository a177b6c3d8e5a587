/** One sample of a scrape: `name{labels} value`. */
export type Sample = { name: string; labels: Record<string, string>; value: number };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/** Splits `a="x",b="y,z"` at the commas outside quotes. */
const labelPairs = (text: string): string[] => {
  const pairs: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === "\\") i += 1;
    else if (char === '"') quoted = !quoted;
    else if (char === "," && !quoted) {
      pairs.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (start < text.length) pairs.push(text.slice(start));
  return pairs;
};

/** A float as Prometheus reads one (Go's ParseFloat: `NaN`, `+Inf`, any case). */
const parseValue = (text: string): number => {
  const lower = text.toLowerCase();
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  if (lower === "nan") return Number.NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`not a number: ${text}`);
  return value;
};

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests and checks:
 * every line is a HELP, a TYPE (once per family, before its samples) or a sample with valid
 * name, labels and value; a family's samples are contiguous. Throws naming the bad line.
 */
export const parsePrometheusText = (text: string): Sample[] => {
  const samples: Sample[] = [];
  const typed = new Map<string, string>();
  const finished = new Set<string>();
  let current: string | null = null;
  const familyOf = (name: string) => {
    for (const suffix of ["_bucket", "_count", "_sum"]) {
      const base = name.slice(0, -suffix.length);
      if (name.endsWith(suffix) && ["histogram", "summary"].includes(typed.get(base) ?? "")) return base;
    }
    return name;
  };
  const enter = (family: string, line: string) => {
    if (family === current) return;
    if (finished.has(family)) throw new Error(`family ${family} is split: ${line}`);
    if (current !== null) finished.add(current);
    current = family;
  };
  text.split("\n").forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const [, keyword, name, ...rest] = line.split(" ");
      if (keyword === "HELP") {
        if (!name || !NAME.test(name)) throw new Error(`bad HELP, ${where}`);
        return;
      }
      if (keyword === "TYPE") {
        const type = rest.join(" ");
        if (!name || !NAME.test(name) || !TYPES.has(type)) throw new Error(`bad TYPE, ${where}`);
        if (typed.has(name)) throw new Error(`second TYPE, ${where}`);
        typed.set(name, type);
        enter(name, where);
      }
      return;
    }
    const match = /^([^\s{]+)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!match) throw new Error(`bad sample, ${where}`);
    const [, name = "", labelText = "", value = ""] = match;
    if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
    const labels: Record<string, string> = {};
    for (const pair of labelPairs(labelText)) {
      const label = LABEL.exec(pair);
      if (!label?.[1]) throw new Error(`bad label ${pair}, ${where}`);
      if (label[1] in labels) throw new Error(`label ${label[1]} twice, ${where}`);
      labels[label[1]] = (label[2] ?? "").replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
    }
    enter(familyOf(name), where);
    samples.push({ name, labels, value: parseValue(value) });
  });
  return samples;
};

/** The sum of the samples named `name` whose labels include every one of `labels`. */
export const sampleSum = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
