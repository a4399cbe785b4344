/**
 * Writing a materialized table's rows: the rows upserted and the rows deleted, in one statement.
 *
 * @module
 */
import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { identifier, quoteIdent } from "../../sql/quote.js";
import type { SpectorDatabase } from "../../queries/types.js";
import type { MaterializedSpec, StateRow } from "./spec.js";

/** Column types whose value goes into the statement's JSON as the value itself, not as its text. */
const JSON_COLUMNS = new Set(["PgJson", "PgJsonb"]);

/**
 * Upserts `upserts` (by the record-id column; every column given is overwritten) and deletes the rows
 * of records `deletes`, in one statement: the rows travel as one JSON parameter, which
 * `jsonb_populate_recordset` turns into rows of the table's own type, each value read by its
 * column's input function from the text Drizzle would have sent for it (`mapToDriverValue`). A batch
 * with a value JSON cannot carry as that text (a column left `undefined`, which Drizzle fills with
 * its default; a binary or other object value; a number JSON has no literal for), and every batch of
 * a table with generated columns (which Drizzle leaves out of an insert), is written through
 * Drizzle's own insert instead, with the same result.
 *
 * @example
 * ```ts
 * await writeRows(tx, spec, [{ id, total: 3 }], [goneId]);
 * ```
 */
export async function writeRows(
  db: SpectorDatabase,
  spec: MaterializedSpec,
  upserts: readonly StateRow[],
  deletes: readonly string[],
): Promise<void> {
  if (upserts.length === 0 && deletes.length === 0) return;
  const columns = Object.entries(spec.columns);
  const generated = columns.some(
    ([, column]) => column.generated !== undefined || column.generatedIdentity !== undefined,
  );
  const json = upserts.length === 0 ? "[]" : generated ? undefined : asJson(columns, upserts);
  if (json === undefined) {
    await upsertThroughDrizzle(db, spec, upserts);
    if (deletes.length > 0) await db.execute(deleteStatement(spec, JSON.stringify(deletes)));
    return;
  }
  const table = sql.raw(spec.tableName);
  const key = identifier(spec.key.name);
  const names = sql.raw(columns.map(([, column]) => quoteIdent(column.name)).join(", "));
  const picked = sql.raw(columns.map(([, column]) => `r.${quoteIdent(column.name)}`).join(", "));
  const set = columns
    .filter(([, column]) => column !== spec.key)
    .map(([, column]) => `${quoteIdent(column.name)} = excluded.${quoteIdent(column.name)}`);
  const conflict = set.length === 0 ? sql`do nothing` : sql`do update set ${sql.raw(set.join(", "))}`;
  const insert = sql`insert into ${table} (${names}) select ${picked} from pg_catalog.jsonb_populate_recordset(null::${table}, ${json}::pg_catalog.text::pg_catalog.jsonb) as r on conflict (${key}) ${conflict}`;
  await db.execute(
    deletes.length === 0 ? insert : sql`with gone as (${deleteStatement(spec, JSON.stringify(deletes))}) ${insert}`,
  );
}

/** The delete of the rows whose ids the JSON array `ids` holds. */
function deleteStatement(spec: MaterializedSpec, ids: string): SQL {
  return sql`delete from ${sql.raw(spec.tableName)} where ${identifier(spec.key.name)} in (select d::pg_catalog.uuid from pg_catalog.jsonb_array_elements_text(${ids}::pg_catalog.text::pg_catalog.jsonb) as d)`;
}

/**
 * `rows` as a JSON array of objects keyed by column name, each value the text (or number, boolean,
 * `null`) Drizzle would send, or a JSON column's value; `undefined` when a value cannot go that way.
 */
function asJson(columns: readonly (readonly [string, PgColumn])[], rows: readonly StateRow[]): string | undefined {
  const out: Record<string, unknown>[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const item: Record<string, unknown> = {};
    for (const [key, column] of columns) {
      const value = row[key];
      if (value === undefined) return undefined;
      if (value === null || JSON_COLUMNS.has(column.columnType)) {
        item[column.name] = value;
        continue;
      }
      const driver = column.mapToDriverValue(value);
      if (typeof driver === "string" || typeof driver === "boolean") item[column.name] = driver;
      else if (typeof driver === "number" && Number.isFinite(driver)) item[column.name] = driver;
      else if (typeof driver === "bigint") item[column.name] = String(driver);
      else return undefined;
    }
    out[i] = item;
  }
  return JSON.stringify(out);
}

/** Upserts `rows` through Drizzle's insert (one statement): every column given is overwritten. */
async function upsertThroughDrizzle(db: SpectorDatabase, spec: MaterializedSpec, rows: readonly StateRow[]) {
  if (rows.length === 0) return;
  const set: Record<string, SQL> = {};
  for (const [key, column] of Object.entries(spec.columns)) {
    if (key !== spec.keyName) set[key] = sql.raw(`excluded.${quoteIdent(column.name)}`);
  }
  const insert = db.insert(spec.table).values(rows as never[]);
  await (Object.keys(set).length === 0
    ? insert.onConflictDoNothing({ target: spec.key })
    : insert.onConflictDoUpdate({ target: spec.key, set: set as never }));
}
