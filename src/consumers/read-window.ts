/**
 * The read under `readAll` and consumers: the next positions of each table of a log after a cursor,
 * and their events, in position order; no event is numbered here (see `position-events.ts`).
 *
 * @module
 */
import { and, asc, eq, getTableColumns, is, Placeholder, sql } from "drizzle-orm";
import { alias as aliasOf, PgTransaction } from "drizzle-orm/pg-core";
import { names, POSITION_COLUMNS } from "../naming/index.js";
import { givesRowObjects, sessionKind } from "../queries/driver.js";
import { prepared } from "../queries/read.js";
import { preparedRowQuery } from "../queries/prepared-rows.js";
import type { Events } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";
import { upcastRows } from "../queries/upcast-rows.js";
import { decodeEvents, eventsOf, isRaw, type ReadQuery } from "../state/event-decoder.js";
import { POSITIONS_PER_ROW, type PositionsTable } from "../tables/positions-table.js";
import { positionsRowIds, positionsRowSize } from "../sql/positions.js";
import { quoteIdent } from "../sql/quote.js";
import type { Log } from "./log.js";

/** What {@link readWindow} read: the events (upcast), and the last position read in each table. */
export interface Window {
  readonly events: Events["$inferSelect"][];
  readonly positions: number[];
}

/** One position read: its table, and its event (`undefined` when the event is left out or gone). */
interface Read {
  readonly position: number;
  readonly table: number;
  readonly event: Events["$inferSelect"] | undefined;
}

/**
 * Reads up to `limit` positions after `after` (one per table of `log`), with their events, in
 * position order (for a shard set: by position, then by the shard's place in the set). With `codes`,
 * events of other schemas are left out, but their positions are read past.
 */
export async function readWindow(
  db: SpectorDatabase,
  log: Log,
  after: readonly number[],
  limit: number,
  codes: readonly number[] | undefined,
): Promise<Window> {
  if (log.tables.length === 1) {
    // one table (most logs): its rows in order, read as they are (no merge, one position parsed)
    const { table, positions: p } = log.tables[0]!;
    const { rows, decoded } = await readTable(db, table, p, after[0]!, limit, codes);
    const events = decoded.every(isEvent) ? decoded : decoded.filter(isEvent);
    const last = rows.length === 0 ? after[0]! : Number(rows[rows.length - 1]![names.alias.position]);
    return { events: upcastRows(log.meta, events), positions: [last] };
  }
  const reads = await Promise.all(
    log.tables.map(async ({ table, positions: p }, i): Promise<Read[]> => {
      const { rows, decoded } = await readTable(db, table, p, after[i]!, limit, codes);
      return rows.map((row, r) => ({
        position: Number(row[names.alias.position]),
        table: i,
        event: isEvent(decoded[r]!) ? decoded[r] : undefined,
      }));
    }),
  );
  const merged = reads
    .flat()
    .sort((a, b) => a.position - b.position || a.table - b.table)
    .slice(0, limit);
  const positions = [...after];
  const events: Events["$inferSelect"][] = [];
  for (const read of merged) {
    positions[read.table] = read.position;
    if (read.event !== undefined) events.push(read.event);
  }
  return { events: upcastRows(log.meta, events), positions };
}

/** Whether a decoded row is an event: not a position whose event is left out (`schemas`) or gone (every column `NULL`). */
function isEvent(row: Events["$inferSelect"]): boolean {
  return row.id !== null && row.id !== undefined;
}

/** The rows read after `after` in one table (its positions under `names.alias.position`), and their events decoded. */
async function readTable(
  db: SpectorDatabase,
  t: Events,
  p: PositionsTable,
  after: number,
  limit: number,
  codes: readonly number[] | undefined,
): Promise<{ readonly rows: readonly Record<string, unknown>[]; readonly decoded: Events["$inferSelect"][] }> {
  const filtered = codes !== undefined;
  const values: Record<string, unknown> = { after, limit, ...(filtered ? { schemas: codes } : {}) };
  if (inRawTransaction(db)) {
    // a transaction (a consumer's batch) is a new database object each time: its text, built once
    const { text, order } = readText(db, t, p, filtered);
    const rows = await preparedRowQuery(db, "read_window")(
      text,
      order.map((param) => ("name" in param ? values[param.name] : param.value)),
    );
    return { rows, decoded: decodeEvents(t, rows) };
  }
  const query = prepared(db, t, filtered ? "read_all_schemas" : "read_all", () =>
    buildRead(db, t, p, filtered),
  ) as unknown as ReadQuery;
  const raw = isRaw(query);
  const rows = raw ? await query.all(values) : ((await query.execute(values)) as Record<string, unknown>[]);
  return { rows, decoded: raw ? decodeEvents(t, rows) : eventsOf(t, rows) };
}

/** Whether `db` is a transaction of a driver whose statements give rows by column name, as `decodeEvents` reads them. */
function inRawTransaction(db: SpectorDatabase): boolean {
  return is(db, PgTransaction) && givesRowObjects(sessionKind(db), "Session");
}

/** The read's SQL text and its placeholders' names in order, per table and filter: built once. */
type Param = { readonly name: string } | { readonly value: unknown };
const TEXTS = new WeakMap<Events, Map<boolean, { readonly text: string; readonly order: readonly Param[] }>>();

/**
 * The text of {@link buildRead} for `t` (building a Drizzle query costs about as much as running this
 * one: a consumer's batch, a new transaction each time, would build it every batch).
 */
function readText(db: SpectorDatabase, t: Events, p: PositionsTable, filtered: boolean) {
  let texts = TEXTS.get(t);
  if (!texts) TEXTS.set(t, (texts = new Map()));
  let built = texts.get(filtered);
  if (!built) {
    const query = buildRead(db, t, p, filtered).toSQL();
    // a placeholder's name, or a constant of the query (its lookup's LIMIT 1)
    const order = query.params.map((param) => (is(param, Placeholder) ? { name: param.name } : { value: param }));
    texts.set(filtered, (built = { text: query.sql, order }));
  }
  return built;
}

/**
 * The read of one table: the positions after placeholder `after` (at most `limit`), each with its
 * event's columns under their own names (`NULL` when left out by placeholder `schemas`) and the
 * position under `names.alias.position`.
 *
 * A positions row holds a writer statement's events (up to 1,000), its `position` its last one's, its
 * events the positions before it in order. The rows read are an index range on `position`, bounded on
 * both sides: from the first row after `after`, those whose first position is within `limit` of it
 * (so a read unnests at most `limit` + 999 ids, whatever the planner estimates; starting from that
 * row, not from `after`, a gap between positions is read past, never waited at).
 */
function buildRead(db: SpectorDatabase, t: Events, p: PositionsTable, filtered: boolean) {
  const alias = names.alias;
  const [member, place] = [quoteIdent(alias.member), quoteIdent(alias.place)];
  const after = sql`${sql.placeholder("after")}::pg_catalog.int8`;
  const size = sql`COALESCE(pg_catalog.cardinality(${p.ids}), 1)`;
  // the first position of the first row after `after`, less one (`after` when none is after it)
  const first = aliasOf(p, names.alias.first);
  const from = sql`GREATEST(${after}, (SELECT ${first.position} - ${sql.raw(positionsRowSize(quoteIdent(alias.first)))}
    FROM ${p} AS ${sql.raw(quoteIdent(names.alias.first))} WHERE ${first.position} > ${after} ORDER BY ${first.position} LIMIT 1))`;
  const limit = sql`${sql.placeholder("limit")}::pg_catalog.int8`;
  const rows = db
    .select({ position: p.position, id: p.id, ids: p.ids, size: sql<number>`${size}`.as(alias.size) })
    .from(p)
    .where(
      sql`${p.position} > ${after} AND ${p.position} < ${from} + ${limit} + ${POSITIONS_PER_ROW}
          AND ${p.position} - ${size} < ${from} + ${limit}`,
    )
    // a row holds at least one event: `limit` rows are enough (the order and limit also keep the plan
    // on the order index whatever the statistics say, as on a table analyzed while empty)
    .orderBy(asc(p.position))
    .limit(sql.placeholder("limit") as never)
    .as(alias.chunk);
  const position = sql<number>`${rows.position} - ${rows.size} + ${sql.raw(place)}`;
  const w = db
    .select({
      position: position.as(POSITION_COLUMNS.position),
      id: sql<string>`${sql.raw(member)}`.as(POSITION_COLUMNS.id),
    })
    .from(
      sql`${rows} CROSS JOIN LATERAL pg_catalog.unnest(${sql.raw(positionsRowIds(quoteIdent(alias.chunk)))}) WITH ORDINALITY AS ${sql.raw(member)}(${sql.raw(member)}, ${sql.raw(place)})`,
    )
    .where(sql`${position} > ${after}`)
    .orderBy(asc(position))
    .limit(sql.placeholder("limit") as never)
    .as(alias.window);
  // the window's columns, qualified (Drizzle prints a subquery's computed columns by their bare names,
  // which inside the lookup below would name the events table's own `id`)
  const windowed = (column: string) => sql.raw(`${quoteIdent(alias.window)}.${quoteIdent(column)}`);
  const [windowId, windowPosition] = [windowed(POSITION_COLUMNS.id), windowed(POSITION_COLUMNS.position)];
  // each position's event by its primary key (a lateral lookup: a join could hash the whole table)
  const event = db
    .select()
    .from(t)
    .where(
      filtered
        ? and(
            eq(t.id, windowId),
            sql`${t.schema} OPERATOR(pg_catalog.=) ANY (${sql.placeholder("schemas")}::pg_catalog.int4[])`,
          )
        : eq(t.id, windowId),
    )
    .limit(1)
    .as(names.alias.event);
  const columns = event as unknown as Record<string, unknown>;
  const fields = Object.fromEntries(Object.keys(getTableColumns(t)).map((key) => [key, columns[key]]));
  return db
    .select({
      ...(fields as ReturnType<typeof getTableColumns<Events>>),
      [names.alias.position]: sql<string>`${windowPosition}::pg_catalog.text`.as(names.alias.position),
    })
    .from(w)
    .leftJoinLateral(event, sql`true`)
    .orderBy(asc(windowPosition));
}
