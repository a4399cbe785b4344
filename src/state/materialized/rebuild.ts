/**
 * `m.rebuild(db)`: every row of a materialized table recomputed from the log, in batches of records.
 *
 * @module
 */
import { eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import { at, checkObject, checkUuid } from "../../checks.js";
import { SpectorOptionError } from "../../errors.js";
import { names } from "../../naming/index.js";
import { quoteIdent, quoteQualified } from "../../sql/quote.js";
import { rowsOf } from "../../queries/rows.js";
import type { EventsTable } from "../../queries/target.js";
import type { SpectorDatabase } from "../../queries/types.js";
import { driverError } from "../../queries/violation.js";
import { fold } from "../fold.js";
import { checkRow, foldScope, type MaterializedSpec, type StateRow } from "./spec.js";
import { writeRows } from "./write-rows.js";

/** Where a rebuild stands: the events table (index in the shard set; 0 for a lone table) and the last record done. */
export interface RebuildCursor {
  readonly shard: number;
  readonly parentId: string;
}

/** What a rebuild did, so far (in `onProgress`) or in all. */
export interface RebuildProgress {
  /** Records folded, events read, rows upserted, rows deleted (records whose fold is `undefined`). */
  readonly records: number;
  readonly events: number;
  readonly upserted: number;
  readonly deleted: number;
  /** Pass as `after` to resume after the batches done. `undefined` before the first batch. */
  readonly cursor: RebuildCursor | undefined;
}

/** What `rebuild` returns. */
export type RebuildResult = RebuildProgress;

/** The options of a materialized table's `rebuild`. */
export interface RebuildOptions {
  /** Records per batch (1,000 by default, fewer for a wide table). */
  readonly batchSize?: number;
  /** Resume after this cursor (a progress report's). */
  readonly after?: RebuildCursor;
  /** Called after each batch, once it is committed. */
  readonly onProgress?: (progress: RebuildProgress) => void | Promise<void>;
}

/**
 * PostgreSQL's limit on a statement's parameters, which a batch written through Drizzle's multi-row
 * insert (a row JSON cannot carry, see write-rows.ts) must stay under.
 */
const MAX_PARAMETERS = 65_535;
/** How many times a batch is tried again after another writer's commit failed it. */
const ATTEMPTS = 16;

type Transactional = { transaction<R>(run: (tx: SpectorDatabase) => Promise<R>): Promise<R> };

/**
 * Recomputes every row of `spec`'s table from the log, in batches of records of the schema (by record
 * id), each one transaction of three statements: the next `batchSize` record ids found and their heads
 * locked (`lock_record_T`, in record order), so that no append to those records interleaves; their
 * events read in one range ordered by `(parent_id, id)` and folded through `evolve` (the fold of
 * src/state/fold.ts); the rows upserted and the rows of records whose fold is `undefined` deleted, in
 * one statement. Each batch is idempotent; a rebuild that stopped resumes from its last cursor.
 *
 * @example
 * ```ts
 * const done = await ordersView.rebuild(db, { onProgress: (p) => console.log(p.records, p.events) });
 * ```
 * @throws {SpectorOptionError} for a bad `batchSize` or `after`, or an `evolve` that returns a row
 * without the record's id (the batch is rolled back).
 */
export async function rebuildMaterialized(
  db: SpectorDatabase,
  spec: MaterializedSpec,
  options?: RebuildOptions,
): Promise<RebuildResult> {
  const given = checkObject("options", options, ["batchSize", "after", "onProgress"]);
  const width = Math.max(1, Object.keys(spec.columns).length);
  const fallback = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMETERS / width)));
  const size = given.batchSize === undefined ? fallback : given.batchSize;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1 || size * width > MAX_PARAMETERS) {
    throw new SpectorOptionError(
      at("options", "batchSize"),
      size,
      `a positive integer of at most ${Math.floor(MAX_PARAMETERS / width)} (${width} columns per row)`,
    );
  }
  const after = checkCursor(given.after, spec.tables.length);
  const onProgress = given.onProgress as RebuildOptions["onProgress"];
  let progress: RebuildProgress = { records: 0, events: 0, upserted: 0, deleted: 0, cursor: after };
  for (let shard = after?.shard ?? 0; shard < spec.tables.length; shard++) {
    let last = after !== undefined && after.shard === shard ? after.parentId : undefined;
    for (;;) {
      const from = last;
      const done = await retried(db, (tx) => rebuildBatch(tx, spec, spec.tables[shard]!, from, size));
      const { ids } = done;
      if (ids.length === 0) break;
      last = ids[ids.length - 1]!;
      progress = {
        records: progress.records + ids.length,
        events: progress.events + done.events,
        upserted: progress.upserted + done.upserted,
        deleted: progress.deleted + done.deleted,
        cursor: { shard, parentId: last },
      };
      await onProgress?.(progress);
      if (ids.length < size) break;
    }
  }
  return progress;
}

/** Checks `after`: a cursor of this rebuild's events tables. */
function checkCursor(value: unknown, shards: number): RebuildCursor | undefined {
  if (value === undefined) return undefined;
  const path = at("options", "after");
  const { shard, parentId } = checkObject(path, value, ["shard", "parentId"], "key");
  if (typeof shard !== "number" || !Number.isSafeInteger(shard) || shard < 0 || shard >= shards) {
    throw new SpectorOptionError(at(path, "shard"), shard, `an index of the events tables (0 to ${shards - 1})`);
  }
  return { shard, parentId: checkUuid(at(path, "parentId"), parentId) };
}

/** Runs `batch` in a transaction of its own when `db` has them, again when another writer's commit failed it. */
async function retried<R>(db: SpectorDatabase, batch: (tx: SpectorDatabase) => Promise<R>): Promise<R> {
  const transaction = (db as Partial<Transactional>).transaction;
  if (typeof transaction !== "function") return batch(db);
  for (let attempt = 1; ; attempt++) {
    try {
      return await (db as unknown as Transactional).transaction(batch);
    } catch (error) {
      const code = String(driverError(error)?.code);
      if (attempt >= ATTEMPTS || (code !== "40001" && code !== "40P01")) throw error;
    }
  }
}

/** The uuid `id` as SQL. */
const uuid = (id: string): SQL => sql`${id}::pg_catalog.text::pg_catalog.uuid`;

/** The rows of a raw statement, as any driver returns them (postgres.js an array, the others `{ rows }`). */
async function selectRows(db: SpectorDatabase, query: SQL): Promise<Record<string, unknown>[]> {
  return rowsOf(await db.execute(query)) as Record<string, unknown>[];
}

/** An event as `select()` returns it: every column, by key. */
type LogRow = Readonly<Record<string, unknown>> & {
  readonly parentId: string;
  readonly schema: unknown;
  readonly action: unknown;
  readonly payload: unknown;
};

/**
 * The events of `events` that `where` selects, ordered by `(parent_id, id)`, as Drizzle's `select()`
 * returns them (each value through its column's `mapFromDriverValue`), read as one raw statement: a
 * batch's thousands of rows are decoded in one loop, without the per-field dispatch of a select.
 */
async function readEvents(tx: SpectorDatabase, events: EventsTable, where: SQL): Promise<LogRow[]> {
  const t = events.table;
  const columns = Object.entries(getTableColumns(t));
  const keys = columns.map(([key]) => key);
  const decoders = columns.map(([, column]) => column);
  const names = columns.map(([, column]) => column.name);
  const list = sql.raw(names.map((name) => quoteIdent(name)).join(", "));
  const raw = await selectRows(tx, sql`select ${list} from ${t} where ${where} order by ${t.parentId}, ${t.id}`);
  const rows: LogRow[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const from = raw[i]!;
    const row: Record<string, unknown> = {};
    for (let c = 0; c < keys.length; c++) {
      const value = from[names[c]!];
      row[keys[c]!] = value === null || value === undefined ? null : decoders[c]!.mapFromDriverValue(value);
    }
    rows[i] = row as LogRow;
  }
  return rows;
}

/** What one batch did: the records folded (in order) and the events, rows upserted and rows deleted. */
interface BatchResult {
  readonly ids: readonly string[];
  readonly events: number;
  readonly upserted: number;
  readonly deleted: number;
}

/**
 * In transaction `tx`: locks the heads of the next `size` records of the schema in `events` after
 * `last` (one statement, in record order), reads their events of the schema ordered by `(parent_id,
 * id)` (one range read, which an index on `parent_id` or the record index serves), folds each record's
 * and writes the rows.
 */
async function rebuildBatch(
  tx: SpectorDatabase,
  spec: MaterializedSpec,
  events: EventsTable,
  last: string | undefined,
  size: number,
): Promise<BatchResult> {
  const t = events.table;
  const lock = sql.raw(quoteQualified(events.meta.pgSchema, names.recordChain.lockRecord(events.meta.name)));
  const ofSchema = eq(t.schema, spec.schema as never);
  const after = last === undefined ? sql`` : sql` and ${t.parentId} > ${uuid(last)}`;
  const locked = await selectRows(
    tx,
    sql`select r.id::pg_catalog.text as id from (select distinct ${t.parentId} as id from ${t} where ${ofSchema}${after} order by 1 limit ${size}) as r cross join lateral ${lock}(r.id) as h order by r.id`,
  );
  const ids = locked.map((row) => String(row.id));
  if (ids.length === 0) return { ids, events: 0, upserted: 0, deleted: 0 };
  const rows = await readEvents(
    tx,
    events,
    sql`${ofSchema} and ${t.parentId} >= ${uuid(ids[0]!)} and ${t.parentId} <= ${uuid(ids[ids.length - 1]!)}`,
  );
  // a record of the range made since the lock is left to its appends, which write its row
  const mine = new Set(ids);
  const scope = foldScope(spec, events.meta);
  const upserts: StateRow[] = [];
  const deletes: string[] = [];
  let folded = 0;
  for (let start = 0, end = 1; start < rows.length; start = end++) {
    const id = rows[start]!.parentId;
    while (end < rows.length && rows[end]!.parentId === id) end++;
    if (!mine.has(id)) continue;
    folded += end - start;
    const row = checkRow(spec, id, fold(undefined, spec.evolve, rows, start, { ...scope, end }));
    if (row === undefined) deletes.push(id);
    else upserts.push(row);
  }
  await writeRows(tx, spec, upserts, deletes);
  return { ids, events: folded, upserted: upserts.length, deleted: deletes.length };
}
