/**
 * `decide`: read a record's state, decide on it, append at the version read, and on a conflict read
 * and decide again, so that no decision is taken on a state another writer has moved on from.
 *
 * @module
 */
import { is } from "drizzle-orm";
import { PgTransaction, type PgTransactionConfig } from "drizzle-orm/pg-core";
import { at, OPTIONS } from "../checks.js";
import { displayName } from "../naming/index.js";
import { SpectorOptionError, SpectorVersionConflictError, type RecordVersion } from "../errors.js";
import { resolveEvents } from "../queries/target.js";
import type { EventInput, EventRow, SpectorDatabase } from "../queries/types.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { aggregate } from "./aggregate.js";
import { appendToRead } from "./append-events.js";
import { checkFoldOptions, fold, type Fold } from "./fold.js";

/** The options of {@link decide}: the fold, and how often and how to try. */
export interface DecideOptions<T extends AnyEventTable, S> extends Fold<T, S> {
  /** As `aggregate`'s: replay from the latest savepoint. */
  readonly fromSavepoint?: (payload: any) => S;
  /** How many times to read, decide and append before a conflict is thrown. Default 10. */
  readonly maxAttempts?: number;
  /**
   * Run each attempt in a transaction of its own, with this configuration (e.g. `{ isolationLevel:
   * "serializable" }`); a conflict or a serialization failure rolls it back and the next attempt
   * starts a new one. `db` must then be a database with `transaction()`. Default: no transaction.
   */
  readonly transaction?: PgTransactionConfig;
}

/** What {@link decide} returns. */
export interface Decision<T extends AnyEventTable, S> {
  /** The rows appended, in order (`[]` when the decision was to append nothing). */
  readonly rows: EventRow<T>[];
  /** The state after them (the state read, when nothing was appended). */
  readonly state: S;
  /** The record's version after them (the version read, when nothing was appended). */
  readonly version: RecordVersion;
  /** How many times the state was read and decided on (1 when no conflict was met). */
  readonly attempts: number;
}

/** What a decision returns: the events to append to the record, in order (`[]`: none). */
export type Decider<T extends AnyEventTable, S> = (
  state: S,
) => readonly EventInput<T>[] | Promise<readonly EventInput<T>[]>;

const DECIDE_OPTIONS = ["initial", "evolve", "fromSavepoint", "maxAttempts", "transaction"];
/** The SQLSTATEs an attempt in a transaction of its own is retried on: serialization failure, deadlock. */
const RETRIED_SQLSTATES = new Set(["40001", "40P01"]);

/**
 * Reads the state of record `parentId` (`aggregate`), calls `decider(state)` for the events to append,
 * and appends them with `appendEvents` at the version read. When another writer appended in between,
 * nothing is written and `decide` reads and decides again, at most `maxAttempts` times in all (then
 * the `SpectorVersionConflictError` is thrown). A decider that returns `[]` writes nothing; one that
 * throws (or an `evolve` that throws) makes `decide` throw that error, with nothing written.
 *
 * The table needs record heads (`versioned: true` or `hashed: "record"`). Without `transaction` each
 * attempt is two statements on `db`; in a READ COMMITTED transaction of yours the attempts run in it;
 * in a REPEATABLE READ or SERIALIZABLE one a conflict cannot be retried (its snapshot would read the
 * same state again) and is thrown at once: retry your transaction, or pass `transaction` instead.
 *
 * @example
 * ```ts
 * const { rows, state } = await decide(
 *   db,
 *   accounts,
 *   accountId,
 *   { initial: { balance: 0 }, evolve },
 *   (account) => (account.balance >= 30 ? [{ schema: "account", action: "withdraw", payload: { amount: 30 } }] : []),
 * );
 * rows.length; // 1 when withdrawn, 0 when the balance did not allow it
 * ```
 * @throws {SpectorOptionError} for bad input (see `aggregate`; a table without record heads, a
 * `maxAttempts` that is not a positive integer, a decider that is not a function or returns no array,
 * `transaction` on a database without `transaction()`), with nothing written.
 * @throws {SpectorVersionConflictError} when every attempt met a conflict; nothing of theirs was written.
 * @throws {SpectorRecordNotFoundError} when `parentId` is not the first event of a record.
 */
export async function decide<T extends AnyEventTable, S>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
  options: DecideOptions<T, S>,
  decider: NoInfer<Decider<T, S>>,
): Promise<Decision<T, S>> {
  const target = resolveEvents("table", table);
  const { evolve, fromSavepoint } = checkFoldOptions(options, DECIDE_OPTIONS);
  const { maxAttempts = 10, transaction } = options;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new SpectorOptionError(at(OPTIONS, "maxAttempts"), maxAttempts, "a positive integer, or left out (10)");
  }
  if (!target.meta.recordChain && !target.meta.versioned) {
    throw new SpectorOptionError(
      "table",
      `events table ${displayName(target.meta)}`,
      'an events table with record heads (`versioned: true` or `hashed: "record"`): `decide` appends at the version it read',
    );
  }
  if (typeof decider !== "function") {
    throw new SpectorOptionError("decider", decider, "a function `(state) => events`");
  }
  const begin = transaction === undefined ? undefined : transactionOf(db);
  const replay = { initial: options.initial, evolve, ...(fromSavepoint === undefined ? {} : { fromSavepoint }) };
  const inTransaction = is(db, PgTransaction);

  const attempt = async (conn: SpectorDatabase, attempts: number): Promise<Decision<T, S>> => {
    const read = await aggregate(conn, table, parentId, replay);
    const events = await decider(read.state);
    if (!Array.isArray(events)) {
      throw new SpectorOptionError("decider", events, "a function that returns an array of events (`[]`: none)");
    }
    if (events.length === 0) return { rows: [], state: read.state, version: read.version, attempts };
    // a conflict before the last attempt is retried at once: its version is read again by the next
    // attempt's `aggregate`, not first by the append (in a transaction of the caller's, `retried` needs it)
    const last = attempts >= maxAttempts || (inTransaction && begin === undefined);
    const written = await appendToRead(conn, table, { parentId, expected: read.version, events }, !last);
    // the rows written are folded as `aggregate` folds rows it reads: payloads upcast on the way
    const state = fold(read.state, evolve, written.rows, 0, { meta: target.meta });
    return { rows: written.rows, state, version: written.version, attempts };
  };

  for (let attempts = 1; ; attempts++) {
    try {
      if (begin === undefined) return await attempt(db, attempts);
      return await begin((tx) => attempt(tx, attempts), transaction!);
    } catch (error) {
      if (attempts >= maxAttempts || !retried(error, begin !== undefined, inTransaction)) throw error;
    }
  }
}

/**
 * Whether an attempt's failure is worth another: a version conflict, unless it happened in a
 * transaction of the caller's whose snapshot cannot see the new version (above READ COMMITTED); in a
 * transaction of `decide`'s own, a serialization failure or deadlock too.
 */
function retried(error: unknown, ownTransaction: boolean, inTransaction: boolean): boolean {
  if (error instanceof SpectorVersionConflictError) {
    return ownTransaction || !inTransaction || error.actual !== undefined;
  }
  if (!ownTransaction) return false;
  for (let cause = error as { code?: unknown; cause?: unknown } | undefined; cause; cause = cause.cause as never) {
    if (typeof cause.code === "string" && RETRIED_SQLSTATES.has(cause.code)) return true;
    if (typeof cause !== "object") break;
  }
  return false;
}

/** The `transaction()` of a database, for `decide`'s `transaction` option. */
function transactionOf(
  db: SpectorDatabase,
): (run: (tx: SpectorDatabase) => Promise<any>, config: PgTransactionConfig) => Promise<any> {
  const begin = (db as { transaction?: unknown }).transaction;
  if (typeof begin !== "function") {
    throw new SpectorOptionError(
      at(OPTIONS, "transaction"),
      "a database without transaction()",
      "left out, or given with a Drizzle database that has `transaction()`",
    );
  }
  return (run, config) => begin.call(db, run, config);
}
