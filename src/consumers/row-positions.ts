/**
 * The positions of the rows of one table's read (`read-statement.ts`): a row looked up by `id` carries
 * its position; a row read by range carries minus the position of the first event read from its
 * positions row, and the rows read from that positions row follow it in `id` order, each at the next
 * position.
 *
 * @module
 */
import { names } from "../naming/index.js";

/**
 * Each row's position, from the read's position column and the rows' event `id`s (`null` for an event
 * left out by `schemas`). A positions row's events read by range come together and in `id` order (one
 * index scan each, in a nested loop); rows that break this are refused, never numbered wrong.
 *
 * @example
 * ```ts
 * const rows = [{ spector_position: "-11" }, { spector_position: "-11" }, { spector_position: "5" }];
 * rowPositions(rows, (i) => ["a", "b", "c"][i]); // [11, 12, 5]
 * ```
 * @throws {Error} when the rows of a positions row read by range are apart or out of `id` order.
 */
export function rowPositions(rows: readonly Record<string, unknown>[], idOf: (row: number) => unknown): number[] {
  const at = new Array<number>(rows.length);
  // the part of a positions row being numbered: its first position, the next one, the last `id` in it
  let part = 0;
  let next = 0;
  let lastId = "";
  for (let i = 0; i < rows.length; i++) {
    const value = Number(rows[i]![names.alias.position]);
    if (value >= 0) {
      at[i] = value;
      continue;
    }
    if (-value !== part) {
      // a new part: after every position numbered so far
      if (-value < next) throw outOfOrder(-value);
      part = next = -value;
      lastId = "";
    }
    const id = idOf(i);
    if (typeof id === "string") {
      if (id <= lastId) throw outOfOrder(part);
      lastId = id;
    }
    at[i] = next++;
  }
  return at;
}

function outOfOrder(position: number): Error {
  return new Error(
    `readAll: the events read by range from the positions row at position ${position} came apart or out of id order ` +
      "(PostgreSQL returned them in an order this read does not expect); nothing was numbered",
  );
}
