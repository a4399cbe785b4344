/**
 * The start-up check an application runs ({@link checkDatabase}): what `drizzle-spector check` does,
 * through the application's own Drizzle database, in one catalog query.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";
import { rowQuery } from "../queries/rows.js";
import type { SpectorDatabase } from "../queries/types.js";
import { getMeta } from "../tables/meta.js";
import { compareDatabase } from "./database.js";
import { differenceLine, type Comparison, type Difference } from "./differences.js";

/** What {@link checkDatabase} found. */
export interface DatabaseCheck {
  /** Whether the database holds every rule, `shards` list record and distribution the schema asks for, as this version writes them. */
  readonly ok: boolean;
  /** Each way the database differs (`differenceLine` renders one as `drizzle-spector check` prints it). */
  readonly differences: readonly Difference[];
  /** How many tables' rules, functions and triggers the schema asks for. */
  readonly expected: Comparison["expected"];
  /** What to run to install what differs; `""` when `ok`. */
  readonly fix: string;
  /** The report as lines: a summary, one line per difference, then {@link DatabaseCheck.fix}. */
  readonly message: string;
}

/** What installs the rules: the migrations `drizzle-spector generate` writes, or `drizzle-spector push`. */
export const INSTALL_ADVICE =
  "run `npx drizzle-spector generate` (not `drizzle-kit generate`) and apply its migrations (`npx drizzle-kit migrate`, " +
  "or drizzle-orm's `migrate()`), or `npx drizzle-spector push` (not `drizzle-kit push`); " +
  "then `npx drizzle-spector check` shows what is left";

/**
 * Compares the database with the drizzle-spector tables among `schema` (the object of a schema
 * module's exports, or an array of tables) as `drizzle-spector check` does, in one catalog query, and
 * says how to install what is missing or outdated. Meant for an application's start-up: a database
 * made with plain `drizzle-kit push` or `drizzle-kit generate` has the tables without their rules (no
 * same-parent trigger, no record chain, no append-only guard), and nothing else says so. Read-only;
 * it needs no privilege beyond reading the catalogs.
 *
 * A second query runs only where Citus is installed and the schema has Citus-layout tables.
 *
 * @example
 * ```ts
 * import { checkDatabase } from "drizzle-spector";
 * import * as schema from "./schema";
 *
 * const report = await checkDatabase(db, schema);
 * if (!report.ok) throw new Error(report.message);
 * // drizzle-spector: the database lacks or differs from 2 objects of the rules of 1 table:
 * //   trigger enforce_same_parent_links on public.links: missing
 * //   ...
 * // To install them: run `npx drizzle-spector generate` (not `drizzle-kit generate`) and apply its migrations ...
 * ```
 * @throws {SpectorOptionError} when `db` is not a Drizzle database or `schema` holds no drizzle-spector table.
 */
export async function checkDatabase(
  db: SpectorDatabase,
  schema: Readonly<Record<string, unknown>> | readonly unknown[],
): Promise<DatabaseCheck> {
  if (typeof db !== "object" || db === null || typeof (db as { execute?: unknown }).execute !== "function") {
    throw new SpectorOptionError("db", db, "a Drizzle PostgreSQL database (with `execute`)");
  }
  if (typeof schema !== "object" || schema === null || !Object.values(schema).some((v) => getMeta(v) !== undefined)) {
    throw new SpectorOptionError(
      "schema",
      schema,
      "the schema's exports (`import * as schema from ...`) or an array of tables, holding at least one drizzle-spector table",
    );
  }
  const comparison = await compareDatabase(rowQuery(db), schema);
  const count = comparison.differences.length;
  const { rules, functions, triggers } = comparison.expected;
  const tables = `${rules} table${rules === 1 ? "" : "s"}`;
  if (count === 0) {
    return {
      ...comparison,
      ok: true,
      fix: "",
      message: `drizzle-spector: the database matches the rules of ${tables} (${functions} functions, ${triggers} triggers)`,
    };
  }
  const fix = `To install them: ${INSTALL_ADVICE}.`;
  const lines = [
    `drizzle-spector: the database lacks or differs from ${count} object${count === 1 ? "" : "s"} of the rules of ${tables}:`,
    ...comparison.differences.map((difference) => `  ${differenceLine(difference)}`),
    fix,
  ];
  return { ...comparison, ok: false, fix, message: lines.join("\n") };
}
