/**
 * Scratch projects for the command-line suites: a folder with a drizzle-kit config (inside this
 * repository, so drizzle-kit and the drivers resolve from its node_modules), the command run as a user
 * runs it, and steps that build on each other.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { randomName } from "./fresh-database.js";

export const ROOT = new URL("../..", import.meta.url).pathname;

/** The library's entry, for schema files to import. */
export const INDEX = join(ROOT, "src/index.ts");

/** A scratch project inside the repository, with `drizzle.config.ts` (`schema.ts`, `migrations/`). */
export function scratchProject(): string {
  const dir = join(ROOT, ".tmp", randomName("cli"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "drizzle.config.ts"),
    `export default { dialect: "postgresql", schema: "./schema.ts", out: "./migrations" };\n`,
  );
  return dir;
}

/** A scratch project for the describe block this is called in, removed after it. */
export function useScratchProject(): string {
  const dir = scratchProject();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs the command line as a user would (`drizzle-spector ...`), without a terminal, with `env` as
 * its whole environment when given.
 */
export function runCli(cwd: string, args: readonly string[], env?: Record<string, string | undefined>) {
  return spawnSync(
    process.execPath,
    [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "src/cli/main.ts"), ...args],
    { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...(env ? { env } : {}) },
  );
}

/**
 * Declares tests that build on each other, in order: each step starts from what the step before it
 * left. A step whose predecessor did not pass fails at once and says so.
 */
export function steps(): (title: string, fn: () => Promise<void> | void) => void {
  let passed = 0;
  let declared = 0;
  return (title, fn) => {
    const index = ++declared;
    test(`step ${index}: ${title}`, async () => {
      expect(passed, `step ${index} starts from what step ${index - 1} left, but step ${index - 1} did not pass`).toBe(
        index - 1,
      );
      await fn();
      passed = index;
    });
  };
}
