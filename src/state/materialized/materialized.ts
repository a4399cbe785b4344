/**
 * `materialized(stateTable, { events, schema, evolve })`: a Drizzle table of the user's kept in step
 * with the records of one schema (Spector's record tables).
 *
 * @module
 */
import { getTableName, is } from "drizzle-orm";
import { PgTable, getTableConfig, type PgColumn } from "drizzle-orm/pg-core";
import { checkObject } from "../../checks.js";
import { SpectorOptionError } from "../../errors.js";
import { displayName } from "../../naming/index.js";
import { resolveEventTables, resolveEvents } from "../../queries/target.js";
import type { EventRow, SpectorDatabase } from "../../queries/types.js";
import type { AnyEventTable } from "../../tables/event-table.js";
import type { ShardSet } from "../../tables/shards.js";
import { getMaterialized, type GetOptions } from "./get.js";
import { importRows, type ImportOptions, type ImportResult } from "./import.js";
import { rebuildMaterialized, type RebuildOptions, type RebuildResult } from "./rebuild.js";
import { SPEC, columnsOf, stateTableName, type MaterializedSpec } from "./spec.js";

/** The events of schema `N` of events table `T`, as `evolve` receives them (payload narrowed by schema). */
export type MaterializedEvent<T extends AnyEventTable, N> =
  EventRow<T> extends infer E ? (E extends { schema: infer K } ? (N extends K ? E : never) : never) : never;

/** The options of {@link materialized}. */
export interface MaterializedOptions<S extends PgTable, T extends AnyEventTable, N extends EventRow<T>["schema"]> {
  /** The events table (or shard set) whose records the table follows; it must keep record heads. */
  readonly events: T | ShardSet<T>;
  /** The schema whose records the table holds (a name of the table's `schemas`, or its integer). */
  readonly schema: N;
  /**
   * The next row of a record from its row (`undefined`: no row yet, or deleted) and one of its events
   * of `schema`: the whole row, its id (the record's) included, or `undefined` to delete the row.
   */
  readonly evolve: (
    row: S["$inferSelect"] | undefined,
    event: MaterializedEvent<T, N>,
  ) => S["$inferSelect"] | undefined;
}

/** A table kept in step with the records of one schema: what {@link materialized} returns. */
export interface Materialized<S extends PgTable = PgTable, T extends AnyEventTable = AnyEventTable> {
  /** The state table. */
  readonly table: S;
  /** The events table (or shard set) it follows. */
  readonly events: T | ShardSet<T>;
  /** @internal The resolved definition. */
  readonly [SPEC]: MaterializedSpec;
  /**
   * Recomputes every row from the log, in batches of records (by record id): each batch one read of
   * the events and one multi-row upsert (and a delete of the rows whose fold is `undefined`).
   * Idempotent per batch; pass the `cursor` a progress report gave as `after` to resume.
   */
  rebuild(db: SpectorDatabase, options?: RebuildOptions): Promise<RebuildResult>;
  /** The row of record `id`, or, with `at` (an event id), the row replayed up to that event. */
  get(db: SpectorDatabase, id: string, options?: GetOptions): Promise<S["$inferSelect"] | undefined>;
  /**
   * Spector's bringup: every row of the table whose id is no record yet becomes a record, with one
   * `insert` event of the schema whose payload is the row (as JSON), its id the row's.
   */
  import(db: SpectorDatabase, options?: ImportOptions): Promise<ImportResult>;
}

const OPTION_KEYS = ["events", "schema", "evolve"] as const;

/**
 * Keeps `stateTable` (a Drizzle `pgTable` of yours whose primary key is one `uuid` column, the
 * record's id) in step with the records of `schema` in `events`: pass it to `appendEvents` as
 * `materialize: [m]` and the row is upserted (or deleted, when `evolve` returns `undefined`) in the
 * transaction that appends the events; `m.rebuild(db)` recomputes every row from the log;
 * `m.get(db, id, { at })` reads a row or replays it as of an event; `m.import(db)` turns existing
 * rows into records. The events table must keep record heads (`versioned: true` or
 * `hashed: "record"`): the append locks the record's head, so that two appends to one record cannot
 * leave a row that is not the fold of its log.
 *
 * @example
 * ```ts
 * export const orders = pgTable("orders", { id: uuid("id").primaryKey(), total: integer("total").notNull() });
 * export const ordersView = materialized(orders, {
 *   events,
 *   schema: "order",
 *   evolve: (row, event) =>
 *     event.action === "delete" ? undefined : { ...row, id: event.parentId, total: event.payload!.total },
 * });
 * await appendEvents(db, events, { events: [{ schema: "order", action: "insert", payload: { total: 30 } }], materialize: [ordersView] });
 * ```
 * @throws {SpectorOptionError} when `stateTable` has no single `uuid` primary key, `events` keeps no
 * record heads, `schema` is not one of its schemas, or `evolve` is not a function.
 */
export function materialized<S extends PgTable, T extends AnyEventTable, const N extends EventRow<T>["schema"]>(
  stateTable: S,
  options: MaterializedOptions<S, T, N>,
): Materialized<S, T> {
  if (!is(stateTable, PgTable)) {
    throw new SpectorOptionError(
      "stateTable",
      stateTable,
      "a Drizzle `pgTable` whose primary key is one `uuid` column",
    );
  }
  const given = checkObject("options", options, OPTION_KEYS);
  const key = recordKey(stateTable);
  const target = resolveEvents("events", given.events);
  const tables = resolveEventTables("events", given.events);
  const meta = target.meta;
  if (!meta.recordChain && !meta.versioned) {
    throw new SpectorOptionError(
      "events",
      displayName(meta),
      'an events table with record heads (`versioned: true` or `hashed: "record"`), whose lock keeps the row the fold of its record',
    );
  }
  if (meta.hashed && !meta.recordChain) {
    throw new SpectorOptionError(
      "events",
      displayName(meta),
      "an events table without Spector's chain (`hashed: true` appends through the chain's function, under a table lock that the record lock `materialize` takes first would deadlock with)",
    );
  }
  const schema = checkSchema(given.schema, meta.schemas, displayName(meta));
  if (typeof given.evolve !== "function") {
    throw new SpectorOptionError("evolve", given.evolve, "a function `(row | undefined, event) => row | undefined`");
  }
  const columns = columnsOf(stateTable);
  const keyName = Object.entries(columns).find(([, column]) => column === key)![0];
  const spec: MaterializedSpec = {
    table: stateTable,
    tableName: stateTableName(stateTable),
    key,
    keyName,
    columns,
    target,
    tables,
    schema,
    evolve: given.evolve as MaterializedSpec["evolve"],
  };
  return Object.freeze({
    table: stateTable,
    events: given.events as T | ShardSet<T>,
    [SPEC]: spec,
    rebuild: (db: SpectorDatabase, opts?: RebuildOptions) => rebuildMaterialized(db, spec, opts),
    get: (db: SpectorDatabase, id: string, opts?: GetOptions) =>
      getMaterialized(db, spec, id, opts) as Promise<S["$inferSelect"] | undefined>,
    import: (db: SpectorDatabase, opts?: ImportOptions) => importRows(db, spec, opts),
  });
}

/** The single `uuid` primary-key column of `table`, or a `SpectorOptionError` naming `stateTable`. */
function recordKey(table: PgTable): PgColumn {
  const config = getTableConfig(table);
  const primary = config.columns.filter((column) => column.primary);
  const keys = [...primary, ...config.primaryKeys.flatMap((pk) => pk.columns)];
  const expected = "a table whose primary key is one `uuid` column (the record's id)";
  if (keys.length !== 1) {
    const shown = keys.length === 0 ? "no primary key" : `primary key (${keys.map((c) => c.name).join(", ")})`;
    throw new SpectorOptionError("stateTable", `table ${getTableName(table)} with ${shown}`, expected);
  }
  const key = keys[0]!;
  if (key.getSQLType() !== "uuid") {
    throw new SpectorOptionError(
      "stateTable",
      `table ${getTableName(table)} with primary key ${key.name} of type ${key.getSQLType()}`,
      expected,
    );
  }
  return key;
}

/** Checks `schema`: one of the names of the table's `schemas` map, or, without a map, an integer. */
function checkSchema(
  value: unknown,
  map: { readonly byName: ReadonlyMap<string, number>; readonly byCode: ReadonlyMap<number, string> } | undefined,
  table: string,
): unknown {
  if (map === undefined) {
    if (typeof value === "number" && Number.isInteger(value)) return value;
    throw new SpectorOptionError("schema", value, `an integer (events table ${table} declares no \`schemas\`)`);
  }
  if (typeof value === "string" && map.byName.has(value)) return value;
  if (typeof value === "number" && map.byCode.has(value)) return map.byCode.get(value);
  const list = [...map.byName.keys()].map((name) => JSON.stringify(name)).join(", ");
  throw new SpectorOptionError("schema", value, `one of the schemas of events table ${table}: ${list}`);
}
