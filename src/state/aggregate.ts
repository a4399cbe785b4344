/**
 * `aggregate`: the state of a record, folded from its events in one statement.
 *
 * @module
 */
import { at as path, checkUuid } from "../checks.js";
import { resolveEvents } from "../queries/target.js";
import type { EventRow, SpectorDatabase } from "../queries/types.js";
import { isSavepoint } from "../queries/upcast-rows.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { checkFoldOptions, fold, type Fold } from "./fold.js";
import { readRecord } from "./read-record.js";
import type { RecordVersion } from "../errors.js";

/** The options of {@link aggregate}. */
export interface AggregateOptions<T extends AnyEventTable, S> extends Fold<T, S> {
  /** An event id of the record: the state as of that event (it included). Default: the record's last. */
  readonly at?: string;
  /**
   * The state a savepoint's payload holds: with it, replay starts at the record's latest savepoint (at
   * or before `at`) and reads only the events from it on. Default: replay from the first event.
   */
  readonly fromSavepoint?: (payload: any) => S;
}

/** What {@link aggregate} returns: the state, and the version of the whole record as read. */
export interface Aggregate<S> {
  readonly state: S;
  readonly version: RecordVersion;
}

const AGGREGATE_OPTIONS = ["initial", "evolve", "at", "fromSavepoint"];

/**
 * The state of record `parentId`: `initial` folded with `evolve` over its events in `id` order (the
 * order of `listByParent`), savepoints left out. One statement reads the events and the record's
 * version (`{ lastId, count }` of all its events, in the same snapshot): with `at`, only the events up
 * to that one (time travel); with `fromSavepoint`, only those from the latest savepoint on, whose
 * payload `fromSavepoint` turns into the state to start from. Payloads are upcast (the table's
 * `upcast` option) before `evolve` sees them. An `evolve` that throws makes `aggregate` throw that
 * error.
 *
 * @example
 * ```ts
 * const { state, version } = await aggregate(db, events, order.id, {
 *   initial: { total: 0 },
 *   evolve: (state, event) => (event.action === "update" ? { total: state.total + event.payload!.amount } : state),
 * });
 * const before = await aggregate(db, events, order.id, { initial: { total: 0 }, evolve, at: firstUpdate.id });
 * ```
 * @throws {SpectorOptionError} for a `parentId` or `at` that is not a UUID, an `at` that is no event of
 * the record, a missing `evolve` or a `fromSavepoint` that is not a function.
 * @throws {SpectorRecordNotFoundError} when `parentId` is not the first event of a record.
 */
export async function aggregate<T extends AnyEventTable, S>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
  options: AggregateOptions<T, S>,
): Promise<Aggregate<S>> {
  const target = resolveEvents("table", table);
  const record = checkUuid("parentId", parentId);
  const { evolve, fromSavepoint, at } = checkFoldOptions(options, AGGREGATE_OPTIONS);
  const atId = at === undefined ? undefined : checkUuid(path("options", "at"), at);
  const { rows, version } = await readRecord(db, target.record(record), record, {
    at: atId,
    fromSavepoint: fromSavepoint !== undefined,
    atPath: path("options", "at"),
  });
  let state = options.initial;
  let start = 0;
  if (fromSavepoint !== undefined && rows[0] !== undefined && isSavepoint(rows[0])) {
    state = fromSavepoint(rows[0].payload);
    start = 1;
  }
  return { state: fold(state, evolve, rows as unknown as EventRow<T>[], start), version };
}
