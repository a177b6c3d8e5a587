/**
 * The CI check of `taruvi new service`: scaffold a service into a scratch copy of this checkout
 * and run what a product team would — generate, compose, typecheck, lint — then the new service's
 * own end-to-end tests, inside the copy. The repository's services/ is never touched.
 *
 * The copy: the checkout's files (`git ls-files`, uncommitted changes included) copied, and every
 * node_modules folder hard-linked (`cp -al`: under a second for ~30k files, no extra space). A
 * symlinked node_modules would not do: the workspace links in it (`@taruvi/registry` →
 * ../../packages/registry) would resolve to this checkout, whose registry lacks the new service.
 * Nothing in the copy writes into node_modules files in place (generated clients go to
 * src/generated; vitest's cache is moved out below).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "@taruvi/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let copy: string;

/** The environment of a child process: this one's, without the outer vitest's own variables. */
const childEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries([
    ...Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST") && key !== "NODE_OPTIONS"),
    ["NO_COLOR", "1"],
  ]);

/** Runs a command in the copy; its exit code and output (both streams). */
const inCopy = (command: string, args: string[], timeoutMs = 600_000) => {
  const result = spawnSync(command, args, {
    cwd: copy,
    env: childEnv(),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
};

const node = process.execPath;
const bin = (path: string) => join(copy, "node_modules", path);

/** Every node_modules folder of the checkout that is not inside another one. */
const nodeModulesDirs = (dir: string, depth = 0): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory() || entry.name === ".git" || entry.name === ".data") return [];
    const path = join(dir, entry.name);
    if (entry.name === "node_modules") return [path];
    return depth < 3 ? nodeModulesDirs(path, depth + 1) : [];
  });

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "taruvi-scaffold-ci-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
    .split("\0")
    .filter(Boolean);
  for (const file of files) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(from, join(copy, file));
  }
  for (const dir of nodeModulesDirs(ROOT)) {
    const target = join(copy, dir.slice(ROOT.length));
    mkdirSync(dirname(target), { recursive: true });
    execFileSync("cp", ["-al", dir, target]);
  }
  // Caches written in place would write through the hard links into this checkout's files.
  for (const cache of [".vite", ".cache"])
    rmSync(join(copy, "node_modules", cache), { recursive: true, force: true });
}, 300_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe("CI: a scaffolded service in a scratch copy", () => {
  it("scaffolds, generates, composes, typechecks, lints and passes its own tests", () => {
    const steps: [string, string, string[], number?][] = [
      // What `npm ci`'s postinstall did in this checkout: the core's clients (generated files are not copied).
      ["generate (core)", node, ["scripts/generate-prisma.mjs"]],
      ["scaffold", node, ["packages/cli/bin/taruvi.js", "new", "service", "projects", "--entity", "Project"]],
      ["generate", node, ["scripts/generate-prisma.mjs"]],
      ["compose", node, [bin("tsx/dist/cli.mjs"), "scripts/compose.ts"]],
      ["compose:check", node, [bin("tsx/dist/cli.mjs"), "scripts/compose.ts", "--check"]],
      ["sdk:generate", node, [bin("tsx/dist/cli.mjs"), "packages/sdk/scripts/generate.ts"]],
      ["typecheck", node, [bin("typescript/bin/tsc"), "--noEmit", "-p", "services/projects"]],
      ["lint", node, [bin("@biomejs/biome/bin/biome"), "check", "services/projects"]],
      [
        "test",
        node,
        [
          bin("vitest/vitest.mjs"),
          "run",
          "services/projects",
          "packages/sdk/src/operations.test.ts",
          "--no-cache",
          "--reporter=default",
        ],
        900_000,
      ],
    ];
    for (const [label, command, args, timeout] of steps) {
      const { code, output } = inCopy(command, args, timeout);
      expect(code, `${label} failed:\n${output}`).toBe(0);
      if (label === "scaffold") expect(output).toContain("created services/projects (port 4101)");
      if (label === "test") expect(output).toMatch(/Tests\s+\d+ passed/);
    }
    // The copy's registry and catalog have it; this checkout's do not.
    const registry = JSON.parse(readFileSync(join(copy, "services", "registry.json"), "utf8")) as {
      services: { name: string }[];
    };
    expect(registry.services.map((s) => s.name)).toContain("projects");
    // Its operations are typed in the copy's SDK.
    expect(readFileSync(join(copy, "packages/sdk/src/generated/operations.ts"), "utf8")).toContain(
      "CreateProjectDocument",
    );
    expect(existsSync(join(ROOT, "services", "projects"))).toBe(false);
  }, 1_800_000);
});
