/**
 * An append at an expected version on the Citus layout (`layout: "citus"`, `versioned: true`). Citus
 * pushes an `INSERT ... SELECT` that calls `lock_record_T` down to the record's shard, where the
 * function's query of the heads table is a nested distributed query that Citus refuses. So the head is
 * locked by a statement of its own (`SELECT ... FROM lock_record_T($1)`, run on the coordinator and
 * routed to the record's shard), compared here, and the events inserted after it in the same
 * transaction, which holds the head's lock until it ends: two statements in one transaction (`db`'s,
 * in a savepoint, or one of its own) instead of one.
 *
 * @module
 */
import { SpectorOptionError, SpectorVersionConflictError, type RecordVersion } from "../errors.js";
import { displayName } from "../naming/index.js";
import { httpDriver } from "./driver.js";
import { recordNotFound, type Events, type EventsTable } from "./target.js";
import type { SpectorDatabase } from "./types.js";
import { lockHead } from "./lock-head.js";
import { conflictOnSerializationFailure } from "./version-conflict.js";

type Transactional = SpectorDatabase & {
  transaction<R>(run: (tx: SpectorDatabase) => Promise<R>): Promise<R>;
};

/**
 * Appends to record `parentId` of Citus-layout table `events` only at version `expected`: locks the
 * record's head, compares it, then runs `insert` (the append at any version) in the same transaction.
 * Throws {@link SpectorVersionConflictError} (nothing written) when the head says another version, or
 * when, above READ COMMITTED, the head changed after the transaction's snapshot (SQLSTATE 40001).
 */
export async function citusAppendAtVersion(
  db: SpectorDatabase,
  events: EventsTable,
  parentId: string,
  expected: RecordVersion,
  insert: (tx: SpectorDatabase) => Promise<{ readonly rows: Events["$inferSelect"][] }>,
): Promise<{ rows: Events["$inferSelect"][]; version: RecordVersion }> {
  const http = httpDriver(db);
  if (http !== undefined || typeof (db as Partial<Transactional>).transaction !== "function") {
    throw new SpectorOptionError(
      "db",
      http ?? "a database without transactions",
      "a database with interactive transactions (or one of its `tx`): on the Citus layout an append at an expected version locks the record's head in a statement of its own, then appends",
    );
  }
  const table = displayName(events.meta);
  const run = async (tx: SpectorDatabase) => {
    const head = await lockHead(tx, events, parentId);
    if (head === undefined) return recordNotFound(tx, events, parentId);
    if (head.count !== expected.count || head.lastId !== expected.lastId.toLowerCase()) {
      throw new SpectorVersionConflictError(parentId, expected, head, table);
    }
    const { rows } = await insert(tx);
    return { rows, version: { lastId: rows[rows.length - 1]!.id, count: expected.count + rows.length } };
  };
  // above READ COMMITTED: the head changed after the snapshot
  return conflictOnSerializationFailure(db, events, parentId, expected, () => (db as Transactional).transaction(run));
}
