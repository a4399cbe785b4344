/**
 * The one place where SQL identifiers are escaped. Every identifier that drizzle-spector writes into
 * SQL (tables, columns, functions, triggers, schemas, aliases), in SQL text or in a Drizzle query, goes
 * through {@link quoteIdent}.
 *
 * @module
 */
import { sql, type SQL } from "drizzle-orm";

/**
 * Quotes a PostgreSQL identifier: wraps it in double quotes and doubles any double quote inside, so
 * the name is always read as one identifier, never as SQL.
 *
 * @example
 * ```ts
 * quoteIdent("events");        // '"events"'
 * quoteIdent('a"; DROP x; --'); // '"a""; DROP x; --"'
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * An identifier for a Drizzle `sql` template, quoted by {@link quoteIdent} (Drizzle's own
 * `sql.identifier` does not double a quote inside a name).
 *
 * @example
 * ```ts
 * sql`select ${identifier("id")} from ${identifier("spector_walk")}`;
 * ```
 */
export function identifier(name: string): SQL {
  return sql.raw(quoteIdent(name));
}

/**
 * Quotes a schema-qualified name: `"schema"."name"`, with `public` when `schema` is undefined (as
 * drizzle-kit does in the foreign keys it writes), so that triggers never depend on the caller's
 * `search_path`.
 *
 * @example
 * ```ts
 * quoteQualified("audit", "events"); // '"audit"."events"'
 * quoteQualified(undefined, "events"); // '"public"."events"'
 * ```
 */
export function quoteQualified(schema: string | undefined, name: string): string {
  return `${quoteIdent(schema ?? "public")}.${quoteIdent(name)}`;
}

/**
 * Quotes a string literal (single quotes doubled). Used for the few literals that carry names into
 * messages, e.g. the link table's name inside a trigger's error text.
 *
 * @example
 * ```ts
 * quoteLiteral("it's"); // "'it''s'"
 * ```
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A function or type of PostgreSQL's own, by its schema: `pg_catalog.<name>`. The same-parent
 * functions, which do not pin their `search_path` (a `SET` clause costs every call), name everything
 * this way, so that nothing a caller puts first in their path can stand in for it.
 *
 * @example
 * ```ts
 * catalogName("count"); // "pg_catalog.count"
 * catalogName("uuid");  // "pg_catalog.uuid"
 * ```
 */
export function catalogName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new TypeError(`catalogName: expected a lowercase name, got ${JSON.stringify(name)}`);
  return `pg_catalog.${name}`;
}

/**
 * An operator of PostgreSQL's own, by its schema: `OPERATOR(pg_catalog.<symbol>)`, which a caller's
 * `search_path` cannot redirect to an operator of theirs (see {@link catalogName}). Mind the
 * precedence: PostgreSQL parses every `OPERATOR(...)` at the precedence of "any other operator",
 * whichever operator it names, so `a OPERATOR(pg_catalog.<=) b OPERATOR(pg_catalog.*) 8` is
 * `(a <= b) * 8`: parenthesize.
 *
 * @example
 * ```ts
 * catalogOperator("="); // "OPERATOR(pg_catalog.=)"
 * ```
 */
export function catalogOperator(symbol: string): string {
  if (!/^[-+*/<>=~!@#%^&|`?]+$/.test(symbol))
    throw new TypeError(`catalogOperator: expected an operator symbol, got ${JSON.stringify(symbol)}`);
  return `OPERATOR(pg_catalog.${symbol})`;
}
