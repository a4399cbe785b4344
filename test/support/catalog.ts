/**
 * Reads the layout of a schema's tables from `information_schema` and `pg_catalog`, with the schema
 * name left out, so two schemas (or a schema and an expectation) can be compared.
 */
import type { TestDatabase } from "./backends.js";

export interface TableLayout {
  columns: { name: string; type: string; nullable: boolean; precision: number | null; default: string | null }[];
  constraints: { name: string; definition: string }[];
  indexes: { name: string; definition: string }[];
  triggers: { name: string; definition: string }[];
}

/** The layout of every table of `schema`, keyed by table name. */
export async function readLayout(t: TestDatabase, schema: string): Promise<Record<string, TableLayout>> {
  const strip = (text: string) => text.replaceAll(`${schema}.`, "").replaceAll(`"${schema}".`, "");
  const tables = await t.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
    [schema],
  );
  const layout: Record<string, TableLayout> = {};
  for (const { table_name: table } of tables) {
    const relation = `"${schema}"."${table}"`;
    const columns = await t.query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      datetime_precision: number | null;
      column_default: string | null;
    }>(
      `SELECT column_name, data_type, is_nullable, datetime_precision, column_default
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, table],
    );
    const constraints = await t.query<{ conname: string; definition: string }>(
      `SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = $1::regclass AND contype IN ('p', 'f', 'u', 'c') ORDER BY conname`,
      [relation],
    );
    const indexes = await t.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname`,
      [schema, table],
    );
    const triggers = await t.query<{ tgname: string; definition: string }>(
      `SELECT tgname, pg_get_triggerdef(oid) AS definition FROM pg_trigger
        WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname`,
      [relation],
    );
    layout[table] = {
      columns: columns.map((c) => ({
        name: c.column_name,
        type: c.data_type,
        nullable: c.is_nullable === "YES",
        precision: c.datetime_precision,
        default: c.column_default,
      })),
      constraints: constraints.map((c) => ({ name: c.conname, definition: strip(c.definition) })),
      indexes: indexes.map((i) => ({ name: i.indexname, definition: strip(i.indexdef) })),
      triggers: triggers.map((tr) => ({ name: tr.tgname, definition: strip(tr.definition) })),
    };
  }
  return layout;
}

/** Names of the functions in `schema`. */
export async function functionNames(t: TestDatabase, schema: string): Promise<string[]> {
  const rows = await t.query<{ proname: string }>(
    `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.proname);
}
