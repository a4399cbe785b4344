/**
 * `consumerTable`: the table of a log's consumers' checkpoints, one row per consumer name.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { text, timestamp, type PgTable } from "drizzle-orm/pg-core";
import { at, checkName, checkObject, OPTIONS } from "../checks.js";
import { CONSUMER_COLUMNS } from "../naming/index.js";
import { tableFunction, type SpectorPgTable } from "../tables/pg-table.js";

/** The column builders of a checkpoints table. */
function consumerColumns() {
  return {
    name: text(CONSUMER_COLUMNS.name).primaryKey().notNull(),
    log: text(CONSUMER_COLUMNS.log).notNull(),
    cursor: text(CONSUMER_COLUMNS.cursor).notNull(),
    updatedAt: timestamp(CONSUMER_COLUMNS.updatedAt, { mode: "string", withTimezone: true })
      .notNull()
      .default(sql`now()`),
  };
}

/**
 * The Drizzle type of a checkpoints table made by {@link consumerTable}.
 *
 * @example
 * ```ts
 * type Checkpoint = CheckpointsTable<"checkpoints", undefined>["$inferSelect"];
 * // { name: string; log: string; cursor: string; updatedAt: string }
 * ```
 */
export type CheckpointsTable<
  TName extends string = string,
  TSchema extends string | undefined = string | undefined,
> = SpectorPgTable<TName, TSchema, ReturnType<typeof consumerColumns>>;

/** What marks a table as a checkpoints table (for the helpers' checks). */
const CHECKPOINTS = new WeakSet<object>();

/**
 * A table of consumers' checkpoints: export it from your schema file, so that drizzle-kit creates it,
 * and pass it to {@link consumer} and {@link consumerStatus}. One row per consumer name: `name`, the
 * `log` it follows (`schema.table`, or the shards of a set), its `cursor` (the position after the last
 * event it handled, as `readAll`'s `next`), and `updated_at`. One table can hold the consumers of
 * several logs. Only consumers write it; moving a consumer's cursor is a reset (`resetConsumer`).
 *
 * @example
 * ```ts
 * // src/db/schema.ts
 * export const { events, events_positions } = spectorTables({ table: "events", positions: true });
 * export const checkpoints = consumerTable("checkpoints");
 * ```
 * @throws {SpectorOptionError} for a bad name or option.
 */
export function consumerTable<const TName extends string, const TSchema extends string | undefined = undefined>(
  name: TName,
  options: { readonly pgSchema?: TSchema } = {},
): CheckpointsTable<TName, TSchema> {
  checkName("name", name, "a table name");
  const given = checkObject(OPTIONS, options, ["pgSchema"]);
  const schema =
    given.pgSchema === undefined ? undefined : checkName(at(OPTIONS, "pgSchema"), given.pgSchema, "a schema name");
  const table = tableFunction(schema === "public" ? undefined : schema)(name, consumerColumns());
  CHECKPOINTS.add(table);
  return table as never;
}

/** Whether `value` is a checkpoints table made by {@link consumerTable}. */
export function isCheckpointsTable(value: unknown): value is PgTable & CheckpointsTable {
  return typeof value === "object" && value !== null && CHECKPOINTS.has(value);
}
