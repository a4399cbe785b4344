/**
 * The statement that appends events to an existing record (`appendEvents`, `appendEvent` with
 * `expected`), built once per database, table, number of events and kind of append, with placeholders
 * for every value, and prepared as the read helpers' are (named unless `spectorDriver` says not to):
 * each append then only fills in its parameters.
 *
 * @module
 */
import { SQL, getTableColumns, is, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { ExpectedVersion } from "./record-version.js";
import { COLUMNS, HEAD_COLUMNS, names } from "../naming/index.js";
import { identifier, quoteQualified } from "../sql/quote.js";
import type { VersionHeadsTable } from "../tables/heads-table.js";
import { prepared } from "./read.js";
import type { Events, EventsTable } from "./target.js";
import type { SpectorDatabase } from "./types.js";

/** An event's values as {@link appendStatement}'s parameters take them (the payload as JSON text). */
export interface SentEvent {
  readonly schema: unknown;
  readonly action: unknown;
  readonly payload: string | null;
}

/** A row the append statement returns: the event, and (`"any"`) the record's count before it. */
export type AppendedRow = Events["$inferSelect"] & { spectorBefore?: string | number | null };

/** The append statement of one shape, and how to fill in its parameters. */
export interface AppendStatement {
  /** Runs it: the rows written (none when the record is missing or, at a version, not at it). */
  execute(values: Record<string, unknown>): Promise<unknown>;
  /** Its parameters for `events` (ids `ids`, `null`: the trigger's) appended to `parentId` at `expected`. */
  params(
    events: readonly SentEvent[],
    ids: readonly (string | null)[],
    parentId: string,
    expected: ExpectedVersion,
  ): Record<string, unknown>;
}

/** The alias of the locked head in the append statement. */
const HEAD = "spector_head";
/** The alias of the events sent, a `VALUES` list. */
const SENT = "spector_sent";
/** The columns of an event that each event sends. */
const VALUE_KEYS = ["schema", "action", "payload"] as const;
/**
 * Statements of up to this many events are kept (one per count, per table and database); a longer
 * append builds its own, unnamed, and drops it after.
 */
const KEPT_SHAPES = 8;

/** The parameter filler of each table's append statements. */
const FILLERS = new WeakMap<object, AppendStatement["params"]>();

/**
 * The statement that appends `n` events to an existing record of `events`: at an expected version
 * (`atVersion`, the record's head locked and compared) or at any (then the rows also return the
 * record's count before them). Without `returning` (Citus: no `RETURNING` on a routed `INSERT ... SELECT`
 * with parameters) it returns nothing.
 */
export function appendStatement(
  db: SpectorDatabase,
  events: EventsTable,
  n: number,
  atVersion: boolean,
  returning: boolean,
): AppendStatement {
  const t = events.table;
  const key = `append_${n}_${atVersion ? "expected" : "any"}${returning ? "" : "_noreturn"}`;
  const build = () => buildAppend(db, events, n, atVersion, returning);
  // a statement of many events is built for this append only, and sent unnamed
  const query =
    n <= KEPT_SHAPES
      ? prepared(db, t, key, build)
      : {
          execute: (v: Record<string, unknown>) =>
            build()
              .prepare(undefined as never)
              .execute(v),
        };
  let params = FILLERS.get(t);
  if (!params) FILLERS.set(t, (params = paramsOf(t)));
  return { execute: (values) => query.execute(values), params };
}

/** The columns of `t`: `[key, column]`, in table order. */
function columnsOf(t: Events): [string, PgColumn][] {
  return Object.entries(getTableColumns(t) as Record<string, PgColumn>);
}

/**
 * The parameter filler of table `t`'s statements: `parentId`; per event `i`, `id<i>`, `schema<i>`,
 * `action<i>`, `payload<i>`; `count` and `lastId` at a version; and `default_<key>` for each other
 * column whose Drizzle default is made in JavaScript (one value per statement, as an insert makes it).
 */
function paramsOf(t: Events): AppendStatement["params"] {
  const columns = t as unknown as Record<string, PgColumn>;
  const [schema, action] = [columns.schema!, columns.action!];
  const defaults = columnsOf(t).filter(([key, column]) => defaultParam(key, column));
  return (sent, ids, parentId, expected) => {
    const values: Record<string, unknown> = { parentId };
    for (let i = 0; i < sent.length; i++) {
      const event = sent[i]!;
      values[`id${i}`] = ids[i] ?? null;
      values[`schema${i}`] = event.schema === null ? null : schema.mapToDriverValue(event.schema);
      values[`action${i}`] = event.action === null ? null : action.mapToDriverValue(event.action);
      values[`payload${i}`] = event.payload;
    }
    if (expected !== "any") {
      values.count = expected.count;
      values.lastId = expected.lastId;
    }
    for (const [key, column] of defaults) values[`default_${key}`] = column.mapToDriverValue(column.defaultFn!());
    return values;
  };
}

/** Whether column `key` is filled by a parameter of its own: a default made in JavaScript that is no SQL. */
function defaultParam(key: string, column: PgColumn): boolean {
  if (key === "id" || key === "parentId" || (VALUE_KEYS as readonly string[]).includes(key)) return false;
  const fallback = column.defaultFn?.();
  return fallback !== undefined && !is(fallback, SQL);
}

/**
 * `INSERT ... SELECT` of the new events' columns, in table order: the events sent (a `VALUES` list, in
 * order), joined to the record's first event (none when there is no such record), which gives
 * `parent_id`, and, at an expected version, to the record's head as `lock_record_T` returns it locked,
 * which must say that version (none otherwise). In the Citus layout `parent_id` is also compared with
 * `parentId`, so that Citus routes the statement to the record's shard. At any version the rows also
 * return the record's count before them: its head's (a primary key lookup) where the table keeps heads,
 * counted otherwise (or when the record has no head row), in the statement's snapshot.
 */
function buildAppend(db: SpectorDatabase, events: EventsTable, n: number, atVersion: boolean, returning: boolean) {
  const { table: t, meta } = events;
  const citus = meta.layout === "citus";
  const p = (name: string) => sql.placeholder(name);
  const [parent, head, list] = [identifier(names.alias.parent), identifier(HEAD), identifier(SENT)];
  const [idColumn, parentColumn] = [identifier(COLUMNS.id), identifier(COLUMNS.parentId)];
  const columns = t as unknown as Record<string, PgColumn>;
  const type = (column: PgColumn) => sql.raw(column.getSQLType());
  const rows = Array.from({ length: n }, (_, i) => {
    const [schema, action] = [columns.schema!, columns.action!];
    const cells = [
      sql`${p(`schema${i}`)}::${type(schema)}`,
      sql`${p(`action${i}`)}::${type(action)}`,
      sql`${p(`payload${i}`)}::pg_catalog.text::pg_catalog.jsonb`,
    ];
    return sql`(${sql.raw(String(i))}, ${p(`id${i}`)}::pg_catalog.uuid, ${sql.join(cells, sql`, `)})`;
  });
  const selected = columnsOf(t).map(([key, column]): SQL => {
    if (key === "id") return sql`${list}.${identifier("id")}`;
    if (key === "parentId") return sql`${parent}.${citus ? parentColumn : idColumn}`;
    if ((VALUE_KEYS as readonly string[]).includes(key)) return sql`${list}.${identifier(key)}`;
    if (defaultParam(key, column)) return sql`${p(`default_${key}`)}::${type(column)}`;
    const fallback = column.defaultFn?.();
    return fallback === undefined ? sql`null::${type(column)}` : sql`${fallback}::${type(column)}`;
  });
  const equals = sql.raw("OPERATOR(pg_catalog.=)");
  const record = sql`${p("parentId")}::pg_catalog.text::pg_catalog.uuid`;
  const routed = citus ? sql` and ${parent}.${parentColumn} ${equals} ${record}` : sql``;
  const lock = atVersion
    ? sql` cross join ${sql.raw(quoteQualified(meta.pgSchema, names.recordChain.lockRecord(meta.name)))}(${record}) as ${head}`
    : sql``;
  const version = atVersion
    ? sql` and ${head}.${identifier(HEAD_COLUMNS.eventCount)} ${equals} ${p("count")}::pg_catalog.int8 and ${head}.${identifier(HEAD_COLUMNS.lastId)} ${equals} ${p("lastId")}::pg_catalog.text::pg_catalog.uuid`
    : sql``;
  const select = sql`select ${sql.join(selected, sql`, `)} from (values ${sql.join(rows, sql`, `)}) as ${list}(${identifier("ord")}, ${identifier("id")}, ${identifier("schema")}, ${identifier("action")}, ${identifier("payload")}) cross join ${t} as ${parent}${lock} where ${parent}.${idColumn} ${equals} ${record} and ${parent}.${parentColumn} ${equals} ${parent}.${idColumn}${routed}${version} order by ${list}.${identifier("ord")}`;
  const insert = db.insert(t).select(select);
  if (!returning) return insert;
  if (atVersion) return insert.returning();
  return insert.returning({ ...getTableColumns(t), spectorBefore: countBefore(t, meta, record) });
}

/**
 * The record's count of events in the statement's snapshot (before the statement's own): its head's
 * `event_count` on a table with heads, counted by its `parent_id` index when it has none.
 */
function countBefore(t: Events, meta: EventsTable["meta"], record: SQL): SQL<string> {
  const chain = identifier(names.alias.chain);
  const counted = sql`(select pg_catalog.count(*) from ${t} as ${chain} where ${chain}.${identifier(COLUMNS.parentId)} OPERATOR(pg_catalog.=) ${record})`;
  if (!(meta.versioned || meta.recordChain) || meta.headsTable === undefined) {
    return sql<string>`${counted}::pg_catalog.text`;
  }
  const heads = meta.headsTable as VersionHeadsTable;
  const h = identifier(names.alias.head);
  const fromHead = sql`(select ${h}.${identifier(HEAD_COLUMNS.eventCount)} from ${heads} as ${h} where ${h}.${identifier(HEAD_COLUMNS.parentId)} OPERATOR(pg_catalog.=) ${record})`;
  // coalesce counts only when the record has no head row
  return sql<string>`coalesce(${fromHead}, ${counted})::pg_catalog.text`;
}
