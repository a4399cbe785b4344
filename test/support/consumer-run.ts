/**
 * Child processes for test/consumers.test.ts: the tools it runs from this repository's node_modules
 * (TypeScript 5.9 and 7, tsx, drizzle-kit), each of which must end by itself, with its output shown
 * when it fails.
 */
import type { SpawnSyncOptions } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import { spawnChild } from "./child-timeout.js";
import { ROOT } from "./scratch-project.js";

/** The `tsc` of each tested TypeScript version (`typescript7` is the alias of TypeScript 7). */
export const TSC = {
  "5.9": join(ROOT, "node_modules/typescript/bin/tsc"),
  "7": join(ROOT, "node_modules/typescript7/bin/tsc"),
} as const;

/** What an app's `npx` finds for these commands, since they resolve from this repository. */
export const TOOLS = {
  tsx: join(ROOT, "node_modules/tsx/dist/cli.mjs"),
  "drizzle-kit": join(ROOT, "node_modules/drizzle-kit/bin.cjs"),
  tsc: TSC["5.9"],
} as const;

/** A finished child process: its exit, its standard output, and the whole of it for a failure message. */
export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly output: string;
}

/** A child process that must end by itself: one that hangs (a client left open) is killed and fails the test (`spawnChild`). */
export function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): RunResult {
  const result = spawnChild(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    ...options,
    encoding: "utf8",
  });
  const output = `$ ${[command, ...args].join(" ")}\n${String(result.stdout)}${String(result.stderr)}`;
  return { status: result.status, signal: result.signal, stdout: String(result.stdout), output };
}

/** Runs one of {@link TOOLS} with Node.js, as `npx <tool> ...args` would in the app. */
export function npx(tool: keyof typeof TOOLS, args: readonly string[], options: SpawnSyncOptions = {}): RunResult {
  return run(process.execPath, [TOOLS[tool], ...args], options);
}

/** Expects a run to have exited 0 by itself, showing its output when it did not. */
export function expectSuccess(result: RunResult): void {
  expect({ status: result.status, signal: result.signal }, result.output).toEqual({ status: 0, signal: null });
}

/** `text` with `from` replaced once; `from` must be there. */
export function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`expected ${JSON.stringify(from)} in:\n${text}`);
  return text.replace(from, to);
}

/** A README command line split into words (no quoting: the README's set-up commands need none). */
export function words(command: string): string[] {
  if (/["'`$\\|;<>]/.test(command)) throw new Error(`expected a plain command, got ${JSON.stringify(command)}`);
  return command.split(/\s+/).filter(Boolean);
}
