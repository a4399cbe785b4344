/**
 * A serialization failure of an append at an expected version, as the version conflict it is: above
 * READ COMMITTED, the record's head changed after the transaction's snapshot. One place for both
 * appends at a version (`append-many.ts`, and `append-citus-version.ts` on the Citus layout).
 *
 * @module
 */
import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { SpectorVersionConflictError, type RecordVersion } from "../errors.js";
import { displayName } from "../naming/index.js";
import { isNotAfterRefusal } from "./record-ids.js";
import { versionOf } from "./record-version.js";
import type { EventsTable } from "./target.js";
import type { SpectorDatabase } from "./types.js";
import { driverError, SERIALIZATION_FAILURE } from "./violation.js";

/**
 * Runs `append` (an append to record `parentId` of `events` at version `expected`), turning a
 * serialization failure (SQLSTATE 40001 other than the record chain's id refusal) into
 * {@link SpectorVersionConflictError}: under REPEATABLE READ or SERIALIZABLE, the record's head changed
 * after the transaction's snapshot. The conflict's `actual` is the record's version read again, or
 * `undefined` when `db` is a transaction of the caller's (its snapshot cannot see the version that
 * conflicted). Any other error is thrown as it is.
 *
 * @example
 * ```ts
 * const rows = await conflictOnSerializationFailure(db, events, parentId, expected, () =>
 *   db.transaction((tx) => appendAt(tx, expected)),
 * );
 * ```
 */
export async function conflictOnSerializationFailure<R>(
  db: SpectorDatabase,
  events: EventsTable,
  parentId: string,
  expected: RecordVersion,
  append: () => Promise<R>,
): Promise<R> {
  try {
    return await append();
  } catch (error) {
    if (driverError(error)?.code !== SERIALIZATION_FAILURE || isNotAfterRefusal(error)) throw error;
    const actual = is(db, PgTransaction) ? undefined : await versionOf(db, events, parentId);
    throw new SpectorVersionConflictError(parentId, expected, actual, displayName(events.meta), error);
  }
}
