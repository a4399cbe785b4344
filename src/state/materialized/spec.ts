/**
 * What a materialized table is, resolved once by `materialized()`: the state table, its record-id
 * column, the events tables it follows, the schema whose records it holds and the `evolve` function;
 * and the pieces every path shares (one record's fold scope, the row written or deleted).
 *
 * @module
 */
import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { SpectorOptionError } from "../../errors.js";
import { quoteQualified } from "../../sql/quote.js";
import type { EventsTable, EventsTarget } from "../../queries/target.js";
import type { EventTableMeta } from "../../tables/meta.js";
import type { SpectorDatabase } from "../../queries/types.js";
import type { FoldScope } from "../fold.js";

/** A row of a state table, as Drizzle reads and writes it (keys are the table's column keys). */
export type StateRow = Record<string, unknown>;

/** The resolved definition of a materialized table. */
export interface MaterializedSpec {
  readonly table: PgTable;
  /** The display name of the state table (`schema.table` outside the default schema). */
  readonly tableName: string;
  /** The record-id column (the table's single `uuid` primary key) and its key in a row. */
  readonly key: PgColumn;
  readonly keyName: string;
  /** The columns of the table by key. */
  readonly columns: Readonly<Record<string, PgColumn>>;
  /** The events table (or shard set) followed, and all its tables. */
  readonly target: EventsTarget;
  readonly tables: readonly EventsTable[];
  /** The schema, as the events table's `schema` column takes and returns it (a name, or an integer). */
  readonly schema: unknown;
  readonly evolve: (row: StateRow | undefined, event: unknown) => StateRow | undefined;
}

/** Where a materialized table keeps its resolved definition. */
export const SPEC = Symbol.for("drizzle-spector.materialized");

/** The spec of materialized table `value` given at `path`, or a `SpectorOptionError`. */
export function specOf(path: string, value: unknown): MaterializedSpec {
  const spec = typeof value === "object" && value !== null ? (value as { [SPEC]?: MaterializedSpec })[SPEC] : undefined;
  if (spec === undefined) throw new SpectorOptionError(path, value, "a table made by `materialized(stateTable, ...)`");
  return spec;
}

/** The state table's name as SQL: schema-qualified when the table has a schema. */
export function stateTableName(table: PgTable): string {
  const schema = (table as unknown as Record<symbol, string | undefined>)[Symbol.for("drizzle:Schema")];
  return quoteQualified(schema, getTableName(table));
}

/** The fold of `spec`'s records in events table `meta`: the events of its schema, upcast. */
export function foldScope(spec: MaterializedSpec, meta: EventTableMeta): FoldScope {
  return { schema: spec.schema, meta };
}

/**
 * Checks the row `evolve` returned for record `id`: an object whose record-id column is `id`
 * (`undefined` is a delete, and passes).
 */
export function checkRow(spec: MaterializedSpec, id: string, row: unknown): StateRow | undefined {
  if (row === undefined) return undefined;
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new SpectorOptionError("evolve", row, `to return a row of ${spec.tableName} (an object) or \`undefined\``);
  }
  const value = (row as StateRow)[spec.keyName];
  if (typeof value !== "string" || value.toLowerCase() !== id.toLowerCase()) {
    throw new SpectorOptionError(
      `evolve(...).${spec.keyName}`,
      value,
      `the record's id ${id}: evolve returns the whole row, its id included`,
    );
  }
  return row as StateRow;
}

/** The uuid `id` as SQL. */
const uuid = (id: string): SQL => sql`${id}::pg_catalog.text::pg_catalog.uuid`;

/** The rows of records `ids` in the state table, by id (lowercase). */
export async function readRows(
  db: SpectorDatabase,
  spec: MaterializedSpec,
  ids: readonly string[],
): Promise<Map<string, StateRow>> {
  const found = new Map<string, StateRow>();
  if (ids.length === 0) return found;
  const rows = (await db
    .select()
    .from(spec.table)
    .where(sql`${spec.key} in (${sql.join(ids.map(uuid), sql`, `)})`)) as StateRow[];
  for (const row of rows) found.set(String(row[spec.keyName]).toLowerCase(), row);
  return found;
}

/** The columns of `table`, by key. */
export function columnsOf(table: PgTable): Record<string, PgColumn> {
  return getTableColumns(table) as Record<string, PgColumn>;
}
