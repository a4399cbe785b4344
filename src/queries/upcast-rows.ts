/**
 * Upcasting the rows a read helper returns: each event's payload goes through its schema's upcaster
 * (the table's `upcast` option), so that old payload versions read as the current type.
 *
 * @module
 */
import { BASE_ACTIONS } from "../tables/codes.js";
import type { EventTableMeta } from "../tables/meta.js";

/** The version a payload was written at: its `__version__` when that is an integer (Spector's), else 0. */
export function payloadVersion(payload: unknown): number {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return 0;
  const version = (payload as { __version__?: unknown }).__version__;
  return typeof version === "number" && Number.isSafeInteger(version) ? version : 0;
}

/** Whether a row is a savepoint (Spector's action 4), whose payload is a state, not a schema's payload. */
export function isSavepoint(row: { readonly action: unknown }): boolean {
  return row.action === "savepoint" || row.action === BASE_ACTIONS.savepoint;
}

/**
 * Upcasts the payloads of `rows` (events of a table with metadata `meta`) in place, and returns them:
 * every event but savepoints and `NULL` payloads, through its schema's upcaster, when it has one.
 */
export function upcastRows<R extends { action: unknown; schema: unknown; payload: unknown }>(
  meta: EventTableMeta,
  rows: R[],
): R[] {
  const upcast = meta.upcast;
  if (upcast === undefined || upcast.size === 0) return rows;
  for (const row of rows) {
    if (row.payload === null || isSavepoint(row)) continue;
    const fn = upcast.get(row.schema as string | number);
    if (fn !== undefined) row.payload = fn(row.payload, payloadVersion(row.payload), row.action);
  }
  return rows;
}
