/**
 * The record lock of tables with record heads, as a statement of its own: `lock_record_T(parent_id)`
 * (`FOR UPDATE` on the head), for callers that must hold it before they write (the Citus layout's
 * append at a version, materialized tables).
 *
 * @module
 */
import type { RecordVersion } from "../errors.js";
import { HEAD_COLUMNS, names } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";
import { rowQuery } from "./rows.js";
import type { EventsTable } from "./target.js";
import type { SpectorDatabase } from "./types.js";

/** Record `parentId`'s head, locked (`lock_record_T`, `FOR UPDATE`), or `undefined` when it has none. */
export async function lockHead(
  tx: SpectorDatabase,
  events: EventsTable,
  parentId: string,
): Promise<RecordVersion | undefined> {
  const lock = quoteQualified(events.meta.pgSchema, names.recordChain.lockRecord(events.meta.name));
  const [count, last] = [quoteIdent(HEAD_COLUMNS.eventCount), quoteIdent(HEAD_COLUMNS.lastId)];
  const [row] = await rowQuery(tx)(
    `SELECT h.${count}::pg_catalog.text AS n, h.${last}::pg_catalog.text AS last FROM ${lock}($1::pg_catalog.text::pg_catalog.uuid) AS h`,
    [parentId],
  );
  return row === undefined ? undefined : { lastId: String(row.last), count: Number(row.n) };
}
