/**
 * The heads table of a record chain (`hashed: "record"`): one row per record, which the record chain's
 * trigger keeps (`sql/record-chain.ts`). drizzle-kit creates it as it creates the events table; only the
 * trigger writes it.
 *
 * @module
 */
import { bigint, uuid, type AnyPgColumn, type PgTable } from "drizzle-orm/pg-core";
import { HEAD_COLUMNS, displayName, names } from "../naming/index.js";
import { bytea } from "./columns.js";
import { SpectorOptionError } from "../errors.js";
import { setMeta, type EventTableMeta, type EventTablePlan, type HeadsTableMeta } from "./meta.js";
import { tableFunction, type SpectorPgTable } from "./pg-table.js";

/** The column builders of the heads table of a `versioned` events table without a record chain: no hash. */
export function versionHeadsColumns() {
  return {
    parentId: uuid(HEAD_COLUMNS.parentId).primaryKey().notNull(),
    lastId: uuid(HEAD_COLUMNS.lastId).notNull(),
    eventCount: bigint(HEAD_COLUMNS.eventCount, { mode: "number" }).notNull(),
  };
}

/** The column builders of a heads table. */
export function headsColumns() {
  return {
    parentId: uuid(HEAD_COLUMNS.parentId).primaryKey().notNull(),
    lastId: uuid(HEAD_COLUMNS.lastId).notNull(),
    lastHash: bytea(HEAD_COLUMNS.lastHash).notNull(),
    eventCount: bigint(HEAD_COLUMNS.eventCount, { mode: "number" }).notNull(),
  };
}

/**
 * The Drizzle type of the heads table `TName` of a record-chained events table.
 *
 * @example
 * ```ts
 * type Head = HeadsTable<"events_heads", undefined>["$inferSelect"];
 * // { parentId: string; lastId: string; lastHash: Buffer; eventCount: number }
 * ```
 */
export type HeadsTable<
  TName extends string = string,
  TSchema extends string | undefined = string | undefined,
> = SpectorPgTable<TName, TSchema, ReturnType<typeof headsColumns>>;

/**
 * The Drizzle type of the heads table `TName` of a `versioned` events table without a record chain:
 * the record heads alone, without `lastHash`.
 *
 * @example
 * ```ts
 * type Head = VersionHeadsTable<"orders_heads", undefined>["$inferSelect"];
 * // { parentId: string; lastId: string; eventCount: number }
 * ```
 */
export type VersionHeadsTable<
  TName extends string = string,
  TSchema extends string | undefined = string | undefined,
> = SpectorPgTable<TName, TSchema, ReturnType<typeof versionHeadsColumns>>;

/** Any heads table built by drizzle-spector. */
export type AnyHeadsTable = PgTable & {
  readonly parentId: AnyPgColumn;
  readonly lastId: AnyPgColumn;
  readonly lastHash: AnyPgColumn;
  readonly eventCount: AnyPgColumn;
};

/** Builds the heads table of record-chained or `versioned` events table `plan`. */
export function buildHeadsTable(plan: EventTablePlan, schema: string | undefined): AnyHeadsTable {
  const name = names.recordChain.headsTable(plan.name);
  const table = tableFunction(schema)(name, plan.recordChain ? headsColumns() : versionHeadsColumns());
  const meta: HeadsTableMeta = {
    kind: "heads",
    name,
    pgSchema: schema,
    events: plan.name,
    ...(plan.recordChain ? {} : { versionOnly: true }),
  };
  return setMeta(table, meta) as unknown as AnyHeadsTable;
}

/**
 * The heads table of record-chained events table `meta`, or a {@link SpectorOptionError} at `path`
 * saying the table has no record chain.
 *
 * @example
 * ```ts
 * recordChainHeads("table", eventTableMeta("table", events)); // events_heads
 * ```
 */
export function recordChainHeads(path: string, meta: EventTableMeta): AnyHeadsTable {
  if (!meta.recordChain || meta.headsTable === undefined) {
    throw new SpectorOptionError(
      path,
      `events table ${displayName(meta)}`,
      'an events table made with `hashed: "record"` (this one has no record chain)',
    );
  }
  return meta.headsTable as AnyHeadsTable;
}

/**
 * The heads table of events table `meta` when it keeps record heads (`versioned: true` or
 * `hashed: "record"`), or a {@link SpectorOptionError} at `path` saying it keeps none.
 *
 * @example
 * ```ts
 * recordHeads("events", eventTableMeta("events", orders)); // orders_heads
 * ```
 */
export function recordHeads(path: string, meta: EventTableMeta): PgTable {
  if (!meta.versioned || meta.headsTable === undefined) {
    throw new SpectorOptionError(
      path,
      `events table ${displayName(meta)}`,
      'an events table made with `versioned: true` or `hashed: "record"` (this one keeps no record heads)',
    );
  }
  return meta.headsTable as PgTable;
}
