/**
 * `savepoint`: the state of a record, stored as Spector's `savepoint` event, so that a replay can
 * start there.
 *
 * @module
 */
import { and, eq, sql } from "drizzle-orm";
import { OPTIONS, at, checkObject, checkPayload, checkUuid } from "../checks.js";
import { SpectorOptionError, type RecordVersion } from "../errors.js";
import { appendEvent } from "../queries/append.js";
import { jsonText } from "../queries/json-text.js";
import { checkExpected } from "../queries/record-version.js";
import { recordNotFound, resolveEvents } from "../queries/target.js";
import type { EventRow, NewEvent, SpectorDatabase } from "../queries/types.js";
import { BASE_ACTIONS } from "../tables/codes.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";

/** The options of {@link savepoint}. */
export interface SavepointOptions<S> {
  /** The record's state, stored as the savepoint's payload (a JSON value, as `appendEvent` takes). */
  readonly state: S;
  /**
   * The version the record must be at (as `aggregate` returned it with the state), or `"any"` (the
   * default): with a version, the savepoint is appended only if nobody appended since, else
   * `SpectorVersionConflictError` with nothing written (the table needs record heads, as for
   * `appendEvents`).
   */
  readonly expected?: RecordVersion | "any";
}

/**
 * Appends Spector's `savepoint` event (action 4) to record `parentId`, with `state` as its payload
 * and the schema of the record's first event, and returns the row. `aggregate` with `fromSavepoint`
 * then starts its replay at the latest savepoint and reads only the events from it on; check that a
 * savepoint holds what a full replay gives with `verifySavepoints`. Take it from a state `aggregate`
 * returned (its payload is the state as JSON: `fromSavepoint` must rebuild the same state from it).
 *
 * @example
 * ```ts
 * const { state, version } = await aggregate(db, events, order.id, { initial, evolve });
 * await savepoint(db, events, order.id, { state, expected: version }); // only if nobody appended since
 * await aggregate(db, events, order.id, { initial, evolve, fromSavepoint: (payload) => payload });
 * ```
 * @throws {SpectorOptionError} for a `parentId` that is not a UUID, a `state` that is no JSON value,
 * an `expected` that is no version (or one on a table without record heads); nothing is written.
 * @throws {SpectorVersionConflictError} when the record is not at `expected`; nothing is written.
 * @throws {SpectorRecordNotFoundError} when `parentId` is not the first event of a record; nothing is written.
 */
export async function savepoint<T extends AnyEventTable, S>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
  options: SavepointOptions<S>,
): Promise<EventRow<T>> {
  const target = resolveEvents("table", table);
  const record = checkUuid("parentId", parentId);
  const object = checkObject(OPTIONS, options, ["state", "expected"]);
  if (!("state" in object)) {
    throw new SpectorOptionError(at("options", "state"), undefined, "the record's state (a JSON value)");
  }
  const expected = checkExpected(at(OPTIONS, "expected"), object.expected);
  if (expected !== "any" && !target.meta.recordChain && !target.meta.versioned) {
    throw new SpectorOptionError(
      at(OPTIONS, "expected"),
      expected,
      'left out or `"any"` on a table without record heads (make it with `versioned: true` or `hashed: "record"` to compare versions)',
    );
  }
  const payload = object.state === null ? null : jsonText(checkPayload(at("options", "state"), object.state));
  const events = target.record(record);
  const t = events.table;
  // the record's schema: its first event's (a lookup by primary key)
  const [first] = await db
    .select({ schema: t.schema })
    .from(t)
    .where(
      and(
        eq(t.id, sql`${record}::pg_catalog.text::pg_catalog.uuid`),
        eq(t.parentId, sql`${record}::pg_catalog.text::pg_catalog.uuid`),
      ),
    );
  if (first === undefined) return recordNotFound(db, events, record);
  const action = target.meta.actions === undefined ? BASE_ACTIONS.savepoint : "savepoint";
  const event = { schema: first.schema, action, payload, parentId: record, expected } as unknown as NewEvent<T>;
  return appendEvent(db, table, event);
}
