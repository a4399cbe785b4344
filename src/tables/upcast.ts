/**
 * The `upcast` option of an events table: per schema, a function that turns a payload written by an
 * older version of the schema (Spector writes the schema's version into the payload as `__version__`)
 * into the current type. The read helpers call it on every event they return (`listByParent`,
 * `backtrace`, `linked`, `ancestors`, `aggregate`).
 *
 * @module
 */
import { at, OPTIONS } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import type { CodeMap } from "./codes.js";

/**
 * An upcaster: the stored payload (never `null`: a `NULL` payload is returned as it is), the version
 * it was written at (its `__version__`, `0` when it has none, as Spector reads it), and the event's
 * action; it returns the payload as the current version of the schema has it.
 *
 * @example
 * ```ts
 * const order: Upcaster = (payload, version) => (version < 2 ? { ...payload, currency: "EUR", __version__: 2 } : payload);
 * ```
 */
export type Upcaster = (payload: any, version: number, action: any) => unknown;

/** The checked upcasters, by the `schema` value a row holds (a name with a `schemas` map, an integer without). */
export type UpcastPlan = ReadonlyMap<string | number, Upcaster>;

/**
 * Checks `upcast`: a plain object of functions, keyed by the names of `schemas` (by `schema` integers
 * without a map).
 */
export function checkUpcast(value: unknown, schemas: CodeMap | undefined): UpcastPlan | undefined {
  const path = at(OPTIONS, "upcast");
  if (value === undefined) return undefined;
  if (
    typeof value !== "object" ||
    value === null ||
    Array.isArray(value) ||
    (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
  ) {
    throw new SpectorOptionError(
      path,
      value,
      "a plain object of schema names to functions `(payload, version, action) => payload`, e.g. `{ order: upcastOrder }`",
    );
  }
  const plan = new Map<string | number, Upcaster>();
  for (const [key, fn] of Object.entries(value)) {
    let schema: string | number | undefined;
    if (schemas === undefined) schema = /^(0|-?[1-9][0-9]*)$/.test(key) ? Number(key) : undefined;
    else schema = schemas.byName.has(key) ? key : undefined;
    if (schema === undefined) {
      throw new SpectorOptionError(
        at(path, key),
        fn,
        schemas === undefined
          ? "keyed by a `schema` integer (declare `schemas` to key it by names)"
          : `keyed by one of the names of \`schemas\`: ${[...schemas.byName.keys()].map((n) => JSON.stringify(n)).join(", ")}`,
      );
    }
    if (typeof fn !== "function") {
      throw new SpectorOptionError(at(path, key), fn, "a function `(payload, version, action) => payload`");
    }
    plan.set(schema, fn as Upcaster);
  }
  return plan;
}
