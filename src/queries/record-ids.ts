/**
 * `appendEvent`'s ids on a record chain (`hashed: "record"`): the trigger refuses an id that is not
 * after its record's last one (SQLSTATE 40001); the append is then retried without an id, which the
 * trigger fills under the record's lock, a bounded number of times.
 *
 * @module
 */
import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { RECORD_CHAIN_ERRORS } from "../sql/record-chain.js";
import type { SpectorDatabase } from "./types.js";
import { driverError } from "./violation.js";

/** How many times `appendEvent` tries an event of a record chain before it throws the refusal. */
export const RECORD_APPEND_ATTEMPTS = 5;

/** The start of the trigger's `notAfter` message, which tells its 40001 from a serialization failure. */
const NOT_AFTER = RECORD_CHAIN_ERRORS.notAfter.message.slice(0, RECORD_CHAIN_ERRORS.notAfter.message.indexOf("%s"));

/** `true` when `error` is the record-chain trigger refusing an id that is not after its record's last. */
export function isNotAfterRefusal(error: unknown): boolean {
  const found = driverError(error);
  return (
    found?.code === RECORD_CHAIN_ERRORS.notAfter.sqlstate &&
    typeof found.message === "string" &&
    found.message.startsWith(NOT_AFTER)
  );
}

/**
 * Runs `insert` with id `first`, and while the record chain refuses the id as not after its record's
 * last one (another writer's clock is ahead, or its event committed first), again with no id (`null`),
 * which the trigger fills with a UUIDv7 after the record's last, under the record's lock; at most
 * {@link RECORD_APPEND_ATTEMPTS} times in all. In a transaction of the caller's each attempt runs in a
 * savepoint, so that a refusal does not abort the caller's transaction.
 *
 * @example
 * ```ts
 * const row = await withRecordIds(db, newEventId(), (tx, id) => insert(tx, id));
 * ```
 */
export async function withRecordIds<R>(
  db: SpectorDatabase,
  first: string,
  insert: (db: SpectorDatabase, id: string | null) => Promise<R>,
): Promise<R> {
  const inTransaction = is(db, PgTransaction);
  let id: string | null = first;
  for (let attempt = 1; ; attempt++) {
    try {
      return inTransaction ? await db.transaction((savepoint) => insert(savepoint, id)) : await insert(db, id);
    } catch (error) {
      if (attempt >= RECORD_APPEND_ATTEMPTS || !isNotAfterRefusal(error)) throw error;
      id = null;
    }
  }
}
