/**
 * Raw statements through Drizzle, for SQL written as text with `$1`-style parameters (the record
 * chain's verification, which `drizzle-spector verify` also runs through a plain driver).
 *
 * @module
 */
import { sql, type SQL } from "drizzle-orm";
import type { SpectorDatabase } from "./types.js";

/** Runs one statement with `$1`-style parameters and returns its rows. */
export type RowQuery = (text: string, params: unknown[]) => Promise<readonly Record<string, unknown>[]>;

/**
 * A {@link RowQuery} on a Drizzle database: each `$n` of the text becomes a parameter, and the rows
 * come back as the driver gives them (postgres.js an array, node-postgres and PGlite `{ rows }`).
 *
 * @example
 * ```ts
 * const [row] = await rowQuery(db)("SELECT $1::int AS n", [1]); // { n: 1 }
 * ```
 */
export function rowQuery(db: SpectorDatabase): RowQuery {
  return async (text, params) => {
    const parts = text.split(/\$([1-9][0-9]*)/);
    // each $n one parameter, an array too (a bare array in Drizzle's `sql` would be a list of them)
    const chunks: SQL[] = parts.map((part, i) =>
      i % 2 === 0 ? sql.raw(part) : sql`${sql.param(params[Number(part) - 1])}`,
    );
    return rowsOf(await db.execute(sql.join(chunks, sql.raw(""))));
  };
}

/**
 * The rows of a statement's result as the driver gives it: postgres.js an array of rows, node-postgres,
 * Neon and PGlite `{ rows }`.
 *
 * @example
 * ```ts
 * rowsOf({ rows: [{ n: 1 }] }); // [{ n: 1 }]
 * ```
 */
export function rowsOf(result: unknown): readonly Record<string, unknown>[] {
  return Array.isArray(result)
    ? (result as Record<string, unknown>[])
    : (result as { rows: Record<string, unknown>[] }).rows;
}
