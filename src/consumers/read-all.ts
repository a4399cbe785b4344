/**
 * `readAll`: a log's events in position order, after a cursor.
 *
 * @module
 */
import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { OPTIONS, at, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import type { EventRow, SpectorDatabase } from "../queries/types.js";
import { encodeCursor, parseCursor } from "./cursor.js";
import { checkSchemas, resolveLog, type Log } from "./log.js";
import { positionEvents } from "./position-events.js";
import { readWindow } from "./read-window.js";

/** The options of {@link readAll}. */
export interface ReadAllOptions<T extends AnyEventTable = AnyEventTable> {
  /** The cursor to read after: a `next` that `readAll` returned. Left out: from the start of the log. */
  readonly after?: string | undefined;
  /** How many positions to read at most (from 1 to 10,000). Default 1,000. */
  readonly limit?: number | undefined;
  /**
   * Only events of these schemas: names of the table's `schemas` map, or `schema` integers where it
   * declares none. Events of other schemas are read past (`next` moves over them). Default: all.
   */
  readonly schemas?: readonly (T["_"]["columns"]["schema"]["_"]["data"] | number)[] | undefined;
}

/** What {@link readAll} returns. */
export interface ReadAllResult<T extends AnyEventTable> {
  /** The events, in position order, as the other helpers return them (payloads upcast). */
  readonly events: EventRow<T>[];
  /** The cursor after them, to pass back as `after` (the same as `after` when nothing was read). */
  readonly next: string;
}

/** The most positions one call reads. */
export const MAX_READ = 10_000;

/**
 * How many events a call numbers at least, so that small reads do not number one event at a time, and
 * a consumer's first pass over a backlog numbers once every 10 batches of 1,000. A call costs about a
 * millisecond, and each positions row 8 to 20 µs more (measured: 10,000 events in rows of 100, 3 ms;
 * 20,000 single events, 161 ms, while other readers number nothing): 10,000 keeps that under 100 ms.
 */
const MIN_NUMBERED = 10_000;

/**
 * The events of a log (an events table made with `positions: true`, or a shard set of them) after
 * cursor `after`, in position order: the order in which they became visible, one total order over the
 * table that every writer's events take part in (raw SQL, `COPY` and Elixir services included).
 *
 * An event is returned only once it is committed and numbered, and no event committed later can take
 * a position before it: reading on from `next` never skips an event and never repeats one, whatever
 * writers are doing (an open transaction holds nobody back: its events come after, once it commits).
 * Rolled-back events are never returned. Reading from the start twice gives the same sequence, also
 * after `pg_dump` / `pg_restore` (positions are data). Within a record, positions follow the record's
 * order on tables that keep record heads (`versioned: true`, `hashed: "record"`); on other tables,
 * an event committed after another of its record with a smaller id comes after it here, but before
 * it in `listByParent`.
 *
 * Each call first numbers committed events that have none yet (`position_events_T`, one statement;
 * grant `EXECUTE` on it to roles that read), then reads. Given a transaction (`tx`), it numbers
 * nothing (the numbering's lock would be held until the transaction ends, holding back every reader of
 * the table) and reads what is numbered in its snapshot; consumers and calls outside a transaction
 * number the rest.
 * For a shard set, `next` holds a position per shard, and a read merges the shards by position: each
 * shard's order is kept, and no event is skipped or repeated; two reads from the start may interleave
 * the shards differently if they ran at different times.
 *
 * @example
 * ```ts
 * let after: string | undefined;
 * for (;;) {
 *   const { events: batch, next } = await readAll(db, events, { after, limit: 500 });
 *   if (batch.length === 0) break;
 *   for (const event of batch) console.log(event.id, event.action);
 *   after = next; // store it to resume here
 * }
 * ```
 * @throws {SpectorOptionError} when the table has no positions, or an option is not as documented.
 */
export async function readAll<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  options: ReadAllOptions<T> = {},
): Promise<ReadAllResult<T>> {
  const log = resolveLog("table", table);
  const given = checkObject(OPTIONS, options, ["after", "limit", "schemas"]);
  const after = parseCursor(at(OPTIONS, "after"), given.after, log.tables.length);
  const limit = checkLimit(at(OPTIONS, "limit"), given.limit);
  const codes = checkSchemas(at(OPTIONS, "schemas"), given.schemas, log.meta);
  // inside a transaction the positioner's lock would be held until it ends, holding back every
  // reader of the table: there, read what is numbered (consumers and readers outside number the rest)
  if (!is(db, PgTransaction)) await numberEvents(db, log, limit);
  const window = await readWindow(db, log, after, limit, codes);
  return { events: window.events as unknown as EventRow<T>[], next: encodeCursor(window.positions) };
}

/**
 * Numbers the committed events of every table of `log` that have no position yet (at least `limit`),
 * and returns each table's last position (`-1` where it could not look).
 */
export async function numberEvents(db: SpectorDatabase, log: Log, limit: number): Promise<number[]> {
  const max = Math.max(limit, MIN_NUMBERED);
  return Promise.all(log.tables.map((table) => positionEvents(db, table.meta, max)));
}

/** Checks a `limit` / `batchSize` option: an integer from 1 to {@link MAX_READ}, 1,000 when left out. */
export function checkLimit(path: string, value: unknown): number {
  if (value === undefined) return 1_000;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_READ) {
    throw new SpectorOptionError(path, value, `an integer from 1 to ${MAX_READ.toLocaleString("en-US")}`);
  }
  return value;
}
