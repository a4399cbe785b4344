/**
 * `appendEvents`: several events of one record, in order, all or none, in one statement, optionally
 * only at an expected version of the record.
 *
 * @module
 */
import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { at, checkObject, checkUuid } from "../checks.js";
import { SpectorOptionError, type RecordVersion } from "../errors.js";
import { appendEvent } from "../queries/append.js";
import { checkChainExpected } from "../queries/append-chain.js";
import { insertEvents } from "../queries/append-many.js";
import { checkNewEvent, EVENTS_ITEM_KEYS } from "../queries/event-input.js";
import { checkExpected, versionOf, type ExpectedVersion } from "../queries/record-version.js";
import { resolveEvents } from "../queries/target.js";
import type { EventInput, EventRow, NewEvent, SpectorDatabase } from "../queries/types.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { appendMaterialized, checkMaterialize } from "./materialized/append.js";
import type { Materialized } from "./materialized/materialized.js";

/** The options of {@link appendEvents}. */
export interface AppendEventsOptions<T extends AnyEventTable> {
  /** The record (the id of its first event); left out, the first event starts a record. */
  readonly parentId?: string;
  /** The record's version to append at, as `readVersion` or an append returned it; `"any"` by default. */
  readonly expected?: ExpectedVersion;
  /** The events, in order (at least one). */
  readonly events: readonly EventInput<T>[];
  /**
   * Materialized tables of `table` (made by `materialized`) whose row of the record is brought up to
   * date in the same transaction (see {@link materialized}).
   */
  readonly materialize?: readonly Materialized<any, T>[];
}

/** What {@link appendEvents} returns: the rows written, in order, and the record's version after them. */
export interface AppendEventsResult<T extends AnyEventTable> {
  readonly rows: EventRow<T>[];
  readonly version: RecordVersion;
}

const OPTION_KEYS = ["parentId", "expected", "events", "materialize"] as const;

/**
 * Appends `events` to one record, in order, all or none, in one statement (no transaction of its own:
 * it works on HTTP drivers and behind transaction poolers). Without `parentId` the first event starts a
 * record (its id is the record's) and the others join it. Returns the rows, in order, and the record's
 * version after them (`{ lastId, count }`).
 *
 * With `expected` (a {@link RecordVersion}, as `readVersion` or an earlier append returned it), the
 * events are written only if the record is still at that version: otherwise
 * `SpectorVersionConflictError` (with the version found), nothing written. The statement locks the
 * record's head (`lock_record_T(parent_id)`, `FOR UPDATE`) and compares it, so that of any number of
 * concurrent appends at the same version exactly one wins, under READ COMMITTED, REPEATABLE READ and
 * SERIALIZABLE alike (above READ COMMITTED, a head changed after your transaction's snapshot is a
 * conflict too). It needs a table with record heads: `versioned: true` or `hashed: "record"` (on a
 * `hashed: true` table, `versioned: true` compares them under the chain's table lock). With `expected: "any"` (the
 * default) there is no comparison, and `version.count` is the count the statement saw before its own
 * events plus them (a concurrent writer's events may be left out).
 *
 * On a `hashed: true` table (Spector's chain, one statement per event) several events need a
 * transaction of yours (`db.transaction(tx => appendEvents(tx, ...))`).
 *
 * @example
 * ```ts
 * const { rows, version } = await appendEvents(db, events, {
 *   events: [
 *     { schema: "order", action: "insert", payload: { total: 30 } },
 *     { schema: "order", action: "update", payload: { paid: true } },
 *   ],
 * });
 * // later: only if nobody appended since
 * await appendEvents(db, events, {
 *   parentId: rows[0]!.id,
 *   expected: version,
 *   events: [{ schema: "order", action: "update", payload: { shipped: true } }],
 * });
 * ```
 * With `materialize: [m, ...]` (tables made by `materialized`), the events and each table's row of
 * the record are written in one transaction (`db`'s, in a savepoint, or one of its own, tried again
 * when a concurrent append fails it), the record's head locked first: see {@link materialized}.
 *
 * @throws {SpectorOptionError} for bad input (no events, a bad event, a `parentId` that is not a UUID,
 * an `expected` that is no version, or one without `parentId` or on a table without record heads),
 * before any SQL runs.
 * @throws {SpectorVersionConflictError} when the record is not at `expected`; nothing was written.
 * @throws {SpectorRecordNotFoundError} when `parentId` is not the first event of a record of the table.
 */
export async function appendEvents<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  options: AppendEventsOptions<T>,
): Promise<AppendEventsResult<T>> {
  return appendToRead(db, table, options, false);
}

/**
 * {@link appendEvents}, for `decide`, which has just read the record (`recordRead`): a conflict is then
 * thrown without reading the record's version again, its `actual` left out.
 */
export async function appendToRead<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  options: AppendEventsOptions<T>,
  recordRead: boolean,
): Promise<AppendEventsResult<T>> {
  const target = resolveEvents("table", table);
  const given = checkObject("options", options, OPTION_KEYS);
  const parentId = given.parentId === undefined ? undefined : checkUuid("parentId", given.parentId);
  const expected = checkExpected("expected", given.expected);
  const list = given.events;
  if (!Array.isArray(list) || list.length === 0) {
    throw new SpectorOptionError("events", list, "a non-empty array of events `{ schema, action, payload }`");
  }
  const events = list.map((event, i) => {
    const { parentId: _, ...checked } = checkNewEvent(event, target.meta, at("events", i), EVENTS_ITEM_KEYS);
    return checked;
  });
  if (given.materialize !== undefined) {
    const specs = checkMaterialize("materialize", given.materialize, target);
    const { rows, version } = await appendMaterialized(db, target, specs, { parentId, expected, events });
    return { rows: rows as unknown as EventRow<T>[], version };
  }
  if (target.meta.hashed && !target.meta.recordChain) {
    return spectorChainEvents(db, table, parentId, expected, list as readonly EventInput<T>[]);
  }
  const { rows, version } = await insertEvents(db, target, { parentId, expected, events, recordRead }, "expected");
  return { rows: rows as unknown as EventRow<T>[], version };
}

/**
 * Spector's chain (`hashed: true`) appends one event per statement: one event as `appendEvent` does,
 * several in a transaction of the caller's, one after the other, the first at `expected` (the chain's
 * table lock it takes is held until the transaction ends, so no other append comes between).
 */
async function spectorChainEvents<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string | undefined,
  expected: ExpectedVersion,
  list: readonly EventInput<T>[],
): Promise<AppendEventsResult<T>> {
  checkChainExpected("expected", resolveEvents("table", table).meta, parentId, expected);
  if (list.length > 1 && !is(db, PgTransaction)) {
    throw new SpectorOptionError(
      "db",
      "a database outside a transaction",
      "a transaction (`db.transaction(tx => appendEvents(tx, ...))`) to append several events to a `hashed: true` table, one statement each",
    );
  }
  const rows: EventRow<T>[] = [];
  let record = parentId;
  for (const event of list) {
    // the first event at `expected` (the chain's table lock, held to the end of the transaction, keeps the others in)
    const at = rows.length === 0 ? expected : "any";
    const row = await appendEvent(db, table, { ...event, parentId: record, expected: at } as unknown as NewEvent<T>);
    record ??= (row as unknown as { id: string }).id;
    rows.push(row);
  }
  const last = rows[rows.length - 1] as unknown as { id: string };
  const version =
    parentId === undefined
      ? { lastId: last.id, count: rows.length }
      : expected !== "any"
        ? { lastId: last.id, count: expected.count + rows.length }
        : await versionOf(db, resolveEvents("table", table).record(parentId), parentId);
  return { rows, version: version! };
}
