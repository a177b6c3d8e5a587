/**
 * The templates (packages/cli/templates/service: real files, `{{placeholder}}` in their paths and
 * text, `.tmpl` appended so no tool mistakes them for sources) rendered into file contents.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the templates are: beside the sources (a checkout) or the build (dist/). */
export const templatesDir = (): string => {
  for (const candidate of ["../../templates/service", "../templates/service"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "src", "service.ts.tmpl"))) return dir;
  }
  throw new Error("the service templates (packages/cli/templates/service) are not installed here");
};

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

const fill = (text: string, values: Readonly<Record<string, string>>, where: string): string =>
  text.replace(PLACEHOLDER, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${where}: unknown placeholder {{${key}}}`);
    return value;
  });

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );

/** Every file of a new service: its path inside the service folder and its text. */
export const renderService = (
  values: Readonly<Record<string, string>>,
  dir = templatesDir(),
): { path: string; text: string }[] =>
  walk(dir)
    .filter((file) => file.endsWith(".tmpl"))
    .sort()
    .map((file) => {
      const where = relative(dir, file);
      return {
        path: fill(where.slice(0, -".tmpl".length), values, where),
        text: fill(readFileSync(file, "utf8"), values, where),
      };
    });
