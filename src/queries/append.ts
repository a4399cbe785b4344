/**
 * `appendEvent`: start a record, or add an event to one, in one statement.
 *
 * @module
 */
import { SQL, eq, getTableColumns, is, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { at, checkInt4, checkObject, checkPayload, checkUuid } from "../checks.js";
import { shortenQueryError } from "../display.js";
import { SpectorOptionError, SpectorRecordNotFoundError } from "../errors.js";
import { newEventId } from "../ids.js";
import { COLUMNS, displayName, names } from "../naming.js";
import { identifier } from "../sql/quote.js";
import { checkCodeName, type CodeMap } from "../tables/codes.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { ShardSet } from "../tables/shards.js";
import { resolveEvents, type Events, type EventsTable } from "./target.js";
import type { EventRow, NewEvent, SpectorDatabase } from "./types.js";

/**
 * Appends an event and returns the inserted row. Without `parentId` it starts a record: the event's
 * id is a new UUIDv7 and its `parent_id` is itself. With `parentId` (the id of the record's first
 * event) the event joins that record, in one `INSERT ... SELECT` that writes nothing when the record
 * does not exist. Given a `ShardSet`, the record's shard is chosen from its id, so a record's events
 * always land in one shard. On a `hashed` table, `hash` is stored as given (Spector's hash chain is
 * not computed here); without it the column is `NULL`. `payload` is a JSON value: plain objects,
 * arrays, strings, finite numbers, booleans and `null` (stored as SQL `NULL`), at most 1,000 levels
 * deep; it is checked and written to JSON text in one pass, and that text is what is sent.
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
 * a cycle, anywhere in it), before any SQL runs.
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
  const values = {
    schema: input.schema,
    action: input.action,
    payload: input.payload,
    ...(input.hash === undefined ? {} : { hash: input.hash }),
  } as Events["$inferInsert"];
  if (input.parentId === undefined) {
    const { id, events } = target.start();
    const [row] = await sending(
      db
        .insert(events.table)
        .values({ ...values, id, parentId: id })
        .returning(),
    );
    return row as unknown as EventRow<T>;
  }
  const events = target.record(input.parentId);
  const rows = await sending(
    db
      .insert(events.table)
      .select(selectFromRecord(events.table, values, newEventId(), input.parentId))
      .returning(),
  );
  if (rows.length === 1) return rows[0] as unknown as EventRow<T>;
  return recordNotFound(db, events, input.parentId);
}

/** Runs an insert, whose parameters hold the payload: should it fail, its error shows them in part. */
async function sending<R>(insert: PromiseLike<R>): Promise<R> {
  try {
    return await insert;
  } catch (error) {
    throw shortenQueryError(error);
  }
}

/**
 * `SELECT` the new event's columns, in table order, from the record's first event (none when there is
 * no such record): the new values, the first event's id as `parent_id`, each other column's default.
 */
function selectFromRecord(t: Events, values: Events["$inferInsert"], id: string, parentId: string): SQL {
  const parent = identifier(names.alias.parent);
  const [idColumn, parentColumn] = [identifier(COLUMNS.id), identifier(COLUMNS.parentId)];
  const columns = Object.entries(getTableColumns(t) as Record<string, PgColumn>).map(([key, column]): SQL => {
    const type = sql.raw(column.getSQLType());
    if (key === "id") return sql`${id}::uuid`;
    if (key === "parentId") return sql`${parent}.${idColumn}`;
    if (key in values) {
      const value = values[key as keyof typeof values];
      if (is(value, SQL)) return value; // the payload, written once already
      return sql`${value === null ? null : column.mapToDriverValue(value)}::${type}`;
    }
    const fallback = column.defaultFn?.();
    return fallback === undefined ? sql`null::${type}` : sql`${fallback}::${type}`;
  });
  return sql`select ${sql.join(columns, sql`, `)} from ${t} as ${parent} where ${parent}.${idColumn} = ${parentId}::uuid and ${parent}.${parentColumn} = ${parent}.${idColumn}`;
}

/** Throws why `parentId` is no record of `events`: no such event, or one that is not a record's first. */
async function recordNotFound(db: SpectorDatabase, events: EventsTable, parentId: string): Promise<never> {
  const t = events.table;
  const [found] = await db.select({ parentId: t.parentId }).from(t).where(eq(t.id, parentId));
  throw new SpectorRecordNotFoundError(displayName(events.meta), parentId, found?.parentId);
}

interface CheckedEvent {
  readonly schema: unknown;
  readonly action: unknown;
  /** The payload as sent: its JSON text cast to `jsonb`, or SQL `NULL` for `null`. */
  readonly payload: SQL | null;
  readonly hash: Uint8Array | null | undefined;
  readonly parentId: string | undefined;
}

const EVENT_KEYS = ["schema", "action", "payload", "parentId"] as const;

function checkNewEvent(event: unknown, meta: EventTableMeta): CheckedEvent {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new SpectorOptionError("event", event, "an object `{ schema, action, payload, parentId? }`");
  }
  const { schema, action, payload, parentId, hash } = checkObject(
    "event",
    event,
    meta.hashed ? [...EVENT_KEYS, "hash"] : EVENT_KEYS,
    "key",
  );
  const table = displayName(meta);
  checkCode(at("event", "schema"), schema, meta.schemas, "schemas", table);
  checkCode(at("event", "action"), action, meta.actions, "actions", table);
  if (!("payload" in event)) {
    throw new SpectorOptionError(at("event", "payload"), undefined, "the event's payload (a JSON value, or `null`)");
  }
  if (hash !== undefined && hash !== null && !(hash instanceof Uint8Array)) {
    throw new SpectorOptionError(at("event", "hash"), hash, "a `Uint8Array` (a `Buffer` will do), `null`, or left out");
  }
  return {
    schema,
    action,
    payload: payload === null ? null : jsonb(checkPayload(at("event", "payload"), payload)),
    hash,
    parentId: parentId === undefined ? undefined : checkUuid(at("event", "parentId"), parentId),
  };
}

/**
 * A JSON text as a `jsonb` value. It goes through `text`: given as a parameter cast straight to `jsonb`,
 * a driver that serializes `jsonb` parameters itself (postgres.js does, unless Drizzle set it up) would
 * write the text again, as a JSON string.
 */
function jsonb(text: string): SQL {
  return sql`${text}::text::jsonb`;
}

/** Checks a `schema` or `action` value: one of the map's names, or an integer without a map. */
function checkCode(path: string, value: unknown, map: CodeMap | undefined, mapOption: string, table: string): void {
  if (map === undefined) {
    checkInt4(path, value, `an integer that fits PostgreSQL's \`integer\` (declare \`${mapOption}\` to use names)`);
  } else {
    checkCodeName(path, value, map, mapOption, table);
  }
}
