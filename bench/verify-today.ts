/**
 * Today's record-chain verification, as it shipped before issue 20 (commit f47fbf2, the parent of the
 * issue's first commit): its statement and its settings, frozen here so that `npm run bench` can run it
 * side by side with this version's `verifyChain` on the same rows chained in format 1 (the format it
 * verified). Only what a verification that passes runs: the settings, the statement, the settings
 * restored (the failure paths are not timed).
 *
 * @module
 */
import { sqlNames } from "../src/queries/record-chain-names.js";
import type { RowQuery } from "../src/queries/rows.js";
import { hashedColumnsOf, recordDigest, recordHash } from "../src/sql/record-hash.js";
import type { EventTableMeta } from "../src/tables/meta.js";

/** f47fbf2's settings for a whole table. */
const SETTINGS = [
  ["search_path", "pg_catalog, pg_temp"],
  ["enable_indexscan", "off"],
  ["enable_bitmapscan", "off"],
  ["work_mem", "160MB"],
] as const;

/** f47fbf2's `verifyRecordsSql(meta, false)`, with format 1's digest (the only one it had). */
export function todaysVerifySql(meta: EventTableMeta): string {
  const n = sqlNames(meta);
  const digest = recordDigest(hashedColumnsOf("e"), 1);
  return `SELECT coalesce(sum(x.position) FILTER (WHERE x.last), 0)::text AS events,
       min((x.parent_id::text || ' ' || x.id::text) COLLATE "C") FILTER (WHERE x.bad) AS bad_event,
       min(coalesce(x.parent_id, h.${n.headParent})::text COLLATE "C") FILTER (
         WHERE x.id IS NULL OR (x.last AND (h.${n.headParent} IS NULL OR h.${n.lastId} <> x.id
               OR h.${n.lastHash} <> x.hash OR h.${n.count} <> x.position))) AS bad_head
  FROM (SELECT * FROM (SELECT c.parent_id, c.id, c.hash,
               c.hash IS NULL OR c.hash <> ${recordHash("lag(c.hash) OVER w", "c.digest")} AS bad,
               lead(c.id) OVER w IS NULL AS last,
               row_number() OVER w AS position
          FROM (SELECT e.${n.parentId} AS parent_id, e.${n.id} AS id, e.${n.hash} AS hash, ${digest} AS digest
                  FROM ${n.events} AS e) AS c
        WINDOW w AS (PARTITION BY c.parent_id ORDER BY c.id, c.digest)) AS r WHERE r.last OR r.bad) AS x
  FULL JOIN (SELECT * FROM ${n.heads} AS h) AS h
    ON h.${n.headParent} = CASE WHEN x.last THEN x.parent_id END`;
}

/**
 * Verifies the whole format-1 table `meta` as f47fbf2 did, through `query` (inside one transaction),
 * and returns how many events it verified, or throws when the table does not verify.
 *
 * @example
 * ```ts
 * await db.transaction((tx) => verifyToday(rowQuery(tx), eventTableMeta("bulkold", bulkold)));
 * ```
 */
export async function verifyToday(query: RowQuery, meta: EventTableMeta): Promise<number> {
  const [saved] = await query(
    `SELECT ${SETTINGS.map(([name], i) => `pg_catalog.current_setting('${name}') AS s${i}, pg_catalog.set_config('${name}', $${i + 1}, true)`).join(", ")}`,
    SETTINGS.map(([, value]) => value),
  );
  const [verdict] = await query(todaysVerifySql(meta), []);
  await query(
    `SELECT ${SETTINGS.map(([name], i) => `pg_catalog.set_config('${name}', $${i + 1}, true)`).join(", ")}`,
    SETTINGS.map((_, i) => saved![`s${i}`]),
  );
  if (verdict?.bad_event !== null || verdict.bad_head !== null)
    throw new Error(`today's verification finds the format-1 table broken: ${JSON.stringify(verdict)}`);
  return Number(verdict.events);
}
