/**
 * Folding a record's events into a state: the fold `aggregate`, `verifySavepoints` and `decide` share,
 * and the check of its options.
 *
 * @module
 */
import { at as path, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import type { EventRow } from "../queries/types.js";
import { isSavepoint } from "../queries/upcast-rows.js";
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
