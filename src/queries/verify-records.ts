/**
 * Verifying record chains (`hashed: "record"`) in the database: one set-based statement recomputes
 * every event's hash from its digest and its predecessor's stored hash (a window over each record, in
 * `id` order) and compares each record's last event with its head; only the first failure is read
 * back, so the client's memory stays flat. `verifyChain` runs it through Drizzle and `drizzle-spector
 * verify` through the project's driver: both hand a {@link RowQuery} that runs inside one transaction.
 *
 * @module
 */
import { displayName } from "../naming/index.js";
import {
  hashedColumnsOf,
  payloadDigest,
  RECORD_CHAIN_FORMAT,
  recordDigest,
  recordHash,
  type RecordChainFormat,
} from "../sql/record-hash.js";
import type { ChainBroken, ChainVerification } from "../spector/verify.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { RowQuery } from "./rows.js";
import { sqlNames } from "./record-chain-names.js";
import { redactedEvents, redactionRows, redactionsPresent } from "./verify-redactions.js";

export type { RowQuery } from "./rows.js";

/**
 * Settings for the statement, restored right after it: the caller's `search_path` cannot change what
 * it computes (every table is schema-qualified), and a whole table is read the way that measured
 * fastest whatever the statistics say: one parallel sequential read that computes the digests in the
 * workers, sorted in memory, rather than the `parent_id` index's random reads (2.4 s against 3.9 s for
 * 1,000,000 events on PostgreSQL 15, two cores). (Leaving the scan to the workers alone,
 * `parallel_leader_participation = off`, measured no better in the benchmark: 2.25-2.30 s either way.)
 * The parallel costs at 0: the planner otherwise reads a table of a few hundred thousand events in one
 * process (1.8 s against 1.2 s for 200,000 events, measured), now that only the ids, the hash and the
 * event's bytes go to the leader.
 */
const SETTINGS = {
  record: [["search_path", "pg_catalog, pg_temp"]],
  table: [
    ["search_path", "pg_catalog, pg_temp"],
    ["enable_indexscan", "off"],
    ["enable_bitmapscan", "off"],
    ["work_mem", "160MB"],
    ["parallel_setup_cost", "0"],
    ["parallel_tuple_cost", "0"],
  ],
} as const;

/**
 * An events table `e`, with its redactions `d` when `redactions` (`T_redactions` exists and holds a
 * row): its rows' digests (format 2 hashes a redacted event's kept digest in place of its `NULL`
 * payload's; `hashed`), and for the verdict (`digest`) `NULL` for an event whose redaction row keeps
 * another digest than its payload, still there, has (`redactionBad`), which no hash matches.
 */
function hashedRows(meta: EventTableMeta, format: RecordChainFormat, redactions: boolean) {
  const n = sqlNames(meta);
  if (!redactions || format === 1) {
    const digest = recordDigest(hashedColumnsOf("e"), format);
    return { from: `${n.events} AS e`, digest, hashed: digest, redactionBad: undefined };
  }
  const own = payloadDigest(`e.${n.payload}`);
  const redactionBad = `(d.${n.keptDigest} IS NOT NULL AND e.${n.payload} IS NOT NULL AND d.${n.keptDigest} <> ${own})`;
  const digest = recordDigest(
    {
      ...hashedColumnsOf("e"),
      payloadDigest: `CASE WHEN e.${n.payload} IS NULL THEN d.${n.keptDigest} ELSE ${own} END`,
    },
    format,
  );
  return {
    from: `${n.events} AS e LEFT JOIN ${n.redactions} AS d ON d.${n.redactedId} = e.${n.id}`,
    digest: `CASE WHEN ${redactionBad} THEN NULL ELSE ${digest} END`,
    hashed: digest,
    redactionBad,
  };
}

/**
 * The statement that verifies every record (or record `$1`): its events, with their digests computed
 * below the sort (the digest is a sort key, after `id`, which is unique: so the workers of a parallel
 * read compute it, and only the ids, the stored hash and the digest go through the sort and to the
 * leader), then each hash recomputed from the previous row's stored hash (one level above the window,
 * which then sorts no column the digest is made of), then each record's last event joined with its
 * head (a `FULL JOIN`, so that a head whose record has no events shows): only the last and the broken
 * events go on to the join, and the number of events is the sum of the last events' positions (10%
 * faster than joining every row, measured on 1,000,000 events). It returns the number of events, the
 * first broken event as `parent_id id`, and the first record whose head disagrees. `format` is the
 * chain's format ({@link RECORD_CHAIN_FORMAT}; 1 to check a table before it is moved to it);
 * `redactions`: join `T_redactions` (which must exist), for a table that has redacted events.
 */
export function verifyRecordsSql(
  meta: EventTableMeta,
  oneRecord: boolean,
  format: RecordChainFormat = RECORD_CHAIN_FORMAT,
  redactions = false,
): string {
  const n = sqlNames(meta);
  const rows = hashedRows(meta, format, redactions);
  const record = oneRecord ? ` WHERE e.${n.parentId} = $1::uuid` : "";
  const headRecord = oneRecord ? ` WHERE h.${n.headParent} = $1::uuid` : "";
  // `OFFSET 0` keeps `bad` computed once per row, above the window (not again in the filter)
  return `SELECT coalesce(sum(x.position) FILTER (WHERE x.last), 0)::text AS events,
       min((x.parent_id::text || ' ' || x.id::text) COLLATE "C") FILTER (WHERE x.bad) AS bad_event,
       min(coalesce(x.parent_id, h.${n.headParent})::text COLLATE "C") FILTER (
         WHERE x.id IS NULL OR (x.last AND (h.${n.headParent} IS NULL OR h.${n.lastId} <> x.id
               OR h.${n.lastHash} <> x.hash OR h.${n.count} <> x.position))) AS bad_head
  FROM (SELECT * FROM (SELECT r.parent_id, r.id, r.hash, r.last, r.position,
                              r.hash IS NULL OR r.digest IS NULL OR r.hash <> ${recordHash("r.previous", "r.digest")} AS bad
                         FROM (SELECT c.parent_id, c.id, c.hash, c.digest, lag(c.hash) OVER w AS previous,
                                      lead(c.id) OVER w IS NULL AS last, row_number() OVER w AS position
                                 FROM (SELECT e.${n.parentId} AS parent_id, e.${n.id} AS id, e.${n.hash} AS hash, ${rows.digest} AS digest
                                         FROM ${rows.from}${record}) AS c
                               WINDOW w AS (PARTITION BY c.parent_id ORDER BY c.id, c.digest)) AS r
                       OFFSET 0) AS s WHERE s.last OR s.bad) AS x
  FULL JOIN (SELECT * FROM ${n.heads} AS h${headRecord}) AS h
    ON h.${n.headParent} = CASE WHEN x.last THEN x.parent_id END`;
}

/** The statement that describes broken event `$1` of record `$2`: both hashes, and the events before it. */
function brokenEventSql(meta: EventTableMeta, oneRecord: boolean, redactions: boolean): string {
  const n = sqlNames(meta);
  const rows = hashedRows(meta, RECORD_CHAIN_FORMAT, redactions);
  const before = oneRecord
    ? `c.${n.parentId} = e.${n.parentId} AND c.${n.id} < e.${n.id}`
    : `(c.${n.parentId}, c.${n.id}) < (e.${n.parentId}, e.${n.id})`;
  return `SELECT encode(e.${n.hash}, 'hex') AS actual, encode(${recordHash("p.hash", rows.hashed)}, 'hex') AS expected,
       ${rows.redactionBad ?? "false"} AS redaction_bad,
       (SELECT count(*) FROM ${n.events} AS c WHERE ${before})::text AS before
  FROM ${rows.from}
  LEFT JOIN LATERAL (SELECT o.${n.hash} AS hash FROM ${n.events} AS o
                      WHERE o.${n.parentId} = e.${n.parentId} AND o.${n.id} < e.${n.id}
                      ORDER BY o.${n.id} DESC LIMIT 1) AS p ON true
 WHERE e.${n.id} = $1::uuid AND e.${n.parentId} = $2::uuid`;
}

/** The statement that describes record `$1`, whose head disagrees with its events. */
function brokenHeadSql(meta: EventTableMeta, oneRecord: boolean): string {
  const n = sqlNames(meta);
  const before = oneRecord ? `c.${n.parentId} = $1::uuid` : `c.${n.parentId} <= $1::uuid`;
  return `SELECT h.${n.lastId}::text AS head_id, encode(h.${n.lastHash}, 'hex') AS head_hash, h.${n.count}::text AS head_count,
       l.id::text AS last_id, encode(l.hash, 'hex') AS last_hash, r.events::text AS events,
       (SELECT count(*) FROM ${n.events} AS c WHERE ${before})::text AS before
  FROM (SELECT $1::uuid AS parent_id) AS k
  LEFT JOIN ${n.heads} AS h ON h.${n.headParent} = k.parent_id
  CROSS JOIN LATERAL (SELECT count(*) AS events FROM ${n.events} AS e WHERE e.${n.parentId} = k.parent_id) AS r
  LEFT JOIN LATERAL (SELECT e.${n.id} AS id, e.${n.hash} AS hash FROM ${n.events} AS e
                      WHERE e.${n.parentId} = k.parent_id ORDER BY e.${n.id} DESC LIMIT 1) AS l ON true`;
}

/**
 * Verifies the record chains of `meta` (one record with `parentId`) through `query`, which runs inside
 * one transaction (`format` 1: a table not yet moved to this version's format, as the benchmark compares): its statements run with {@link SETTINGS}, restored after them. Returns `{ ok: true,
 * count }` or the first failure: a broken event first (`missing`, `mismatch`), else the first record
 * whose head disagrees (`headless`, `deleted`, `head-mismatch`). With `parentId`, a record that has
 * neither events nor a head is `undefined`: the caller says it is no record.
 *
 * @example
 * ```ts
 * await verifyRecords(async (text, params) => (await client.query(text, params)).rows, meta);
 * ```
 */
export async function verifyRecords(
  query: RowQuery,
  meta: EventTableMeta,
  parentId?: string,
  anchor?: AnchoredHead,
  inTransaction = true,
  format: RecordChainFormat = RECORD_CHAIN_FORMAT,
): Promise<ChainVerification | undefined> {
  // each statement on its own (an HTTP driver): settings would end with it, so none are sent; the
  // verdict is still one statement, one snapshot (every function, operator type named with its schema
  // in the hashed bytes; the rest is plain comparisons)
  if (!inTransaction)
    return listRedacted(query, meta, parentId, await verifyOnce(query, meta, parentId, anchor, format));
  const oneRecord = parentId !== undefined;
  const settings = SETTINGS[oneRecord ? "record" : "table"];
  const [saved] = await query(
    `SELECT ${settings.map(([name], i) => `pg_catalog.current_setting('${name}') AS s${i}, pg_catalog.set_config('${name}', $${i + 1}, true)`).join(", ")}`,
    settings.map(([, value]) => value),
  );
  // a failure aborts the transaction, whose end restores the settings: only success restores them here
  const result = await verifyOnce(query, meta, parentId, anchor, format);
  await query(
    `SELECT ${settings.map(([name], i) => `pg_catalog.set_config('${name}', $${i + 1}, true)`).join(", ")}`,
    settings.map((_, i) => saved![`s${i}`]),
  );
  // after the settings: the redacted events are found by the events' primary key, not by a whole read
  return listRedacted(query, meta, parentId, result);
}

/** A verdict, and whether its table's redacted events are to be listed (it joined `T_redactions` and passed). */
interface Verdict {
  readonly result: ChainVerification | undefined;
  readonly redactions: boolean;
}

/** `verdict`'s result, with the redacted events when it passed with `T_redactions` joined. */
async function listRedacted(
  query: RowQuery,
  meta: EventTableMeta,
  parentId: string | undefined,
  verdict: Verdict,
): Promise<ChainVerification | undefined> {
  const { result } = verdict;
  if (result?.ok !== true || !verdict.redactions) return result;
  const redacted = await redactedEvents(query, meta, parentId);
  return redacted.length === 0 ? result : { ...result, redacted };
}

/** The verdict statement, then (on a failure only) the statements that describe it, then the anchor. */
async function verifyOnce(
  query: RowQuery,
  meta: EventTableMeta,
  parentId: string | undefined,
  anchor: AnchoredHead | undefined,
  format: RecordChainFormat,
): Promise<Verdict> {
  const verdict = await findFailure(query, meta, parentId, format);
  const { result } = verdict;
  if (result?.ok !== true || anchor === undefined) return verdict;
  return {
    result: (await checkAnchor(query, meta, parentId!, anchor, result.count)) ?? result,
    redactions: verdict.redactions,
  };
}

async function findFailure(
  query: RowQuery,
  meta: EventTableMeta,
  parentId: string | undefined,
  format: RecordChainFormat,
): Promise<Verdict> {
  const oneRecord = parentId !== undefined;
  const n = sqlNames(meta);
  const params = oneRecord ? [parentId] : [];
  // format 2 verifies a redacted event by the digest T_redactions keeps: the join is made only when that
  // table holds a row, decided once per verification (an event redacted after this look is NULL without
  // its digest in the verdict, a failure: the verdict is then made again with the join)
  const present = format === 2 && (await redactionsPresent(query, n.redactions));
  let redactions = present && (await redactionRows(query, n.redactions));
  let [row] = (await query(verifyRecordsSql(meta, oneRecord, format, redactions), params)) as [Record<string, unknown>];
  if (present && !redactions && typeof row.bad_event === "string") {
    redactions = true;
    [row] = (await query(verifyRecordsSql(meta, oneRecord, format, true), params)) as [Record<string, unknown>];
  }
  const table = displayName(meta);
  const count = Number(row.events);
  if (typeof row.bad_event === "string") {
    const [brokenParent, eventId] = row.bad_event.split(" ") as [string, string];
    const [detail] = await query(brokenEventSql(meta, oneRecord, redactions), [eventId, brokenParent]);
    const actual = (detail!.actual as string | null) ?? null;
    const expected = (detail!.expected as string | null) ?? null;
    const broken: ChainBroken = {
      ok: false,
      count: Number(detail!.before),
      table,
      eventId,
      parentId: brokenParent,
      reason:
        actual === null
          ? "missing"
          : actual === expected && detail!.redaction_bad === true
            ? "redaction-mismatch"
            : "mismatch",
      expected,
      actual,
    };
    return { result: broken, redactions };
  }
  if (typeof row.bad_head === "string") {
    return { result: await brokenHead(query, meta, oneRecord, table, row.bad_head), redactions };
  }
  return { result: oneRecord && count === 0 ? undefined : { ok: true, count }, redactions };
}

/** A head read by `chainHead` and kept outside the database. */
export interface AnchoredHead {
  readonly lastId: string;
  readonly lastHash: string;
  readonly eventCount: number;
}

/**
 * Whether record `parentId` still holds anchored head `anchor`: its event `lastId` is there with that
 * hash, and is the record's `eventCount`-th. A record that grew since still holds it; one rewritten,
 * or cut back before it, does not (`anchor-mismatch`).
 */
async function checkAnchor(
  query: RowQuery,
  meta: EventTableMeta,
  parentId: string,
  anchor: AnchoredHead,
  count: number,
): Promise<ChainBroken | undefined> {
  const n = sqlNames(meta);
  const [row] = await query(
    `SELECT encode(e.${n.hash}, 'hex') AS hash,
            (SELECT count(*) FROM ${n.events} AS c WHERE c.${n.parentId} = e.${n.parentId} AND c.${n.id} <= e.${n.id})::text AS position
       FROM ${n.events} AS e WHERE e.${n.id} = $1::uuid AND e.${n.parentId} = $2::uuid`,
    [anchor.lastId.toLowerCase(), parentId],
  );
  const hash = (row?.hash as string | null | undefined) ?? null;
  if (row !== undefined && hash === anchor.lastHash && Number(row.position) === anchor.eventCount) return undefined;
  return {
    ok: false,
    count,
    table: displayName(meta),
    eventId: anchor.lastId.toLowerCase(),
    parentId,
    reason: "anchor-mismatch",
    expected: anchor.lastHash,
    actual: hash,
    head: { lastId: anchor.lastId.toLowerCase(), eventCount: anchor.eventCount },
    ...(row === undefined ? {} : { record: { lastId: anchor.lastId.toLowerCase(), eventCount: Number(row.position) } }),
  };
}

async function brokenHead(
  query: RowQuery,
  meta: EventTableMeta,
  oneRecord: boolean,
  table: string,
  parentId: string,
): Promise<ChainBroken | undefined> {
  const [detail] = (await query(brokenHeadSql(meta, oneRecord), [parentId])) as [Record<string, unknown>];
  const text = (key: string) => (detail[key] as string | null) ?? null;
  const base = { ok: false as const, count: Number(detail.before), table, parentId };
  if (text("head_id") === null) {
    if (oneRecord && Number(detail.events) === 0) return undefined;
    return { ...base, eventId: text("last_id")!, reason: "headless", expected: null, actual: text("last_hash") };
  }
  if (Number(detail.events) === 0) {
    return { ...base, eventId: text("head_id")!, reason: "deleted", expected: text("head_hash"), actual: null };
  }
  return {
    ...base,
    eventId: text("head_id")!,
    reason: "head-mismatch",
    expected: text("head_hash"),
    actual: text("last_hash"),
    head: { lastId: text("head_id")!, eventCount: Number(detail.head_count) },
    record: { lastId: text("last_id")!, eventCount: Number(detail.events) },
  };
}
