/**
 * How the comparisons of a database with the schema ask the database: one SQL statement at a time,
 * through whatever driver the caller has (the command line's own connection, or a Drizzle database).
 *
 * @module
 */

/**
 * Runs one SQL statement with `$1`-style parameters and returns its rows. The comparisons pass text
 * parameters only and read back text, booleans and numbers only, so any driver's answer will do.
 *
 * @example
 * ```ts
 * const query: CatalogQuery = async (text, params) => (await pool.query(text, params)).rows;
 * ```
 */
export type CatalogQuery = (text: string, params: unknown[]) => Promise<readonly Record<string, unknown>[]>;
