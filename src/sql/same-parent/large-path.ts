/**
 * The same-parent rule's large-statement path: `check_link_same_parent_L_large(...)`, the function the
 * INSERT and UPDATE trigger functions hand a statement of at least {@link LARGE_STATEMENT_ROWS} links
 * to, and the violating link their small path found, for the error. It is a function of its own so
 * that PL/pgSQL compiles its statements only in a session that runs it: a session's first small
 * statement compiles the trigger function's small path alone (`BENCH_ONLY=first-statement` and
 * `BENCH_ONLY=first-statement-instructions npm run bench`).
 *
 * @module
 */
import { COLUMNS, names } from "../../naming/index.js";
import type { LinkTableMeta } from "../../tables/meta.js";
import { catalogName as pg, catalogOperator as op, quoteIdent, quoteLiteral, quoteQualified } from "../quote.js";
import type { RuleFunction } from "../rule-objects.js";
import {
  EQ,
  FLOAT8,
  INT8,
  LARGE_STATEMENT_ROWS,
  SAME_PARENT_FUNCTION_CONFIG,
  TEXT,
  UUID,
  VIOLATION_VARIABLES,
  lookups,
  raiseViolation,
} from "./shared.js";

/**
 * A large statement is checked with merge joins when it has at least one row per this many primary key
 * entries from its smallest referenced id on; with fewer rows, per-row primary-key lookups are cheaper
 * than reading that part of the index (measured on PostgreSQL 15: a lookup costs about as much as
 * reading 8 index entries in order, sorts included). It also bounds the merge joins: each reads at most
 * this many entries per row, whatever the statistics say.
 */
export const MERGE_ENTRIES_PER_ROW = 8;

/** Memory for the two sorts of the merge path, so that they stay in memory. */
const MERGE_WORK_MEM = "64MB";

/**
 * A large statement is checked with hash joins over a sequential read of the events table when the
 * table has at most one page per this many rows of the statement: reading such a table once costs less
 * than the statement's primary-key lookups, and less than merge joins over most of its index, whatever
 * order its ids are in (measured on PostgreSQL 15 with 300k events: hash joins 2.5x faster than merge
 * joins over the whole index with UUIDv4 ids, 2.4x with time-ordered ones). The page count is exact
 * (`pg_relation_size`), so this choice never depends on statistics, and the read it bounds is at most
 * one page per 16 rows.
 */
export const ROWS_PER_TABLE_PAGE = 16;

/**
 * Where a table small enough for the hash joins is ordered by `id` (`pg_stats.correlation` of `id` at
 * least this: time-ordered ids, written in time order), the merge joins are tried first: reading the
 * index in order, and the table through it in the same order, costs less than reading and probing
 * every row of the table (measured on PostgreSQL 15 with 300,000 events, 90,000 links: 65-95 ms against
 * about 200 ms into the newest 100,000 events, 125-145 ms against 170-195 ms spread over the whole
 * table). With UUIDv4 ids (correlation near 0) the index order is random and the hash joins stay
 * ahead. The statistic only chooses between paths of bounded cost, so a stale one cannot make either
 * read more than it does.
 */
export const ORDERED_CORRELATION = 0.9;

/**
 * The arguments of `check_link_same_parent_L_large(...)`, as `pg_get_function_identity_arguments`
 * renders them: the statement's links, as two arrays of the same length (each link's `event_id`, and
 * its other event), which the trigger function aggregates from its transition table (a function it
 * calls cannot read that table).
 */
export const LARGE_PATH_ARGUMENTS = "p_event_ids uuid[], p_other_ids uuid[]";

/** The types of {@link LARGE_PATH_ARGUMENTS}, schema-qualified, as `DROP FUNCTION` names them. */
export const LARGE_PATH_ARGUMENT_TYPES = `${UUID}[], ${UUID}[]`;

/** Planner settings for one query of a large statement, restored right after it. */
type Settings = readonly (readonly [name: string, value: string])[];

const WORK_MEM: Settings[number] = [
  "work_mem",
  `CASE WHEN ${pg("pg_size_bytes")}(${pg("current_setting")}('work_mem')) ${op("<")} ${pg("pg_size_bytes")}('${MERGE_WORK_MEM}') THEN '${MERGE_WORK_MEM}' ELSE ${pg("current_setting")}('work_mem') END`,
];

/** The planner knows nothing of the links' values: each path says which plan it wants. */
const MERGE_SETTINGS: Settings = [
  ["enable_nestloop", "'off'"],
  ["enable_hashjoin", "'off'"],
  ["enable_seqscan", "'off'"],
  ["enable_bitmapscan", "'off'"],
  WORK_MEM,
];
const HASH_SETTINGS: Settings = [["enable_nestloop", "'off'"], ["enable_mergejoin", "'off'"], WORK_MEM];

/**
 * PL/pgSQL that runs `query` (through EXECUTE, so that it is planned with the settings, with `using`
 * as its parameters) into `v_event_id, v_other_id` with `settings` changed for it alone. The settings
 * are transaction-local (`set_config(..., true)`), so an error cannot leave them changed either. Saving,
 * changing and restoring them are one statement each (static, so that their plans are cached): fewer
 * statements for PL/pgSQL to compile and plan than one per setting.
 */
function withSettings(settings: Settings, query: string, using: string[], indent: string): string {
  const save = `ARRAY[${settings.map(([name]) => `${pg("current_setting")}('${name}')`).join(", ")}]`;
  const change = settings.map(([name, value]) => `${pg("set_config")}('${name}', ${value}, true)`).join(", ");
  const restore = settings.map(([name], i) => `${pg("set_config")}('${name}', v_saved[${i + 1}], true)`).join(", ");
  return [
    `v_saved := ${save};`,
    `PERFORM ${change};`,
    `EXECUTE ${quoteLiteral(query)} INTO v_event_id, v_other_id USING ${using.join(", ")};`,
    `PERFORM ${restore};`,
  ].join(`\n${indent}`);
}

/** The links of two arrays (`event_ids`, `other_ids`: SQL expressions) as a FROM item `l` with the link table's columns. */
function linksFrom(link: LinkTableMeta, eventIds: string, otherIds: string): string {
  const [eventId, other] = [quoteIdent(COLUMNS.eventId), quoteIdent(link.foreignKey)];
  // ROWS FROM with two schema-qualified unnest calls: the parser's own unnest(a, b) form would look
  // unnest up by the caller's search_path
  return `ROWS FROM (${pg("unnest")}(${eventIds}), ${pg("unnest")}(${otherIds})) AS l(${eventId}, ${other})`;
}

/**
 * The body of the large path: a set-based check of the statement's links, never one query per row,
 * whose cost is bounded whatever the statistics say.
 *
 * - Fewer than {@link LARGE_STATEMENT_ROWS} links (the trigger functions hand it only the violating
 *   link of a small statement) are checked by per-link primary-key lookups, as the small path does.
 * - A table of at most one page per {@link ROWS_PER_TABLE_PAGE} links (`pg_relation_size`, exact) is
 *   small enough for two hash joins over one read of it; one whose ids are in random order
 *   ({@link ORDERED_CORRELATION}) is checked so.
 * - Otherwise (a larger table, or one ordered by `id`) it finds its smallest referenced id in one
 *   pass over the links (a top-1 sort: every pass over the arrays copies them into a tuplestore, so
 *   one pass is cheaper than a look at the first 64 links and a filtered pass). If the planner expects at most 8n primary key entries from there on (a
 *   bulk import: UUIDv7 ids make new links point at the recent tail of the index), two merge joins
 *   check every link, each reading at most 8n entries of the index from that id on: a wrong estimate
 *   (stale statistics) costs at most that much reading, never a scan of the table.
 * - A link the merge joins cannot confirm (a violation, or an end beyond the 8n entries read) is
 *   checked by per-link primary-key lookups. So is a statement the planner expects to be sparse (a few
 *   hundred links into an old record of a long history), unless the table is small enough for the hash
 *   joins, which then check it.
 * - Only when a violation is found are both parents read again, for the message.
 * - A DEBUG message names the path it took (`SET client_min_messages = debug`).
 */
function largePathBody(link: LinkTableMeta): string {
  const q = quoteIdent;
  const events = quoteQualified(link.pgSchema, link.events);
  const [id, parentId, eventId, other] = [q(COLUMNS.id), q(COLUMNS.parentId), q(COLUMNS.eventId), q(link.foreignKey)];
  const links = linksFrom(link, "p_event_ids", "p_other_ids");
  const joins = (source: string, from: string) => `SELECT l.${eventId}, l.${other}
      FROM ${from}
      LEFT JOIN ${source} AS e ON e.${id} ${EQ} l.${eventId}
      LEFT JOIN ${source} AS o ON o.${id} ${EQ} l.${other}
     WHERE NOT coalesce(e.${parentId} ${EQ} o.${parentId}, false)
     LIMIT 1`;
  const merge = joins(
    `(SELECT ${id}, ${parentId} FROM ${events} WHERE ${id} ${op(">=")} $1 ORDER BY ${id} LIMIT $2)`,
    linksFrom(link, "$3", "$4"),
  );
  const hash = joins(events, linksFrom(link, "$1", "$2"));
  const range = `EXPLAIN (FORMAT JSON) SELECT FROM ${events} WHERE ${id} ${op(">=")} $1`;
  const small = `((${pg("pg_relation_size")}(${quoteLiteral(events)}) ${op("/")} ${pg("current_setting")}('block_size')::${INT8}) ${op("*")} ${ROWS_PER_TABLE_PAGE}) ${op("<=")} v_rows`;
  const ordered = `SELECT coalesce((SELECT s.correlation FROM ${pg("pg_stats")} AS s
   WHERE s.schemaname ${EQ} ${quoteLiteral(link.pgSchema ?? "public")} AND s.tablename ${EQ} ${quoteLiteral(link.events)} AND s.attname ${EQ} ${quoteLiteral(COLUMNS.id)}), 0) ${op(">=")} ${ORDERED_CORRELATION}::${pg("float4")}`;
  // the smallest id: one pass over the links (a top-1 sort), as each pass materializes the arrays
  const smallest = `SELECT least(l.${eventId}, l.${other}) FROM ${links} ORDER BY 1 LIMIT 1`;
  const entries = `v_rows ${op("*")} ${MERGE_ENTRIES_PER_ROW}`;
  const fewEntries = `(v_plan ${op("->")} 0 ${op("->")} 'Plan' ${op("->>")} 'Plan Rows')::${FLOAT8} ${op("<=")} (${entries})`;
  return `DECLARE
${VIOLATION_VARIABLES}
  v_rows ${INT8} := ${pg("cardinality")}(p_event_ids);
  v_small ${pg("bool")};
  v_merge ${pg("bool")} := false;
  v_min_id ${UUID};
  v_plan ${pg("json")};
  v_saved ${TEXT}[];
  v_path ${TEXT} := 'primary-key lookups';
BEGIN
  IF v_rows ${op("<")} ${LARGE_STATEMENT_ROWS} THEN
    ${lookups(link, events, links, "    ")}
  ELSE
    v_small := ${small};
    IF v_small THEN
      ${ordered} INTO v_merge;
    END IF;
    IF NOT v_small OR v_merge THEN
      ${smallest} INTO v_min_id;
      EXECUTE ${quoteLiteral(range)} INTO v_plan USING v_min_id;
      v_merge := ${fewEntries};
    END IF;
    IF v_merge THEN
      ${withSettings(MERGE_SETTINGS, merge, ["v_min_id", entries, "p_event_ids", "p_other_ids"], "      ")}
      v_path := 'merge joins';
      IF v_event_id IS NOT NULL THEN
        v_path := 'merge joins, then primary-key lookups';
        ${lookups(link, events, links, "        ")}
      END IF;
    ELSIF v_small THEN
      ${withSettings(HASH_SETTINGS, hash, ["p_event_ids", "p_other_ids"], "      ")}
      v_path := 'hash joins';
    ELSE
      ${lookups(link, events, links, "      ")}
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', ${quoteLiteral(link.name)}, v_rows, v_path;
  END IF;
  ${raiseViolation(link, events)}
END`;
}

/**
 * `check_link_same_parent_L_large(p_event_ids uuid[], p_other_ids uuid[]) RETURNS void`: checks the
 * links it is given ({@link largePathBody}) and raises the rule's violation (SQLSTATE 23514, or 42501
 * when row-level security hides events from it) for the first that crosses records. `SECURITY
 * DEFINER`, its `EXECUTE` revoked from `PUBLIC`, named by its schema throughout, as the trigger
 * functions that call it are ({@link SAME_PARENT_FUNCTION_CONFIG}).
 */
export function largePathFunction(link: LinkTableMeta): RuleFunction {
  return {
    schema: link.pgSchema,
    name: names.sameParent.largeFunction(link.name),
    source: `\n${largePathBody(link)}\n`,
    securityDefiner: true,
    config: SAME_PARENT_FUNCTION_CONFIG,
    arguments: LARGE_PATH_ARGUMENTS,
    returns: { setOf: false, schema: "pg_catalog", type: "void" },
  };
}

/**
 * The PL/pgSQL statement by which a trigger function whose transition table is `rows` hands a large
 * statement's links to {@link largePathFunction}, as two arrays (a function it calls cannot read the
 * transition table).
 */
export function callLargePath(link: LinkTableMeta, rows: string): string {
  const [eventId, other] = [quoteIdent(COLUMNS.eventId), quoteIdent(link.foreignKey)];
  const fn = quoteQualified(link.pgSchema, names.sameParent.largeFunction(link.name));
  return `PERFORM ${fn}(${pg("array_agg")}(l.${eventId}), ${pg("array_agg")}(l.${other})) FROM ${rows} AS l;`;
}

/**
 * The PL/pgSQL statement by which a trigger function reports the violating link its small path found
 * (`v_event_id`, `v_other_id`): it hands that link alone to {@link largePathFunction}, whose per-link
 * lookups find it again and raise the violation. So the trigger function holds none of the violation's
 * text, which PL/pgSQL would otherwise compile on every session's first link statement.
 */
export function reportViolation(link: LinkTableMeta): string {
  const fn = quoteQualified(link.pgSchema, names.sameParent.largeFunction(link.name));
  return `PERFORM ${fn}(ARRAY[v_event_id], ARRAY[v_other_id]);`;
}
