/**
 * `verifySavepoints`: Spector's `verify_savepoints`, a check that every savepoint of a record holds
 * what a replay of its events gives.
 *
 * @module
 */
import { OPTIONS, at as path, checkUuid } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { resolveEvents } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";
import { isSavepoint } from "../queries/upcast-rows.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { checkFoldOptions, fold, type Fold } from "./fold.js";
import { deepEqual } from "./deep-equal.js";
import { readRecord } from "./read-record.js";

/** The options of {@link verifySavepoints}: the fold, and how a savepoint's payload becomes a state. */
export interface VerifySavepointsOptions<T extends AnyEventTable, S> extends Fold<T, S> {
  readonly fromSavepoint: (payload: any) => S;
}

/**
 * What {@link verifySavepoints} found: `{ ok: true }`, or the first savepoint that disagrees with the
 * replay without it: its id, `expected` (the state a replay without it gives) and `actual` (the state
 * with it), either where it stands in the record (`at: "savepoint"`) or at the record's end
 * (`at: "end"`: the same state there, but a different one after replaying the events after it).
 */
export type SavepointCheck<S> =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly savepointId: string;
      readonly at: "savepoint" | "end";
      readonly expected: S;
      readonly actual: S;
    };

const VERIFY_OPTIONS = ["initial", "evolve", "fromSavepoint"];

/**
 * Replays record `parentId` without its savepoints and, for each savepoint in turn, with it (from
 * `fromSavepoint(payload)` on), and reports the first savepoint whose state differs (deep equality)
 * from the replay's at that point, or whose replay to the end differs from the full one. The record is
 * read in one statement; nothing is written.
 *
 * @example
 * ```ts
 * const check = await verifySavepoints(db, events, order.id, { initial, evolve, fromSavepoint: (p) => p });
 * if (!check.ok) console.error(`savepoint ${check.savepointId}`, check.expected, check.actual);
 * ```
 * @throws {SpectorOptionError} for a `parentId` that is not a UUID, or a missing `evolve` or `fromSavepoint`.
 * @throws {SpectorRecordNotFoundError} when `parentId` is not the first event of a record.
 */
export async function verifySavepoints<T extends AnyEventTable, S>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
  options: VerifySavepointsOptions<T, S>,
): Promise<SavepointCheck<S>> {
  const target = resolveEvents("table", table);
  const record = checkUuid("parentId", parentId);
  const { evolve, fromSavepoint } = checkFoldOptions(options, VERIFY_OPTIONS);
  if (fromSavepoint === undefined) {
    throw new SpectorOptionError(path(OPTIONS, "fromSavepoint"), undefined, "a function `(payload) => state`");
  }
  const { rows } = await readRecord(db, target.record(record), record, { fromSavepoint: false, atPath: "" });
  const full = fold(options.initial, evolve, rows);
  let state = options.initial;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!isSavepoint(row)) {
      state = evolve(state, row);
      continue;
    }
    const actual = fromSavepoint(row.payload) as S;
    if (!deepEqual(state, actual)) return { ok: false, savepointId: row.id, at: "savepoint", expected: state, actual };
    const end = fold(actual, evolve, rows, i + 1);
    if (!deepEqual(full, end)) return { ok: false, savepointId: row.id, at: "end", expected: full, actual: end };
  }
  return { ok: true };
}
