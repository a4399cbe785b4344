/**
 * `aggregate`: the state of a record, folded from its events in one statement.
 *
 * @module
 */
import { at as path, checkObject, checkUuid } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { resolveEvents } from "../queries/target.js";
import type { EventRow, SpectorDatabase } from "../queries/types.js";
import { isSavepoint } from "../queries/upcast-rows.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { readRecord } from "./read-record.js";
import type { RecordVersion } from "./version.js";

/**
 * How to fold a record's events into a state: `initial`, the state before its first event (a value),
 * and `evolve(state, event)`, the state after `event` (a typed row, as `listByParent` returns it,
 * upcast). Savepoints are never given to `evolve`.
 */
export interface Fold<T extends AnyEventTable, S> {
  readonly initial: S;
  readonly evolve: (state: S, event: EventRow<T>) => S;
}

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

/** Folds `rows` from index `start` into `state`, savepoints left out. */
export function fold<E extends { readonly action: unknown }, S>(
  state: S,
  evolve: (state: S, event: E) => S,
  rows: readonly E[],
  start = 0,
): S {
  for (let i = start; i < rows.length; i++) {
    const row = rows[i]!;
    if (!isSavepoint(row)) state = evolve(state, row);
  }
  return state;
}

/** Checks the options of a fold (`known`: the keys the helper takes): `evolve` and `fromSavepoint` functions. */
export function checkFoldOptions(
  options: unknown,
  known: readonly string[],
): {
  readonly evolve: (state: any, event: any) => any;
  readonly fromSavepoint: ((payload: unknown) => any) | undefined;
  readonly at: unknown;
} {
  if (options === undefined) {
    throw new SpectorOptionError("options", options, "an object `{ initial, evolve }`");
  }
  const object = checkObject("options", options, known);
  if (!("initial" in object)) {
    throw new SpectorOptionError(path("options", "initial"), undefined, "the state before the first event (a value)");
  }
  if (typeof object.evolve !== "function") {
    throw new SpectorOptionError(path("options", "evolve"), object.evolve, "a function `(state, event) => state`");
  }
  if (object.fromSavepoint !== undefined && typeof object.fromSavepoint !== "function") {
    throw new SpectorOptionError(
      path("options", "fromSavepoint"),
      object.fromSavepoint,
      "a function `(payload) => state`, or left out",
    );
  }
  return {
    evolve: object.evolve as (state: any, event: any) => any,
    fromSavepoint: object.fromSavepoint as ((payload: unknown) => any) | undefined,
    at: object.at,
  };
}
