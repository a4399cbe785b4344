/**
 * `appendEvent`: start a record, or add an event to one, in one statement.
 *
 * @module
 */
import { SQL, getTableColumns, is, sql } from "drizzle-orm";
import { at } from "../checks.js";
import type { PgColumn } from "drizzle-orm/pg-core";
import { newEventId } from "../ids.js";
import { COLUMNS, names } from "../naming/index.js";
import { identifier } from "../sql/quote.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { appendChainedEvent, chainLink } from "./append-chain.js";
import { insertEvents } from "./append-many.js";
import { checkNewEvent, jsonb, sending, type CheckedEvent } from "./event-input.js";
import { checkExpected } from "./record-version.js";
import { withRecordIds } from "./record-ids.js";
import { recordNotFound, resolveEvents, type Events, type EventsTable } from "./target.js";
import type { EventRow, NewEvent, SpectorDatabase } from "./types.js";

/**
 * Appends an event and returns the inserted row. Without `parentId` it starts a record: the event's
 * id is a new UUIDv7 and its `parent_id` is itself. With `parentId` (the id of the record's first
 * event) the event joins that record, in one `INSERT ... SELECT` that writes nothing when the record
 * does not exist. Given a `ShardSet`, the record's shard is chosen from its id, so a record's events
 * always land in one shard. `payload` is a JSON value: plain objects, arrays, strings, finite numbers,
 * booleans and `null` (stored as SQL `NULL`), at most 1,000 levels deep, or a {@link jsonText} (JSON
 * written as it is, for floats such as `1.0`); it is checked and written to JSON text in one pass, and
 * that text is what is sent.
 *
 * On a `hashed: true` table the event extends Spector's hash chain, as Spector's own writers do, in one
 * statement (no transaction of its own: it works on HTTP drivers and behind transaction poolers): it
 * calls `chain_append_<table>(...)`, which `drizzle-spector generate` installs, which takes
 * `LOCK TABLE <table> IN EXCLUSIVE MODE` (the shard's table in a set), reads the hash of the table's
 * last event by `inserted_at` after the lock, and stores the SHA-256 Spector computes over the payload
 * as PostgreSQL stores it. In a caller's transaction, that must be READ COMMITTED, and the lock is held
 * until it ends. Its `inserted_at` is the
 * database's clock, or one microsecond after the chain's last event when that is later, so the chain's
 * order by `inserted_at` is the order of appends.
 *
 * On a record-chained table (`hashed: "record"`) the database chains the event itself (its trigger
 * fills `hash`) and stores the id sent, which must be after the record's last one: when it is not (a
 * writer whose clock is ahead wrote the last, or a concurrent append committed first), the trigger
 * refuses it with SQLSTATE 40001, and the append is retried without an id, which the trigger then
 * makes after the record's last under the record's lock (at most 5 attempts in all; in a transaction
 * of yours, each in a savepoint). The row returned holds the id and hash as stored.
 *
 * @example
 * ```ts
 * const user = await appendEvent(db, events, { schema: "user", action: "insert", payload: { name: "Ada" } });
 * const renamed = await appendEvent(db, events, {
 *   schema: "user",
 *   action: "update",
 *   payload: { name: "Ada L." },
 *   parentId: user.id,
 * });
 * ```
 * @throws {SpectorOptionError} for bad input (a `parentId` that is not a UUID, an unknown schema or
 * action name, a missing payload or one that is no JSON value, such as `undefined`, `NaN`, a `Date` or
 * a cycle, anywhere in it), and on a hashed table without `schemaModules`, or with an event whose
 * schema or action has no name Spector could hash; all before any SQL runs.
 * A failed insert throws Drizzle's error, its message showing the payload in part.
 * @throws {SpectorRecordNotFoundError} when `parentId` is not the first event of a record of the table.
 */
export async function appendEvent<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  event: NewEvent<T>,
): Promise<EventRow<T>> {
  const target = resolveEvents("table", table);
  const input = checkNewEvent(event, target.meta);
  const path = at("event", "expected");
  const expected = checkExpected(path, (event as { expected?: unknown }).expected);
  // Spector's chain is computed here; a record chain, by the database's trigger (checked before any SQL)
  const chain = target.meta.hashed && !target.meta.recordChain ? chainLink(target.meta, input) : undefined;
  const { parentId } = input;
  if (expected !== "any" && chain === undefined) {
    const { parentId: _, ...one } = input;
    const { rows } = await insertEvents(db, target, { parentId, expected, events: [one] }, path);
    return rows[0] as unknown as EventRow<T>;
  }
  // a new record gets its id (and, in a shard set, its shard) from the target; an event of a record, a new id
  const { id, events } =
    parentId === undefined ? target.start() : { id: newEventId(), events: target.record(parentId) };
  if (chain !== undefined) {
    const values = { ...input, payload: input.payload === null ? null : jsonb(input.payload) };
    const row = await appendChainedEvent(db, events, chain, { ...values, id, parentId }, expected, path);
    return row as unknown as EventRow<T>;
  }
  if ((target.meta.recordChain || target.meta.versioned) && parentId !== undefined) {
    // the trigger refuses an id not after the record's last (another writer's clock ahead): retried
    const row = await withRecordIds(db, id, (tx, next) => insert(tx, events, input, next, parentId));
    return row as unknown as EventRow<T>;
  }
  return (await insert(db, events, input, id, parentId)) as unknown as EventRow<T>;
}

/** Inserts the event: the first of a new record (`parentId` undefined), or one of record `parentId`. */
async function insert(
  db: SpectorDatabase,
  events: EventsTable,
  input: CheckedEvent,
  id: string | null,
  parentId: string | undefined,
): Promise<Events["$inferSelect"]> {
  const values = {
    schema: input.schema,
    action: input.action,
    payload: input.payload === null ? null : jsonb(input.payload),
  } as Events["$inferInsert"];
  if (parentId === undefined) {
    const first = id ?? newEventId(); // a record's first event always has its id (null: only retries in a record)
    const [row] = await sending(
      db
        .insert(events.table)
        .values({ ...values, id: first, parentId: first })
        .returning(),
    );
    return row!;
  }
  const citus = events.meta.layout === "citus";
  const select = selectFromRecord(events.table, values, id, parentId, citus);
  if (citus) {
    // Citus 13.2 fails a routed INSERT ... SELECT with parameters and RETURNING ("missing FROM-clause
    // entry" on the worker): insert, then read the row back by its key, on the same shard
    await sending(db.insert(events.table).select(select));
    const t = events.table;
    const [row] = await db
      .select()
      .from(t)
      .where(
        sql`${t.parentId} OPERATOR(pg_catalog.=) ${parentId}::pg_catalog.text::pg_catalog.uuid and ${t.id} OPERATOR(pg_catalog.=) ${id}::pg_catalog.text::pg_catalog.uuid`,
      );
    return row ?? recordNotFound(db, events, parentId);
  }
  const rows = await sending(db.insert(events.table).select(select).returning());
  if (rows.length === 1) return rows[0]!;
  return recordNotFound(db, events, parentId);
}

/**
 * `SELECT` the new event's columns, in table order, from the record's first event (none when there is
 * no such record): the new values, the first event's id as `parent_id`, each other column's default.
 * In the Citus layout (`citus`), which has no self-referencing key, this is what keeps an event's record
 * there: the `SELECT` also says `parent_id = parentId` and takes `parent_id` from the first event's own
 * `parent_id` (the same value), so that Citus routes the whole statement to the record's shard.
 */
function selectFromRecord(
  t: Events,
  values: Events["$inferInsert"],
  id: string | null,
  parentId: string,
  citus: boolean,
): SQL {
  const parent = identifier(names.alias.parent);
  const [idColumn, parentColumn] = [identifier(COLUMNS.id), identifier(COLUMNS.parentId)];
  const columns = Object.entries(getTableColumns(t) as Record<string, PgColumn>).map(([key, column]): SQL => {
    const type = sql.raw(column.getSQLType());
    if (key === "id") return sql`${id}::uuid`;
    if (key === "parentId") return sql`${parent}.${citus ? parentColumn : idColumn}`;
    if (key in values) {
      const value = values[key as keyof typeof values];
      if (is(value, SQL)) return value; // the payload, written once already
      return sql`${value === null ? null : column.mapToDriverValue(value)}::${type}`;
    }
    const fallback = column.defaultFn?.();
    return fallback === undefined ? sql`null::${type}` : sql`${fallback}::${type}`;
  });
  // pg_catalog's `=`, whatever the caller's search_path (another `=` first in it could match every row)
  const equals = sql.raw("OPERATOR(pg_catalog.=)");
  const record = sql`${parentId}::pg_catalog.text::pg_catalog.uuid`;
  const routed = citus ? sql` and ${parent}.${parentColumn} ${equals} ${record}` : sql``;
  return sql`select ${sql.join(columns, sql`, `)} from ${t} as ${parent} where ${parent}.${idColumn} ${equals} ${record} and ${parent}.${parentColumn} ${equals} ${parent}.${idColumn}${routed}`;
}
