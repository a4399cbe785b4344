/**
 * `drizzle-spector check`: compares a live database with the schema. Every rule each table of the
 * schema gets (`ruleTargets`) must be installed as this version writes it, as its `objects()` describe
 * it; no rule function or trigger may be left over for a table that no longer gets the rule.
 *
 * The comparison (`compareDatabase`, in `src/check/`, which an app's `checkDatabase` runs too) reads
 * the catalogs in one statement through a `CatalogQuery`, whatever the driver; {@link check} loads the
 * project, connects and reports.
 *
 * @module
 */
import { GenerateError } from "../errors.js";
import { differenceLine, type Comparison } from "../check/differences.js";
import { compareDatabase } from "../check/database.js";
import { connect, type ConnectionConfig, type DriverName } from "./connect.js";
import { loadProject } from "./project.js";

/** Options of {@link check}. */
export interface CheckOptions {
  /** drizzle-kit config file. Default: `drizzle.config.ts`, else `.mts`, `.cts`, `.js`, `.mjs` or `.cjs`, in that order. */
  readonly config?: string;
  /** Directory the command runs in. Default: the current one. */
  readonly cwd?: string;
  /** Where `DATABASE_URL` is read. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the report goes, one line per call. Default: `console.log`. */
  readonly log?: (line: string) => void;
  /** Report as one JSON document instead of lines. */
  readonly json?: boolean;
}

/** What {@link check} found. */
export interface CheckResult extends Comparison {
  /** The driver it connected with. */
  readonly driver: DriverName;
  /** What it connected to (no password). */
  readonly target: string;
}

/**
 * Loads the project, connects to its database (`DATABASE_URL`, else the config's `dbCredentials`)
 * and compares it with the schema (`compareDatabase`). Reports one line per difference and a
 * summary (or, with `json`, one JSON document). The command exits 1 when anything differs.
 *
 * @example
 * ```ts
 * const result = await check({ config: "drizzle.config.ts" });
 * // drizzle-spector check: postgres://app@db.internal:5432/app (from DATABASE_URL), through pg
 * // trigger enforce_same_parent_links on public.links: missing
 * // drizzle-spector check: 1 difference between the database and the rules of 1 table
 * if (result.differences.length > 0) process.exitCode = 1;
 * ```
 * @throws {GenerateError} when the project cannot be loaded or the database cannot be reached.
 */
export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { cwd, config, exports } = await loadProject(options);
  const connection = await connect(cwd, config as ConnectionConfig, options.env ?? process.env);
  let comparison: Comparison;
  try {
    comparison = await compareDatabase(connection.query, exports);
  } catch (error) {
    throw new GenerateError(`could not read the catalogs of ${connection.target}: ${(error as Error).message}`);
  } finally {
    await connection.close();
  }
  const result: CheckResult = { ...comparison, driver: connection.driver, target: connection.target };
  if (options.json) {
    log(JSON.stringify({ ok: result.differences.length === 0, ...result }, null, 2));
    return result;
  }
  log(`drizzle-spector check: ${result.target}, through ${result.driver}`);
  for (const difference of result.differences) log(differenceLine(difference));
  const { rules, functions, triggers } = result.expected;
  const tables = `${rules} table${rules === 1 ? "" : "s"}`;
  const count = result.differences.length;
  log(
    count === 0
      ? `drizzle-spector check: the database matches the rules of ${tables} (${functions} functions, ${triggers} triggers)`
      : `drizzle-spector check: ${count} difference${count === 1 ? "" : "s"} between the database and the rules of ${tables}`,
  );
  return result;
}
