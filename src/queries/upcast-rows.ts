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
 * The payload of `row` (an event of a table with metadata `meta`) at the current version: through its
 * schema's upcaster when it has one, else as stored (savepoints and `NULL` payloads are never upcast).
 */
export function upcastPayload(
  meta: EventTableMeta,
  row: { readonly action: unknown; readonly schema: unknown; readonly payload: unknown },
): unknown {
  const upcast = meta.upcast;
  if (upcast === undefined || row.payload === null || isSavepoint(row)) return row.payload;
  const fn = upcast.get(row.schema as string | number);
  return fn === undefined ? row.payload : fn(row.payload, payloadVersion(row.payload), row.action);
}

/**
 * Upcasts the payloads of `rows` (events of a table with metadata `meta`) in place, and returns them:
 * every event but savepoints and `NULL` payloads, through its schema's upcaster, when it has one.
 */
export function upcastRows<R extends { action: unknown; schema: unknown; payload: unknown }>(
  meta: EventTableMeta,
  rows: R[],
): R[] {
  if (meta.upcast === undefined || meta.upcast.size === 0) return rows;
  for (const row of rows) row.payload = upcastPayload(meta, row);
  return rows;
}
