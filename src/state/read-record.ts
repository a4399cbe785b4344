/**
 * The one statement `aggregate` reads a record with: the events to replay (from the latest savepoint
 * on, when asked; up to an event, when asked) and the version of the whole record, in one snapshot.
 *
 * @module
 */
import { and, asc, desc, eq, getTableColumns, gte, lte, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { SpectorOptionError, SpectorRecordNotFoundError } from "../errors.js";
import { displayName, names } from "../naming/index.js";
import { BASE_ACTIONS } from "../tables/codes.js";
import { prepared } from "../queries/read.js";
import { refuseLaterEvent, type Events, type EventsTable } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";
import { upcastRows } from "../queries/upcast-rows.js";
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
 * the count and last id of all its events, by the record's `parent_id` index (the planner's choice; a
 * `(parent_id, id)` index serves the last id); the savepoint is found in the same statement.
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
  const query = prepared(db, t, helper, () => buildRead(db, t, at !== undefined, options.fromSavepoint));
  const rows = (await query.execute({ parentId, ...(at === undefined ? {} : { at }) })) as {
    event: Events["$inferSelect"];
    count: number;
    lastId: string;
    atFound: unknown;
  }[];
  const record = sql`${parentId}::pg_catalog.text::pg_catalog.uuid`;
  const first = rows[0];
  if (first === undefined) {
    await refuseLaterEvent(db, events, parentId);
    // nothing up to `at`: the record may be there, and `at` before its first event, or in no record
    if (at !== undefined && (await recordExists(db, t, record))) {
      throw new SpectorOptionError(options.atPath, at, `the id of an event of record ${parentId}`);
    }
    throw new SpectorRecordNotFoundError(displayName(events.meta), parentId, undefined, { reading: true });
  }
  if (!isTrue(first.atFound)) {
    throw new SpectorOptionError(options.atPath, at, `the id of an event of record ${parentId}`);
  }
  const version: RecordVersion = { lastId: String(first.lastId), count: first.count };
  return { rows: upcastRows(events.meta, rows.map((row) => row.event) as Events["$inferSelect"][]), version };
}

/**
 * The read of {@link readRecord}, with placeholders `parentId` and (`withAt`) `at`: the events from the
 * latest savepoint (`fromSavepoint`) or the first, up to `at`, with the record's count and last id.
 */
function buildRead(db: SpectorDatabase, t: Events, withAt: boolean, fromSavepoint: boolean) {
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
  const atFound =
    at === undefined
      ? sql`true`
      : sql`exists (${db
          .select({ one: sql`1` })
          .from(counted)
          .where(and(eq(counted.parentId, record), eq(counted.id, at)))})`;
  let start: SQL | undefined;
  if (fromSavepoint) {
    const s = alias(t, names.alias.savepoint);
    const latest = db
      .select({ id: s.id })
      .from(s)
      .where(
        and(
          eq(s.parentId, record),
          sql`${s.action} OPERATOR(pg_catalog.=) ${sql.raw(String(BASE_ACTIONS.savepoint))}`,
          at === undefined ? undefined : lte(s.id, at),
        ),
      )
      .orderBy(desc(s.id))
      .limit(1);
    start = gte(t.id, sql`coalesce((${latest}), ${sql.raw(`'${NIL_UUID}'`)}::pg_catalog.uuid)`);
  }
  return db
    .select({
      event: getTableColumns(t),
      count: sql<number>`(${count})`.mapWith(Number),
      lastId: sql<string>`(${last})`,
      atFound: sql<boolean>`${atFound}`,
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

/** A boolean as a driver returns it (PGlite and postgres.js: a boolean; some drivers: `"t"`). */
function isTrue(value: unknown): boolean {
  return value === true || value === "t" || value === "true";
}
