/**
 * The positions table of an events table (`positions: true`): one row per event, which the positions'
 * trigger queues (`position` `NULL`) and `position_events_T` numbers once the event is committed
 * (`sql/positions.ts`). drizzle-kit creates it as it creates the events table; only the rule's
 * functions write it.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { bigint, index, uniqueIndex, uuid, type PgTable } from "drizzle-orm/pg-core";
import { SpectorOptionError } from "../errors.js";
import { POSITION_COLUMNS, displayName, names } from "../naming/index.js";
import { eventTableMeta, type EventTableMeta, type EventTablePlan } from "./meta.js";
import { tableFunction, type SpectorPgTable } from "./pg-table.js";

/** The column builders of a positions table. */
function positionsColumns() {
  return {
    id: uuid(POSITION_COLUMNS.id).primaryKey().notNull(),
    position: bigint(POSITION_COLUMNS.position, { mode: "number" }),
  };
}

/**
 * The Drizzle type of the positions table `TName` of an events table made with `positions: true`.
 *
 * @example
 * ```ts
 * type Position = PositionsTable<"events_positions", undefined>["$inferSelect"];
 * // { id: string; position: number | null }
 * ```
 */
export type PositionsTable<
  TName extends string = string,
  TSchema extends string | undefined = string | undefined,
> = SpectorPgTable<TName, TSchema, ReturnType<typeof positionsColumns>>;

/** Builds the positions table of events table `plan` (`positions: true`). */
export function buildPositionsTable(plan: EventTablePlan, schema: string | undefined): PgTable {
  const name = names.positions.table(plan.name);
  return tableFunction(schema)(name, positionsColumns(), (t) => [
    // the order readers follow: each position once
    uniqueIndex(names.positions.orderIndex(plan.name)).on(t.position),
    // the queue: events not positioned yet, in the order they are given positions
    index(names.positions.queueIndex(plan.name))
      .on(t.id)
      .where(sql`${t.position} IS NULL`),
  ]);
}

/**
 * The positions table of events table `meta`, or a {@link SpectorOptionError} at `path` saying the
 * table has none (it was made without `positions: true`).
 *
 * @example
 * ```ts
 * positionsOf("table", eventTableMeta("table", events)); // events_positions
 * ```
 */
export function positionsOf(path: string, meta: EventTableMeta): PgTable {
  if (!meta.positions || meta.positionsTable === undefined) {
    throw new SpectorOptionError(
      path,
      `events table ${displayName(meta)}`,
      "an events table made with `positions: true` (this one keeps no positions: add the option, generate and migrate)",
    );
  }
  return meta.positionsTable as PgTable;
}

/**
 * The positions table of an events table made by `eventTable(name, { positions: true })`
 * (`spectorTables` returns it already, as `<table>_positions`): export it from your schema file, so
 * that drizzle-kit creates it. `id` (the event), `position` (`NULL` until the event is positioned).
 * Only the positions' functions write it; readers need no privilege on it beyond what `readAll` reads.
 *
 * @example
 * ```ts
 * export const events = eventTable("events", { positions: true });
 * export const events_positions = positionsTable(events);
 * ```
 * @throws {SpectorOptionError} when `events` was made without `positions: true`.
 */
export function positionsTable<const T extends PgTable>(
  events: T,
): PositionsTable<`${T["_"]["name"]}_positions`, T["_"]["schema"]> {
  return positionsOf("events", eventTableMeta("events", events)) as never;
}
