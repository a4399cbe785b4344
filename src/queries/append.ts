/**
 * `appendEvent`: start a record, or add an event to one, in one statement.
 *
 * @module
 */
import { SQL, getTableColumns, is, sql } from "drizzle-orm";
import { PgTransaction, type PgColumn } from "drizzle-orm/pg-core";
import { at, checkInt4, checkObject, checkPayload, checkUuid } from "../checks.js";
import { shortenQueryError } from "../display.js";
import { SpectorOptionError } from "../errors.js";
import { newEventId } from "../ids.js";
import { COLUMNS, displayName, names } from "../naming/index.js";
import { identifier } from "../sql/quote.js";
import { spectorHashTail } from "../spector/chain.js";
import { SpectorEncodingError, spectorJson } from "../spector/json.js";
import { BASE_ACTIONS, actionNames, checkCodeName, type CodeMap } from "../tables/codes.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { ShardSet } from "../tables/shards.js";
import { checkChained } from "./inputs.js";
import { jsonTextOf } from "./json-text.js";
import { withRecordIds } from "./record-ids.js";
import { driverError } from "./violation.js";
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
 * On a `hashed` table the event extends Spector's hash chain, as Spector's own writers do: in a
 * transaction (the caller's, or one of its own), it takes `LOCK TABLE <table> IN EXCLUSIVE MODE` (the
 * shard's table in a set), reads the hash of the table's last event by `inserted_at`, and stores the
 * SHA-256 Spector computes over the payload as PostgreSQL stores it. Its `inserted_at` is the
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
  // Spector's chain is computed here; a record chain, by the database's trigger (checked before any SQL)
  const chain = target.meta.hashed && !target.meta.recordChain ? chainLink(target.meta, input) : undefined;
  const { parentId } = input;
  // a new record gets its id (and, in a shard set, its shard) from the target; an event of a record, a new id
  const { id, events } =
    parentId === undefined ? target.start() : { id: newEventId(), events: target.record(parentId) };
  const append = (tx: SpectorDatabase, extra: ChainValues | undefined) =>
    insert(tx, events, input, id, parentId, extra);
  if (target.meta.recordChain && parentId !== undefined) {
    // the trigger refuses an id not after the record's last (another writer's clock ahead): retried
    const row = await withRecordIds(db, id, (tx, next) => insert(tx, events, input, next, parentId, undefined));
    return row as unknown as EventRow<T>;
  }
  if (chain === undefined) return (await append(db, undefined)) as unknown as EventRow<T>;
  const row = is(db, PgTransaction)
    ? await appendChained(db, events, chain, append, true)
    : await db.transaction((tx) => appendChained(tx, events, chain, append, false), {
        isolationLevel: "read committed",
      });
  return row as unknown as EventRow<T>;
}

/** The values a chained event adds: its hash, and its `inserted_at`. */
interface ChainValues {
  readonly hash: SQL;
  readonly insertedAt: SQL;
}

/** Inserts the event: the first of a new record (`parentId` undefined), or one of record `parentId`. */
async function insert(
  db: SpectorDatabase,
  events: EventsTable,
  input: CheckedEvent,
  id: string | null,
  parentId: string | undefined,
  chain: ChainValues | undefined,
): Promise<Events["$inferSelect"]> {
  const values = {
    schema: input.schema,
    action: input.action,
    payload: input.payload === null ? null : jsonb(input.payload),
    ...chain,
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
 * Appends under the chain's lock, in transaction `tx`: `LOCK TABLE`, then one `INSERT` that reads the
 * chain's last hash and computes the new one in the database (SHA-256 over the last hash's hex, `:`,
 * and the rest of Spector's text, encoded here), with an `inserted_at` strictly after the chain's last
 * event: the lock is held for that one statement's round trip and the commit. In a transaction of the
 * caller's, its isolation level is checked first: above READ COMMITTED its snapshot may predate the lock.
 */
async function appendChained<R>(
  tx: SpectorDatabase,
  events: EventsTable,
  link: ChainLink,
  append: (tx: SpectorDatabase, chain: ChainValues) => Promise<R>,
  callersTransaction: boolean,
): Promise<R> {
  if (callersTransaction) await checkReadCommitted(tx);
  const t = events.table;
  const last = identifier(names.alias.chain);
  const [hash, insertedAt, id] = [COLUMNS.hash, COLUMNS.insertedAt, COLUMNS.id].map(
    (c) => sql`${last}.${identifier(c)}`,
  );
  const previous = sql`(select ${hash} from ${t} as ${last} order by ${insertedAt} desc, ${id} desc limit 1)`;
  // every function, operator and type named here is pg_catalog's: the caller's search_path cannot
  // stand in another `sha256` or `||` (pg_catalog is searched first only when the path does not name it)
  const tail = spectorHashTail(link.schema, link.action, link.payload).toString("hex");
  const cat = sql.raw("OPERATOR(pg_catalog.||)");
  const values: ChainValues = {
    hash: sql`pg_catalog.sha256(coalesce(pg_catalog.convert_to(pg_catalog.encode(${previous}, 'hex') ${cat} ':', 'UTF8'), ''::pg_catalog.bytea) ${cat} pg_catalog.decode(${tail}::pg_catalog.text, 'hex'))`,
    insertedAt: sql`greatest(pg_catalog.clock_timestamp() at time zone 'utc', (select pg_catalog.max(${insertedAt}) from ${t} as ${last}) OPERATOR(pg_catalog.+) interval '1 microsecond')`,
  };
  // one statement after the other: sent together, a driver may dispatch the INSERT first
  try {
    await tx.execute(sql`lock table ${t} in exclusive mode`);
  } catch (error) {
    if (driverError(error)?.code !== INSUFFICIENT_PRIVILEGE) throw error;
    throw new Error(
      `drizzle-spector: appending to hashed table ${displayName(events.meta)} takes \`LOCK TABLE ... IN EXCLUSIVE MODE\` ` +
        "(as Spector's writers do, so that the chain does not fork), which PostgreSQL allows only to a role with the " +
        "UPDATE, DELETE or TRUNCATE privilege on the table: SELECT and INSERT are not enough",
      { cause: error },
    );
  }
  return append(tx, values);
}

/** PostgreSQL's SQLSTATE for a missing privilege. */
const INSUFFICIENT_PRIVILEGE = "42501";

/** Refuses a transaction above READ COMMITTED: its snapshot could predate the lock and fork the chain. */
async function checkReadCommitted(tx: SpectorDatabase): Promise<void> {
  const [{ isolation }] = (await tx
    .select({ isolation: sql<string>`pg_catalog.current_setting('transaction_isolation')` })
    .from(sql`(values (0)) as ${identifier(names.alias.chainHead)}`)) as [{ isolation: string }];
  if (isolation !== "read committed") {
    throw new SpectorOptionError(
      "db",
      `a transaction at ${isolation}`,
      "the database, or a READ COMMITTED transaction: appending to a hash chain at a higher isolation level " +
        "could read a last hash older than the lock and fork the chain",
    );
  }
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

interface CheckedEvent {
  readonly schema: unknown;
  readonly action: unknown;
  /** The payload's JSON text as sent, or `null` for SQL `NULL`. */
  readonly payload: string | null;
  readonly parentId: string | undefined;
}

const EVENT_KEYS = ["schema", "action", "payload", "parentId"] as const;

function checkNewEvent(event: unknown, meta: EventTableMeta): CheckedEvent {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new SpectorOptionError("event", event, "an object `{ schema, action, payload, parentId? }`");
  }
  if (meta.hashed && "hash" in event) {
    throw new SpectorOptionError(
      at("event", "hash"),
      (event as { hash: unknown }).hash,
      meta.recordChain
        ? "left out: on a record-chained table the database computes every hash, and never stores one it is given"
        : "left out: on a hashed table `appendEvent` computes Spector's hash itself, and never stores one it is given",
    );
  }
  const { schema, action, payload, parentId } = checkObject("event", event, EVENT_KEYS, "key");
  const table = displayName(meta);
  checkCode(at("event", "schema"), schema, meta.schemas, "schemas", table);
  checkCode(at("event", "action"), action, meta.actions, "actions", table);
  if (!("payload" in event)) {
    throw new SpectorOptionError(at("event", "payload"), undefined, "the event's payload (a JSON value, or `null`)");
  }
  return {
    schema,
    action,
    payload: payload === null ? null : payloadText(at("event", "payload"), payload),
    parentId: parentId === undefined ? undefined : checkUuid(at("event", "parentId"), parentId),
  };
}

/** What a chained event's hash covers, resolved before any SQL runs. */
interface ChainLink {
  /** The schema's Elixir module, `Elixir.MyApp.User`. */
  readonly schema: string;
  /** The action's atom name. */
  readonly action: string;
  /** The payload as Spector encodes it from the stored `jsonb`. */
  readonly payload: string;
}

/**
 * The texts Spector's hash covers for `input` on hashed table `meta`, or a {@link SpectorOptionError}
 * that says what the table must declare.
 */
function chainLink(meta: EventTableMeta, input: CheckedEvent): ChainLink {
  const table = displayName(meta);
  const modules = checkChained("table", meta);
  const schemaCode = meta.schemas ? meta.schemas.byName.get(input.schema as string)! : (input.schema as number);
  const schema = modules.get(schemaCode);
  if (schema === undefined) {
    throw new SpectorOptionError(
      at("event", "schema"),
      input.schema,
      `a schema whose Elixir module \`schemaModules\` of table ${table} names (it names ${[...modules.keys()].join(", ")})`,
    );
  }
  const code = meta.actions ? meta.actions.byName.get(input.action as string)! : (input.action as number);
  const action = actionNames(meta.actions).get(code); // an alias is hashed under its target's name
  if (action === undefined) {
    throw new SpectorOptionError(
      at("event", "action"),
      input.action,
      `an action Spector can name in its hash: one of Spector's base actions (${Object.entries(BASE_ACTIONS)
        .map(([name, code]) => `${name} = ${code}`)
        .join(
          ", ",
        )}), or declare \`actions\` on table ${table} (\`spectorActions([...])\` numbers them as Spector does)`,
    );
  }
  return { schema, action, payload: encodePayload(input.payload) };
}

/** Spector's encoding of a payload's JSON text; a text it cannot decode is bad input. */
function encodePayload(payload: string | null): string {
  try {
    return spectorJson(payload);
  } catch (error) {
    if (!(error instanceof SpectorEncodingError)) throw error;
    throw new SpectorOptionError(at("event", "payload"), payload, `a payload Spector can decode (${error.message})`);
  }
}

/** The JSON text of a payload: a {@link jsonText} as written (checked), any other value written here. */
function payloadText(path: string, payload: unknown): string {
  const written = jsonTextOf(payload);
  if (written === undefined) return checkPayload(path, payload);
  try {
    spectorJson(written);
  } catch (error) {
    if (!(error instanceof SpectorEncodingError)) throw error;
    throw new SpectorOptionError(path, written, `JSON text (${error.message})`);
  }
  return written;
}

/**
 * A JSON text as a `jsonb` value. It goes through `text`: given as a parameter cast straight to `jsonb`,
 * a driver that serializes `jsonb` parameters itself (postgres.js does, unless Drizzle set it up) would
 * write the text again, as a JSON string.
 */
function jsonb(text: string): SQL {
  return sql`${text}::pg_catalog.text::pg_catalog.jsonb`;
}

/** Checks a `schema` or `action` value: one of the map's names, or an integer without a map. */
function checkCode(path: string, value: unknown, map: CodeMap | undefined, mapOption: string, table: string): void {
  if (map === undefined) {
    checkInt4(path, value, `an integer that fits PostgreSQL's \`integer\` (declare \`${mapOption}\` to use names)`);
  } else {
    checkCodeName(path, value, map, mapOption, table);
  }
}
