/**
 * The read under `readAll` and consumers: the next positions of each table of a log after a cursor,
 * and their events, in position order; no event is numbered here (see `position-events.ts`).
 *
 * @module
 */
import { is, Placeholder } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { givesRowObjects, sessionKind } from "../queries/driver.js";
import { prepared } from "../queries/read.js";
import { preparedRowQuery } from "../queries/prepared-rows.js";
import type { Events } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";
import { upcastRows } from "../queries/upcast-rows.js";
import { decodeEvents, eventsOf, isRaw, type ReadQuery } from "../state/event-decoder.js";
import type { PositionsTable } from "../tables/positions-table.js";
import type { Log } from "./log.js";
import { buildRead } from "./read-statement.js";
import { rowPositions } from "./row-positions.js";

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
    // one table (most logs): its rows as they are, its two runs put in order (no object per row to merge tables)
    const { table, positions: p } = log.tables[0]!;
    const { rows, decoded } = await readTable(db, table, p, after[0]!, limit, codes);
    const { ordered, last } = inOrder(rows, decoded);
    const events = ordered.every(isEvent) ? ordered : ordered.filter(isEvent);
    return { events: upcastRows(log.meta, events), positions: [last ?? after[0]!] };
  }
  const reads = await Promise.all(
    log.tables.map(async ({ table, positions: p }, i): Promise<Read[]> => {
      const { rows, decoded } = await readTable(db, table, p, after[i]!, limit, codes);
      const at = rowPositions(rows, (r) => decoded[r]!.id);
      return rows.map((_, r) => ({
        position: at[r]!,
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

/**
 * A read's events in position order, and its last position (`undefined` when it read none). The read
 * returns two runs, each in order (rows read by range, rows looked up by id): a window holding both
 * is put in order here.
 */
function inOrder(
  rows: readonly Record<string, unknown>[],
  decoded: Events["$inferSelect"][],
): { readonly ordered: Events["$inferSelect"][]; readonly last: number | undefined } {
  const at = rowPositions(rows, (i) => decoded[i]!.id);
  let sorted = true;
  for (let i = 1; i < at.length && sorted; i++) sorted = at[i]! > at[i - 1]!;
  if (sorted) return { ordered: decoded, last: at[at.length - 1] };
  const order = at.map((_, i) => i).sort((x, y) => at[x]! - at[y]!);
  return { ordered: order.map((i) => decoded[i]!), last: at[order[order.length - 1]!] };
}

/** Whether a decoded row is an event: not a position whose event is left out (`schemas`) or gone (every column `NULL`). */
function isEvent(row: Events["$inferSelect"]): boolean {
  return row.id !== null && row.id !== undefined;
}

/** The rows read after `after` in one table (their positions under `names.alias.position`, see `rowPositions`), and their events decoded. */
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
