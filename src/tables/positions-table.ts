/**
 * The positions table of an events table (`positions: true`): one row per writer statement's events,
 * up to {@link POSITIONS_PER_ROW} of them in `id` order (`ids`; `NULL` for a row of one event, which
 * `id` then is), queued by the positions' trigger (`position` `NULL`, `queued` the order of queueing),
 * and numbered by `position_events_T` once committed: `position` is then the position of the row's last
 * event, its events taking the positions before it in order. drizzle-kit creates it as it creates the
 * events table; only the rule's functions write it.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { bigint, index, uniqueIndex, uuid, type PgTable } from "drizzle-orm/pg-core";
import { SpectorOptionError } from "../errors.js";
import { POSITION_COLUMNS, displayName, names } from "../naming/index.js";
import { eventTableMeta, type EventTableMeta, type EventTablePlan } from "./meta.js";
import { tableFunction, type SpectorPgTable } from "./pg-table.js";

/**
 * The most events a positions row holds: a writer statement of more takes several rows (so that a
 * reader unnests at most this many ids per row it reads).
 */
export const POSITIONS_PER_ROW = 1000;

/** The column builders of a positions table. */
function positionsColumns() {
  return {
    id: uuid(POSITION_COLUMNS.id).primaryKey().notNull(),
    position: bigint(POSITION_COLUMNS.position, { mode: "number" }),
    ids: uuid(POSITION_COLUMNS.ids).array(),
    queued: bigint(POSITION_COLUMNS.queued, { mode: "number" }).generatedAlwaysAsIdentity(),
  };
}

/**
 * The Drizzle type of the positions table `TName` of an events table made with `positions: true`.
 *
 * @example
 * ```ts
 * type Position = PositionsTable<"events_positions", undefined>["$inferSelect"];
 * // { id: string; position: number | null; ids: string[] | null; queued: number }
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
    // the queue: rows not positioned yet, in the order they are given positions
    index(names.positions.queueIndex(plan.name))
      .on(t.queued)
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
 * that drizzle-kit creates it. `id` (the row's first event), `position` (its last event's; `NULL` until
 * positioned), `ids` (its events, `NULL` for one), `queued` (the order of queueing).
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
