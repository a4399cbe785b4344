/**
 * The events of one record appended in one statement, all or none, in order: a new record's (a
 * multi-row `INSERT`), or an existing record's (`INSERT ... SELECT` from the record's first event),
 * optionally only at an expected version, compared under the record's lock (`lock_record_T`).
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { SpectorOptionError, SpectorVersionConflictError, type RecordVersion } from "../errors.js";
import { newEventId } from "../ids.js";
import { displayName } from "../naming/index.js";
import { appendStatement, type AppendedRow } from "./append-statement.js";
import { citusAppendAtVersion } from "./append-citus-version.js";
import { jsonb, sending, type CheckedEvent } from "./event-input.js";
import { withRecordIds } from "./record-ids.js";
import { versionOf, type ExpectedVersion } from "./record-version.js";
import { recordNotFound, type Events, type EventsTable, type EventsTarget } from "./target.js";
import type { SpectorDatabase } from "./types.js";
import { conflictOnSerializationFailure } from "./version-conflict.js";

/** What {@link insertEvents} appends: the events (checked), their record, the version expected. */
export interface ManyEvents {
  /** The record; `undefined` starts one with the first event. */
  readonly parentId: string | undefined;
  readonly expected: ExpectedVersion;
  readonly events: readonly Omit<CheckedEvent, "parentId">[];
  /**
   * The caller has just read the record (`decide`): when nothing is written at `expected` it is a
   * conflict, thrown without reading the record's version again (`actual` left out).
   */
  readonly recordRead?: boolean;
}

/** The rows written, in order, and the record's version after them. */
export interface ManyResult {
  readonly rows: Events["$inferSelect"][];
  readonly version: RecordVersion;
}

/**
 * Appends `input.events` to one record of `target` in one statement. With an expected version, the
 * statement locks the record's head (`lock_record_T`) and inserts only when the head says the record
 * is at that version; otherwise it throws {@link SpectorVersionConflictError}, nothing written.
 * `path` names the `expected` option in errors.
 */
export async function insertEvents(
  db: SpectorDatabase,
  target: EventsTarget,
  input: ManyEvents,
  path: string,
): Promise<ManyResult> {
  const { expected, parentId } = input;
  if (expected !== "any") {
    if (parentId === undefined) {
      throw new SpectorOptionError(
        path,
        expected,
        '`"any"` or left out without `parentId`: the first event starts a record, which has no version to expect',
      );
    }
    if (!target.meta.recordChain && !target.meta.versioned) {
      throw new SpectorOptionError(
        path,
        expected,
        `left out or \`"any"\` on events table ${displayName(target.meta)}, which keeps no record heads to lock: ` +
          (target.meta.hashed
            ? "make it with `versioned: true` (record heads beside Spector's chain) to append at an expected version"
            : 'make it with `versioned: true` (or `hashed: "record"`) to append at an expected version'),
      );
    }
  }
  if (input.events.length === 0) {
    throw new SpectorOptionError("events", [], "at least one event `{ schema, action, payload }`");
  }
  if (parentId === undefined) return startRecord(db, target, input.events);
  const events = target.record(parentId);
  if (expected !== "any" && events.meta.layout === "citus") {
    // Citus refuses lock_record_T inside the INSERT: the head is locked by a statement of its own
    const any = (tx: SpectorDatabase) => insertEvents(tx, target, { ...input, expected: "any" }, path);
    return citusAppendAtVersion(db, events, parentId, expected, any);
  }
  const ids = input.events.map(() => newEventId());
  const run = (tx: SpectorDatabase, sent: readonly (string | null)[]) =>
    appendToRecord(tx, events, input.events, sent, parentId, expected);
  // record heads: the trigger refuses an id not after the record's last (another writer's clock ahead): retried
  const written =
    events.meta.recordChain || events.meta.versioned
      ? await lockedAppend(db, events, parentId, expected, () =>
          withRecordIds(db, ids[0]!, (tx, first) => run(tx, first === null ? ids.map(() => null) : ids)),
        )
      : await run(db, ids);
  if (written === undefined) {
    if (input.recordRead && expected !== "any") {
      throw new SpectorVersionConflictError(parentId, expected, undefined, displayName(events.meta));
    }
    const actual = await versionOf(db, events, parentId);
    if (actual === undefined || expected === "any") return recordNotFound(db, events, parentId);
    throw new SpectorVersionConflictError(parentId, expected, actual, displayName(events.meta));
  }
  return written;
}

/**
 * Runs `append`; at an expected version, a serialization failure of it is a
 * {@link SpectorVersionConflictError} (see {@link conflictOnSerializationFailure}).
 */
function lockedAppend<R>(
  db: SpectorDatabase,
  events: EventsTable,
  parentId: string,
  expected: ExpectedVersion,
  append: () => Promise<R>,
): Promise<R> {
  return expected === "any" ? append() : conflictOnSerializationFailure(db, events, parentId, expected, append);
}

/** The values of event `event` as the events table stores them (the payload as `jsonb`). */
function stored(event: Omit<CheckedEvent, "parentId">): Events["$inferInsert"] {
  return {
    schema: event.schema,
    action: event.action,
    payload: event.payload === null ? null : jsonb(event.payload),
  } as Events["$inferInsert"];
}

/** Starts a record with `events`: one multi-row `INSERT`, the first event's id the record's. */
async function startRecord(
  db: SpectorDatabase,
  target: EventsTarget,
  events: ManyEvents["events"],
): Promise<ManyResult> {
  const { id, events: table } = target.start();
  const values = events.map((event, i) => ({ ...stored(event), id: i === 0 ? id : newEventId(), parentId: id }));
  const rows = byId(await sending(db.insert(table.table).values(values).returning()));
  return { rows, version: { lastId: rows[rows.length - 1]!.id, count: rows.length } };
}

/** Rows in `id` order: the order of the events sent (their ids, or the trigger's, increase). */
function byId<R extends { id: string }>(rows: R[]): R[] {
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Appends `events` to record `parentId` in one `INSERT ... SELECT` (see {@link appendStatement}), with
 * ids `ids` (`null`: the record chain's trigger makes them), at version `expected` (the record's head
 * locked and compared) or any. `undefined` when nothing was written: no such record, or not at the
 * expected version.
 */
async function appendToRecord(
  db: SpectorDatabase,
  events: EventsTable,
  sent: ManyEvents["events"],
  ids: readonly (string | null)[],
  parentId: string,
  expected: ExpectedVersion,
): Promise<ManyResult | undefined> {
  const t = events.table;
  const citus = events.meta.layout === "citus";
  const statement = appendStatement(db, events, sent.length, expected !== "any", !citus);
  const values = statement.params(sent, ids, parentId, expected);
  let rows: Events["$inferSelect"][];
  let before: number | undefined;
  if (citus) {
    // Citus fails a routed INSERT ... SELECT with parameters and RETURNING: insert, then read back by key
    await sending(statement.execute(values));
    const wanted = ids.map((id) => sql`${id}::pg_catalog.text::pg_catalog.uuid`);
    rows = await db
      .select()
      .from(t)
      .where(
        sql`${t.parentId} OPERATOR(pg_catalog.=) ${parentId}::pg_catalog.text::pg_catalog.uuid and ${t.id} in (${sql.join(wanted, sql`, `)})`,
      );
  } else {
    rows = (await sending(statement.execute(values))) as AppendedRow[];
    if (expected === "any" && rows.length > 0) {
      before = Number((rows[0] as AppendedRow).spectorBefore);
      for (const row of rows as AppendedRow[]) delete row.spectorBefore;
    }
  }
  if (rows.length === 0) return undefined;
  byId(rows);
  const lastId = rows[rows.length - 1]!.id;
  if (expected !== "any") return { rows, version: { lastId, count: expected.count + rows.length } };
  if (before === undefined) return { rows, version: (await versionOf(db, events, parentId)) ?? { lastId, count: 0 } };
  return { rows, version: { lastId, count: before + rows.length } };
}
