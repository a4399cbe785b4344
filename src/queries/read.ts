/**
 * Reading a record: `listByParent` and `backtrace`, run as prepared statements, and `rawCodes`, the
 * select fields that read `schema` and `action` as the integers stored.
 *
 * @module
 */
import { and, asc, eq, exists, getTableColumns, lte, sql, type SQL } from "drizzle-orm";
import { alias, type PgColumn } from "drizzle-orm/pg-core";
import { checkUuid } from "../checks.js";
import { COLUMNS, names } from "../naming/index.js";
import type { AnyEventTable } from "../tables/event-table.js";
import { eventTableMeta } from "../tables/meta.js";
import type { ShardSet } from "../tables/shards.js";
import { checkRef } from "./inputs.js";
import { driverOptions } from "./driver.js";
import { upcastRows } from "./upcast-rows.js";
import { refuseLaterEvent, resolveEvents, type Events } from "./target.js";
import type { EventRef, EventRow, SpectorDatabase } from "./types.js";

/**
 * The events of one record, by `id` (a UUIDv7, unique, so there are no ties): the order in which their
 * ids were made, which is not commit order when appends to the record overlap (an event committed
 * after one a reader has seen can sort before it; see "Order" in docs/typed-events.md).
 *
 * `parentId` is the id of a record's first event (any event row's `parentId`). An id that is no event
 * gives `[]` (no such record, yet). An id that is an event but not the first of its record is a
 * mistake that `[]` would hide: it throws `SpectorRecordNotFoundError`, naming the record to pass (on a
 * shard set, and the shard that holds the event). That check costs one more statement (a lookup by
 * primary key in each shard of a set), and only when nothing was found.
 *
 * @example
 * ```ts
 * const history = await listByParent(db, events, user.id);
 * history.map((event) => event.action); // ["insert", "update"]
 * await listByParent(db, events, renamed.parentId); // the same record, from any of its events
 * ```
 * @throws {SpectorOptionError} when `parentId` is not a UUID or the table is not an events table.
 * @throws {SpectorRecordNotFoundError} when `parentId` is an event that is not its record's first.
 */
export async function listByParent<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
): Promise<EventRow<T>[]> {
  const target = resolveEvents("table", table);
  const events = target.record(checkUuid("parentId", parentId));
  const t = events.table;
  const query = prepared(db, t, "list", () =>
    db
      .select()
      .from(t)
      .where(eq(t.parentId, sql.placeholder("parentId")))
      .orderBy(asc(t.id)),
  );
  const rows = upcastRows(target.meta, (await query.execute({ parentId })) as Events["$inferSelect"][]);
  // nothing found: say so when `parentId` is an event, but not its record's first (one more statement)
  if (rows.length === 0) await refuseLaterEvent(db, events, parentId);
  return rows as unknown as EventRow<T>[];
}

/**
 * The events of `event`'s record up to and including `event`, in `id` order: the record as it stood
 * when `event` was appended (Spector's backtrace) if no append to the record overlapped it (see
 * `listByParent` on order). `event` must be an event of that record: for an `id` that is no event of
 * record `parentId` (an event of another record, or none), the result is `[]`, as `listByParent`
 * gives for a record that is not there. A `parentId` that is an event but not its record's first
 * throws, as in `listByParent`.
 *
 * @example
 * ```ts
 * const before = await backtrace(db, events, renamed); // [user, renamed]
 * await backtrace(db, events, { id: otherRecordsEvent.id, parentId: user.id }); // []
 * ```
 * @throws {SpectorOptionError} when `event` has no UUID `id` and `parentId`.
 * @throws {SpectorRecordNotFoundError} when `parentId` is an event that is not its record's first.
 */
export async function backtrace<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  event: EventRef,
): Promise<EventRow<T>[]> {
  const target = resolveEvents("table", table);
  const ref = checkRef("event", event, true);
  const events = target.record(ref.parentId!);
  const t = events.table;
  const query = prepared(db, t, "backtrace", () => {
    const [parentId, id] = [sql.placeholder("parentId"), sql.placeholder("id")];
    // the event itself, in its record: without it the ids of another record's event would cut this one
    const self = alias(t, names.alias.backtraced);
    const inRecord = db
      .select({ found: sql`1` })
      .from(self)
      .where(and(eq(self.id, id), eq(self.parentId, parentId)));
    return db
      .select()
      .from(t)
      .where(and(eq(t.parentId, parentId), lte(t.id, id), exists(inRecord)))
      .orderBy(asc(t.id));
  });
  const rows = (await query.execute({ parentId: ref.parentId, id: ref.id })) as Events["$inferSelect"][];
  if (rows.length === 0) await refuseLaterEvent(db, events, ref.parentId!);
  return upcastRows(target.meta, rows) as unknown as EventRow<T>[];
}

interface ReadQuery {
  execute(values: Record<string, unknown>): Promise<unknown>;
}

/** Each database's (or transaction's) prepared read queries, per table and helper. */
const READ_QUERIES = new WeakMap<object, WeakMap<object, Map<string, ReadQuery>>>();

/**
 * The read query `helper` on table `t`, built once per database object and table and prepared: under
 * a name of its own (`names.preparedStatement`) unless `spectorDriver(db, { namedStatements: false })`
 * turned naming off, for a pooler that moves a client between server connections. Building a Drizzle
 * query costs about as much as running a small one, and a named statement skips parsing and planning
 * on node-postgres (postgres.js names its statements itself, unless made with `prepare: false`).
 */
export function prepared(
  db: SpectorDatabase,
  t: Events,
  helper: string,
  build: () => { prepare(name: string | undefined): ReadQuery; toSQL(): { sql: string } },
): ReadQuery {
  const named = driverOptions(db).namedStatements;
  let tables = READ_QUERIES.get(db);
  if (!tables) READ_QUERIES.set(db, (tables = new WeakMap()));
  let queries = tables.get(t);
  if (!queries) tables.set(t, (queries = new Map()));
  const key = `${helper} ${named}`;
  let query = queries.get(key);
  if (!query) {
    const builder = build();
    const name = named ? names.preparedStatement(helper, builder.toSQL().sql) : undefined;
    queries.set(key, (query = builder.prepare(name)));
  }
  return query;
}

/**
 * Select fields for every column of an events table, with `schema` and `action` as the integers
 * stored: the escape hatch for rows whose integers have no name in the table's maps.
 *
 * @example
 * ```ts
 * const rows = await db.select(rawCodes(events)).from(events);
 * rows[0]?.schema; // number, whatever the map says
 * ```
 * @throws {SpectorOptionError} when `table` is not an events table made by drizzle-spector.
 */
export function rawCodes<
  T extends { _: { columns: Record<string, PgColumn> & { schema: PgColumn; action: PgColumn } } },
>(table: T): Omit<T["_"]["columns"], "schema" | "action"> & { schema: SQL<number>; action: SQL<number> } {
  eventTableMeta("table", table);
  const columns = getTableColumns(table as never) as Record<string, PgColumn>;
  const raw = (column: string) => sql<number>`${columns[column]!}`.mapWith(Number);
  return { ...columns, [COLUMNS.schema]: raw(COLUMNS.schema), [COLUMNS.action]: raw(COLUMNS.action) } as never;
}
