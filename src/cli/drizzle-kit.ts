/**
 * Running drizzle-kit, and reading what it prints. drizzle-kit has no API for `generate`, so the
 * command runs its bin without a terminal and reads its output; the patterns below were read from
 * drizzle-kit 0.31.11 (the peer range is 0.31.x).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { GenerateError } from "../errors.js";

/** What drizzle-kit 0.31.11 prints in the cases the command must tell apart. */
const SAYS = {
  /** `generate` found nothing to write. */
  noChanges: /No schema changes/,
  /** `generate` stopped at a question (e.g. whether a table was renamed) it cannot ask without a terminal. */
  needsTerminal: /Interactive prompts require a TTY/,
  /** `push` changed the database, or found nothing to change. */
  pushed: /Changes applied|No changes detected/,
} as const;

/**
 * Runs drizzle-kit in `cwd` without a terminal and returns what it printed; throws when it exits non-zero.
 *
 * @example
 * ```ts
 * runDrizzleKit(cwd, ["generate", "--config", "drizzle.config.ts"], "generate the tables' migration");
 * ```
 */
export function runDrizzleKit(cwd: string, args: readonly string[], purpose: string): string {
  let bin: string;
  try {
    bin = join(dirname(createRequire(join(cwd, "package.json")).resolve("drizzle-kit")), "bin.cjs");
  } catch {
    throw new GenerateError(
      `drizzle-kit is not installed in ${cwd}: install it with \`npm install --save-dev drizzle-kit\``,
    );
  }
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const output = withoutRepeatedTraces(`${run.stdout ?? ""}${run.stderr ?? ""}`);
  if (run.error) throw new GenerateError(`could not run drizzle-kit to ${purpose}: ${run.error.message}`);
  if (run.status !== 0) throw new GenerateError(`drizzle-kit failed to ${purpose} (exit ${run.status}):\n${output}`);
  return output;
}

/** A stack frame line, as Node.js writes it (`    at fn (file:line:column)`). */
const STACK_FRAME = /^\s+at /;

/**
 * drizzle-kit's output without the stack traces it repeats: drizzle-kit 0.31 writes some errors twice
 * to stderr (the interactive prompt's, for one), each time with its stack trace. An error block (a line,
 * then its stack frames) that is the same as one already shown is left out; any other line is kept,
 * repeated or not.
 *
 * @example
 * ```ts
 * withoutRepeatedTraces("Error: x\n    at f (a.js:1:1)\nError: x\n    at f (a.js:1:1)\n"); // "Error: x\n    at f (a.js:1:1)\n"
 * ```
 */
export function withoutRepeatedTraces(output: string): string {
  const lines = output.split("\n");
  const blocks: string[][] = [];
  for (const line of lines) {
    const last = blocks.at(-1);
    if (last !== undefined && STACK_FRAME.test(line)) last.push(line);
    else blocks.push([line]);
  }
  const shown = new Set<string>();
  const kept = blocks.filter((block) => {
    if (block.length === 1) return true; // no stack frames: not a trace
    const text = block.join("\n");
    if (shown.has(text)) return false;
    shown.add(text);
    return true;
  });
  return kept.flat().join("\n");
}

/**
 * Why a `drizzle-kit generate` run that exited 0 but wrote no migration failed, or `undefined` when it
 * said there was nothing to write. drizzle-kit exits 0 when it stops at a question it cannot ask
 * without a terminal, and on some errors too (a damaged snapshot).
 *
 * @example
 * ```ts
 * silentFailure("No schema changes, nothing to migrate"); // undefined
 * ```
 */
export function silentFailure(output: string): string | undefined {
  if (SAYS.noChanges.test(output)) return undefined;
  if (SAYS.needsTerminal.test(output)) {
    return (
      "drizzle-kit stopped without writing a migration: it needs an answer to an interactive question, most " +
      "likely whether a table or column was renamed. Run `drizzle-kit generate` in a terminal to answer it, " +
      `then run \`drizzle-spector generate\` again.\n--- drizzle-kit said:\n${output}`
    );
  }
  return `drizzle-kit wrote no migration and did not say "No schema changes" (it exited 0):\n${output}`;
}

/**
 * Why a `drizzle-kit push` run that exited 0 failed, or `undefined` when it said it applied the
 * changes or found none. Like `generate`, it exits 0 when it stops at a question it cannot ask without
 * a terminal (a table or column renamed, statements that lose data, and with `strict` (the config's
 * `strict: true`, without `--force`) the approval of every change), having changed nothing.
 *
 * @example
 * ```ts
 * pushFailure("[✓] Changes applied"); // undefined
 * ```
 */
export function pushFailure(output: string, strict = false): string | undefined {
  if (SAYS.needsTerminal.test(output) && strict) {
    return (
      "drizzle-kit push stopped without changing the database: the config says `strict: true`, so drizzle-kit " +
      "asks to approve the statements before it runs them, which it cannot ask without a terminal (and it may " +
      "also ask whether a table or column was renamed, or to approve data loss). Run `drizzle-kit push` in a " +
      "terminal to approve them, or pass `--force` (which approves them all, data loss included), or set " +
      "`strict: false`; then run `drizzle-spector push` again." +
      `\n--- drizzle-kit said:\n${output}`
    );
  }
  if (SAYS.needsTerminal.test(output)) {
    return (
      "drizzle-kit push stopped without changing the database: it needs an answer to an interactive question, " +
      "whether a table or column was renamed, or whether to run statements that lose data. Run `drizzle-kit push` " +
      "in a terminal to answer it (or pass `--force` to approve data loss), then run `drizzle-spector push` again." +
      `\n--- drizzle-kit said:\n${output}`
    );
  }
  if (SAYS.pushed.test(output)) return undefined;
  return `drizzle-kit push did not say "Changes applied" or "No changes detected" (it exited 0):\n${output}`;
}

/** drizzle-kit's migration prefixes (`migrations.prefix`) made of the current second. */
const PREFIXES_BY_SECOND = new Set(["timestamp", "supabase", "unix"]);

/**
 * Waits for the next second when drizzle-kit names migrations (and their snapshots) by the second
 * (`prefix`, default `index`) and the journal's last migration (`lastWhen`, in milliseconds) was
 * written in this second: a second migration in the same second would overwrite its snapshot.
 *
 * @example
 * ```ts
 * await waitForNextMigrationName("timestamp", readJournal(out).at(-1)?.when);
 * ```
 */
export async function waitForNextMigrationName(prefix = "index", lastWhen: number | undefined): Promise<void> {
  if (!PREFIXES_BY_SECOND.has(prefix) || lastWhen === undefined) return;
  const second = (ms: number) => Math.floor(ms / 1000);
  while (second(Date.now()) <= second(lastWhen)) {
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
  }
}
