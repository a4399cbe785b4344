/**
 * Taking a consumer name's checkpoint for a batch: the name's lock and its row, in one statement.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";
import { preparedRowQuery } from "../queries/prepared-rows.js";
import type { SpectorDatabase } from "../queries/types.js";
import { LOCK_KEY_SQL, lockText, type Checkpoints } from "./checkpoints.js";
import { encodeCursor, parseCursor } from "./cursor.js";
import type { Log } from "./log.js";

/** The `log` column's value for a log: its tables' `schema.table`, in order. */
export function logKey(log: Log): string {
  return log.tables.map((t) => `${t.meta.pgSchema ?? "public"}.${t.meta.name}`).join(",");
}

/**
 * Takes consumer `name`'s lock (waiting for another instance's batch) and its checkpoint row
 * `FOR UPDATE`, making the row first if it has none, and returns the cursor's positions; refuses a
 * name that follows another log, with the transaction's isolation level. In a READ COMMITTED
 * transaction (the caller's, which checks the level it is given back): when the statement
 * waited for another instance, its row lock returns the row as that instance committed it (PostgreSQL
 * locks and returns the newest version of a row updated since the statement's snapshot), so one
 * statement serves where a lock and a later read would take two round trips.
 */
export async function lockCheckpoint(
  tx: SpectorDatabase,
  cp: Checkpoints,
  name: string,
  log: string,
  tables: number,
): Promise<{ readonly positions: number[]; readonly isolation: string }> {
  const query = preparedRowQuery(tx, "lock_checkpoint");
  const take = () =>
    query(
      `SELECT c.${cp.log} AS log, c.${cp.cursor} AS cursor, pg_catalog.current_setting('transaction_isolation') AS isolation FROM (SELECT pg_catalog.pg_advisory_xact_lock(${LOCK_KEY_SQL})) AS l, ${cp.table} AS c WHERE c.${cp.name} OPERATOR(pg_catalog.=) $2 FOR UPDATE OF c`,
      [lockText(cp, name), name],
    );
  let [row] = await take();
  if (row === undefined) {
    // the name's first batch (or its row was deleted): a second instance doing the same waits on the
    // primary key until this transaction ends, and then inserts nothing
    await query(
      `INSERT INTO ${cp.table} (${cp.name}, ${cp.log}, ${cp.cursor}) VALUES ($1, $2, $3) ON CONFLICT (${cp.name}) DO NOTHING`,
      [name, log, encodeCursor(new Array<number>(tables).fill(0))],
    );
    [row] = await take();
  }
  if (row?.log !== log) {
    throw new SpectorOptionError(
      "name",
      name,
      `a consumer name not used for another log (${String(row?.log)} is what ${name} follows, not ${log}): pick another name, or delete its row`,
    );
  }
  return { positions: parseCursor(`checkpoint ${name}`, row.cursor, tables), isolation: String(row.isolation) };
}
