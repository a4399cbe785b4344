/**
 * The `pgTable` of a PostgreSQL schema, and its type: what every table factory builds on.
 *
 * @module
 */
import type { BuildColumns } from "drizzle-orm";
import {
  pgSchema,
  pgTable,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  type TableConfig,
} from "drizzle-orm/pg-core";

/**
 * The `pgTable` type for a name, schema and column builders: what `pgTable(name, columns)` returns.
 * (The conditional lets TypeScript accept generic column maps, which it cannot check up front.)
 */
export type SpectorPgTable<TName extends string, TSchema extends string | undefined, TColumns> = PgTableWithColumns<
  {
    name: TName;
    schema: TSchema;
    columns: TColumns extends Record<string, PgColumnBuilderBase> ? BuildColumns<TName, TColumns, "pg"> : never;
    dialect: "pg";
  } extends infer C extends TableConfig
    ? C
    : never
>;

/** The table function for a schema: `pgTable` for the default one, as Drizzle wants. */
export function tableFunction(schema: string | undefined): typeof pgTable {
  return (schema === undefined ? pgTable : pgSchema(schema).table) as typeof pgTable;
}
