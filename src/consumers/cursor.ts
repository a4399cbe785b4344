/**
 * The cursor of `readAll` (`next`, passed back as `after`) and of a consumer's checkpoint: the last
 * position read in each table of the log (one for a table, one per shard for a shard set), as an opaque
 * string.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";

/** The version of the cursor's text. */
const PREFIX = "p1:";

/**
 * The cursor after `positions` (one per table of the log).
 *
 * @example
 * ```ts
 * encodeCursor([42]); // "p1:42"
 * ```
 */
export function encodeCursor(positions: readonly number[]): string {
  return `${PREFIX}${positions.join(",")}`;
}

/**
 * The positions of cursor `value` given at `path` for a log of `tables` tables: every position `0`
 * when `value` is left out (the start of the log).
 *
 * @example
 * ```ts
 * parseCursor("after", "p1:42", 1); // [42]
 * parseCursor("after", undefined, 3); // [0, 0, 0]
 * ```
 * @throws {SpectorOptionError} when `value` is no cursor of a log of that many tables.
 */
export function parseCursor(path: string, value: unknown, tables: number): number[] {
  if (value === undefined) return new Array<number>(tables).fill(0);
  const expected = `a cursor that \`readAll\` returned as \`next\` for this ${tables === 1 ? "table" : `shard set of ${tables} tables`}, or left out to read from the start`;
  if (typeof value !== "string" || !value.startsWith(PREFIX)) throw new SpectorOptionError(path, value, expected);
  const parts = value.slice(PREFIX.length).split(",");
  const positions = parts.map((part) => (/^(0|[1-9][0-9]{0,15})$/.test(part) ? Number(part) : NaN));
  if (positions.length !== tables || positions.some((p) => !Number.isSafeInteger(p))) {
    throw new SpectorOptionError(path, value, expected);
  }
  return positions;
}
