/**
 * The one statement `aggregate` reads a record with: the events to replay (from the latest savepoint
 * on, when asked; up to an event, when asked) and the version of the whole record, in one snapshot.
 *
 * @module
 */
import { and, asc, desc, eq, getTableColumns, gte, lte, sql, type SQL } from "drizzle-orm";
import { alias, type AnyPgColumn } from "drizzle-orm/pg-core";
import { SpectorOptionError, SpectorRecordNotFoundError } from "../errors.js";
import { displayName, names } from "../naming/index.js";
import { BASE_ACTIONS } from "../tables/codes.js";
import type { VersionHeadsTable } from "../tables/heads-table.js";
import type { EventTableMeta } from "../tables/meta.js";
import { prepared } from "../queries/read.js";
import { refuseLaterEvent, type Events, type EventsTable } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";
import { upcastRows } from "../queries/upcast-rows.js";
import { decodeEvents, eventsOf, isRaw, type ReadQuery } from "./event-decoder.js";
import type { RecordVersion } from "../errors.js";

/** What {@link readRecord} read. */
export interface RecordRead {
  /** The events to replay, in `id` order, upcast: from the latest savepoint on (it first) when asked for. */
  readonly rows: Events["$inferSelect"][];
  /** The version of the whole record (every event, whatever `rows` leaves out). */
  readonly version: RecordVersion;
}

/** The smallest UUID: where a replay starts when the record has no savepoint. */
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/**
 * Reads record `parentId` of `events` in one statement: its events up to `at` (all without it), from
 * the latest savepoint at or before `at` on when `fromSavepoint` (from the first event otherwise), and
 * the count and last id of all its events: from the record's head row on a table with record heads,
 * counted by the record's `parent_id` index otherwise (a `(parent_id, id)` index serves the last id);
 * the savepoint is found in the same statement.
 *
 * @throws {SpectorRecordNotFoundError} when the record does not exist (or `parentId` is a later event).
 * @throws {SpectorOptionError} when `at` is no event of the record (`path` names it).
 */
export async function readRecord(
  db: SpectorDatabase,
  events: EventsTable,
  parentId: string,
  options: { readonly at?: string | undefined; readonly fromSavepoint: boolean; readonly atPath: string },
): Promise<RecordRead> {
  const t = events.table;
  const { at } = options;
  const helper = `aggregate${at === undefined ? "" : "_at"}${options.fromSavepoint ? "_savepoint" : ""}`;
  const query = prepared(db, t, helper, () =>
    buildRead(db, t, events.meta, at !== undefined, options.fromSavepoint),
  ) as unknown as ReadQuery;
  const values = { parentId, ...(at === undefined ? {} : { at }) };
  // the rows as the driver returns them, decoded in one loop (not through the select's per-field mapping)
  const raw = isRaw(query);
  const rows = raw ? await query.all(values) : ((await query.execute(values)) as Record<string, unknown>[]);
  const record = sql`${parentId}::pg_catalog.text::pg_catalog.uuid`;
  const head = rows[0];
  if (head === undefined) {
    await refuseLaterEvent(db, events, parentId);
    // nothing up to `at`: the record may be there, and `at` before its first event, or in no record
    if (at !== undefined && (await recordExists(db, t, record))) {
      throw new SpectorOptionError(options.atPath, at, `the id of an event of record ${parentId}`);
    }
    throw new SpectorRecordNotFoundError(displayName(events.meta), parentId, undefined, { reading: true });
  }
  const lastId = head[names.alias.head];
  // no last id: `at` is no event of the record (the statement leaves it out then)
  if (lastId === null || lastId === undefined) {
    throw new SpectorOptionError(options.atPath, at, `the id of an event of record ${parentId}`);
  }
  const version: RecordVersion = { lastId: String(lastId), count: Number(head[names.alias.counted]) };
  const decoded = raw ? decodeEvents(t, rows) : eventsOf(t, rows);
  return { rows: upcastRows(events.meta, decoded), version };
}

/** How many of a record's last events `aggregate` looks through for its latest savepoint first. */
const RECENT_EVENTS = 64;

/**
 * The read of {@link readRecord}, with placeholders `parentId` and (`withAt`) `at`: the events from the
 * latest savepoint (`fromSavepoint`) or the first, up to `at`, every column under its own name; the
 * record's count and last id (`NULL` when `at` is no event of the record) on the first row only, under
 * `names.alias.counted` and `names.alias.head`.
 *
 * On a table with record heads (`versioned: true`, `hashed: "record"`) the count and last id are the
 * record's head row (a primary key lookup, in the statement's snapshot, where the heads trigger keeps
 * them with every event), and the record's events are counted only if that row is missing. The latest
 * savepoint is looked for, on a table with a `(parent_id, id)` index (`recordIndex: true`), among the
 * record's last {@link RECENT_EVENTS} events first (a backward range of that index) and among all its
 * events only if none is there; and the events from it are read up to the head's last id, a range
 * of that index bounded on both sides.
 */
function buildRead(db: SpectorDatabase, t: Events, meta: EventTableMeta, withAt: boolean, fromSavepoint: boolean) {
  const uuid = (name: string): SQL => sql`${sql.placeholder(name)}::pg_catalog.text::pg_catalog.uuid`;
  const record = uuid("parentId");
  const at = withAt ? uuid("at") : undefined;
  const counted = alias(t, names.alias.counted);
  const count = db
    .select({ n: sql`pg_catalog.count(*)` })
    .from(counted)
    .where(eq(counted.parentId, record));
  const last = db
    .select({ id: counted.id })
    .from(counted)
    .where(eq(counted.parentId, record))
    .orderBy(desc(counted.id))
    .limit(1);
  let countOf: SQL = sql`(${count})`;
  let lastOf: SQL = sql`(${last})`;
  const heads = (meta.versioned || meta.recordChain) && meta.headsTable !== undefined;
  if (heads) {
    // the head row: the same snapshot as the events; counted only when a record has no head row
    const h = alias(meta.headsTable as VersionHeadsTable, names.alias.head);
    const head = (column: AnyPgColumn) => db.select({ value: column }).from(h).where(eq(h.parentId, record));
    countOf = sql`coalesce((${head(h.eventCount)}), (${count}))`;
    lastOf = sql`coalesce((${head(h.lastId)}), (${last}))`;
  }
  // the last id, only when `at` is an event of the record: none tells `readRecord` it is not
  const lastIdOf =
    at === undefined
      ? lastOf
      : sql`case when exists (${db
          .select({ one: sql`1` })
          .from(counted)
          .where(and(eq(counted.parentId, record), eq(counted.id, at)))}) then ${lastOf} end`;
  let start: SQL | undefined;
  const isSavepoint = (action: AnyPgColumn): SQL =>
    sql`${action} OPERATOR(pg_catalog.=) ${sql.raw(String(BASE_ACTIONS.savepoint))}`;
  // the first row read: the record's first event (its id the record's) or, from a savepoint, that
  // savepoint (the only one read: the latest up to `at`; when there is none, the first event is read)
  let first: SQL = sql`${t.id} OPERATOR(pg_catalog.=) ${record}`;
  if (fromSavepoint) {
    const s = alias(t, names.alias.savepoint);
    const upTo = at === undefined ? undefined : lte(s.id, at);
    // the record's last events, newest first (a LIMIT the savepoint test cannot be pushed below)
    const recent = db
      .select({ id: s.id, action: s.action })
      .from(s)
      .where(and(eq(s.parentId, record), upTo))
      .orderBy(desc(s.id))
      .limit(RECENT_EVENTS)
      .as(names.alias.recent);
    const latestRecent = db
      .select({ id: recent.id })
      .from(recent)
      .where(isSavepoint(recent.action))
      .orderBy(desc(recent.id))
      .limit(1);
    const latest = db
      .select({ id: s.id })
      .from(s)
      .where(and(eq(s.parentId, record), isSavepoint(s.action), upTo))
      .orderBy(desc(s.id))
      .limit(1);
    // coalesce evaluates the search of all the events only when the recent ones hold no savepoint
    // without a `(parent_id, id)` index the last events are no cheaper to find than the savepoint
    const found = meta.recordIndex ? sql`(${latestRecent}), (${latest})` : sql`(${latest})`;
    start = gte(t.id, sql`coalesce(${found}, ${sql.raw(`'${NIL_UUID}'`)}::pg_catalog.uuid)`);
    first = sql`(${first} or ${isSavepoint(t.action)})`;
    // a range bounded on both sides (the head's last id: no event of the snapshot is after it), which
    // the planner reads by `(parent_id, id)`, rather than all the record; only with that index: without
    // it, the planner could read the range by the primary key, every event of every record since the savepoint
    if (at === undefined && heads && meta.recordIndex) start = and(start, lte(t.id, lastOf));
  }
  // every column under its own name, and the version under names no events table's column has, on the
  // first row only (the others read as NULL: nothing to send and parse a thousand times)
  const once = (value: SQL): SQL => sql`case when ${first} then ${value} end`;
  return db
    .select({
      ...getTableColumns(t),
      [names.alias.counted]: once(countOf).as(names.alias.counted),
      [names.alias.head]: once(lastIdOf).as(names.alias.head),
    })
    .from(t)
    .where(and(eq(t.parentId, record), at === undefined ? undefined : lte(t.id, at), start))
    .orderBy(asc(t.id));
}

/** Whether `record` is the id of a record's first event of `t` (a lookup by primary key). */
async function recordExists(db: SpectorDatabase, t: Events, record: SQL): Promise<boolean> {
  const found = await db
    .select({ one: sql`1` })
    .from(t)
    .where(and(eq(t.id, record), eq(t.parentId, record)));
  return found.length > 0;
}
