/**
 * `m.import(db)`: Spector's bringup. Every row of a materialized table that is no record yet becomes
 * one, with an `insert` event whose payload is the row.
 *
 * @module
 */
import { asc, gt, inArray, sql, type SQL } from "drizzle-orm";
import { at, checkObject, checkPayload } from "../../checks.js";
import { SpectorOptionError } from "../../errors.js";
import { BASE_ACTIONS } from "../../tables/codes.js";
import { jsonb, sending } from "../../queries/event-input.js";
import type { EventsTable } from "../../queries/target.js";
import type { SpectorDatabase } from "../../queries/types.js";
import type { MaterializedSpec, StateRow } from "./spec.js";

/** The options of a materialized table's `import`. */
export interface ImportOptions {
  /** Rows per batch (1,000 by default). */
  readonly batchSize?: number;
}

/** What `import` did: how many rows it read, and how many became records (the others were records). */
export interface ImportResult {
  readonly rows: number;
  readonly imported: number;
}

type Transactional = { transaction<R>(run: (tx: SpectorDatabase) => Promise<R>): Promise<R> };

/**
 * Turns every row of `spec`'s table whose id is no event yet into a record of the schema: one
 * `insert` event, its id (and so the record's) the row's id, its payload the row as JSON (as
 * `JSON.stringify` writes it: a `Date` becomes its ISO text). Rows are read in batches by id; each
 * batch's events are written in one statement (in a transaction of its own when `db` has them). Run it
 * again and it imports nothing more. `evolve(undefined, thatEvent)` should give the row back, so that
 * `rebuild` keeps it.
 *
 * @example
 * ```ts
 * const { imported } = await ordersView.import(db); // the orders that predate the log are records now
 * ```
 * @throws {SpectorOptionError} for a bad `batchSize`, or a row that is no JSON payload (a `bigint`).
 */
export async function importRows(
  db: SpectorDatabase,
  spec: MaterializedSpec,
  options?: ImportOptions,
): Promise<ImportResult> {
  const given = checkObject("options", options, ["batchSize"]);
  const size = given.batchSize ?? 1000;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1 || size > 10_000) {
    throw new SpectorOptionError(at("options", "batchSize"), size, "a positive integer of at most 10,000");
  }
  const transaction = (db as Partial<Transactional>).transaction;
  let last: string | undefined;
  let [read, imported] = [0, 0];
  for (;;) {
    const rows = (await db
      .select()
      .from(spec.table)
      .where(last === undefined ? undefined : gt(spec.key, uuid(last)))
      .orderBy(asc(spec.key))
      .limit(size)) as StateRow[];
    if (rows.length === 0) break;
    last = String(rows[rows.length - 1]![spec.keyName]);
    read += rows.length;
    const batch = (tx: SpectorDatabase) => importBatch(tx, spec, rows);
    imported +=
      typeof transaction === "function" ? await (db as unknown as Transactional).transaction(batch) : await batch(db);
    if (rows.length < size) break;
  }
  return { rows: read, imported };
}

/** The uuid `id` as SQL. */
const uuid = (id: string): SQL => sql`${id}::pg_catalog.text::pg_catalog.uuid`;

/** Writes an `insert` event for each of `rows` that is no event yet; returns how many. */
async function importBatch(tx: SpectorDatabase, spec: MaterializedSpec, rows: readonly StateRow[]): Promise<number> {
  const byTable = new Map<EventsTable, StateRow[]>();
  for (const row of rows) {
    const events = spec.target.record(String(row[spec.keyName]).toLowerCase());
    byTable.set(events, [...(byTable.get(events) ?? []), row]);
  }
  let count = 0;
  for (const [events, list] of byTable) {
    const t = events.table;
    const ids = list.map((row) => String(row[spec.keyName]).toLowerCase());
    const taken = await tx.select({ id: t.id }).from(t).where(inArray(t.id, ids));
    const known = new Set(taken.map((row) => row.id.toLowerCase()));
    const action = events.meta.actions === undefined ? BASE_ACTIONS.insert : "insert";
    const values = list
      .filter((row) => !known.has(String(row[spec.keyName]).toLowerCase()))
      .map((row) => {
        const id = String(row[spec.keyName]).toLowerCase();
        if (id[14] !== "7") {
          throw new SpectorOptionError(
            `${spec.tableName} row ${id}`,
            id,
            "a UUIDv7 id: the row's id becomes its record's and first event's, which an events table with record heads takes only as a UUIDv7; nothing was imported from this batch",
          );
        }
        const text = checkPayload(`${spec.tableName} row ${id}`, JSON.parse(JSON.stringify(row)) as unknown);
        return { id, parentId: id, schema: spec.schema, action, payload: jsonb(text) };
      });
    if (values.length === 0) continue;
    await sending(tx.insert(t).values(values as never[]));
    count += values.length;
  }
  return count;
}
