/**
 * The redactions a record chain's verification reads: whether a table has any, and which events they
 * erased.
 *
 * @module
 */
import type { RedactedEvent } from "../spector/verify.js";
import type { EventTableMeta } from "../tables/meta.js";
import { sqlNames } from "./record-chain-names.js";
import type { RowQuery } from "./rows.js";

/** Whether redactions table `table` (quoted) exists. */
export async function redactionsPresent(query: RowQuery, table: string): Promise<boolean> {
  const [row] = await query(`SELECT pg_catalog.to_regclass($1) IS NOT NULL AS present`, [table]);
  return row!.present === true;
}

/** Whether redactions table `table` (quoted), which exists, holds a row. */
export async function redactionRows(query: RowQuery, table: string): Promise<boolean> {
  const [row] = await query(`SELECT EXISTS (SELECT FROM ${table}) AS rows`, []);
  return row!.rows === true;
}

/** The events of the table (or of record `parentId`) whose payloads `redact` erased, by record then id. */
export async function redactedEvents(
  query: RowQuery,
  meta: EventTableMeta,
  parentId: string | undefined,
): Promise<RedactedEvent[]> {
  const n = sqlNames(meta);
  // a whole table: each redaction's event looked up by its primary key (OFFSET 0 keeps the lookup a
  // lookup: joined, the NULL test on the events' side would read their whole index); a record: its events
  const events =
    parentId === undefined
      ? `${n.redactions} AS d CROSS JOIN LATERAL (SELECT e.${n.id}, e.${n.parentId} FROM ${n.events} AS e
           WHERE e.${n.id} = d.${n.redactedId} AND e.${n.payload} IS NULL OFFSET 0) AS e`
      : `${n.redactions} AS d JOIN ${n.events} AS e ON e.${n.id} = d.${n.redactedId}
         WHERE e.${n.payload} IS NULL AND e.${n.parentId} = $1::uuid`;
  const rows = await query(
    `SELECT e.${n.id}::text AS event_id, e.${n.parentId}::text AS parent_id, d.${n.redactedAt}::text AS redacted_at,
            d.${n.reason} AS reason
       FROM ${events}
      ORDER BY e.${n.parentId}, e.${n.id}`,
    parentId === undefined ? [] : [parentId],
  );
  return rows.map((row) => ({
    eventId: row.event_id as string,
    parentId: row.parent_id as string,
    redactedAt: row.redacted_at as string,
    reason: row.reason as string,
  }));
}
