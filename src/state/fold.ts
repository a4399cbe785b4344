/**
 * Folding a record's events into a state: the fold `aggregate`, `verifySavepoints` and `decide` share,
 * and the check of its options.
 *
 * @module
 */
import { at as path, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import type { EventRow } from "../queries/types.js";
import { isSavepoint, upcastPayload } from "../queries/upcast-rows.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { AnyEventTable } from "../tables/event-table.js";

/**
 * How to fold a record's events into a state: `initial`, the state before its first event (a value),
 * and `evolve(state, event)`, the state after `event` (a typed row, as `listByParent` returns it,
 * upcast). Savepoints are never given to `evolve`.
 */
export interface Fold<T extends AnyEventTable, S> {
  readonly initial: S;
  readonly evolve: (state: S, event: EventRow<T>) => S;
}

/**
 * Which of a record's events a fold gives to `evolve`, and how: with `schema`, only the events of that
 * schema; with `meta`, each payload upcast through the table's upcasters on the way (on a copy of the
 * event: the rows given are not changed), for rows read without upcasting. Savepoints are never folded.
 */
export interface FoldScope {
  readonly schema?: unknown;
  readonly meta?: EventTableMeta;
}

/** Whether a fold of `scope` gives `row` to `evolve`: not a savepoint, and of the scope's schema if it has one. */
export function folds(row: { readonly action: unknown; readonly schema?: unknown }, scope?: FoldScope): boolean {
  return !isSavepoint(row) && (scope?.schema === undefined || row.schema === scope.schema);
}

/**
 * Folds `rows[start..end)` into `state` through `evolve`, in order: the events {@link folds} selects,
 * upcast when `scope.meta` is given. The one fold of `aggregate`, `verifySavepoints`, `decide` and the
 * materialized tables (inline, `rebuild`, `get`), so that they cannot drift apart.
 */
export function fold<E extends { readonly action: unknown }, S>(
  state: S,
  evolve: (state: S, event: E) => S,
  rows: readonly E[],
  start = 0,
  scope?: FoldScope & { readonly end?: number },
): S {
  const end = scope?.end ?? rows.length;
  const meta = scope?.meta;
  const upcasting = meta?.upcast !== undefined && meta.upcast.size > 0;
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    if (!folds(row, scope)) continue;
    state = evolve(state, upcasting ? { ...row, payload: upcastPayload(meta, row as never) } : row);
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
