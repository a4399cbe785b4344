/**
 * The same-parent rule's large-statement path: `check_link_same_parent_L_large(...)`, the function that
 * decides how the INSERT and UPDATE trigger functions check a statement of at least
 * {@link LARGE_STATEMENT_ROWS} links, and hands them the queries to run over their transition table
 * (which it cannot read), and that raises the violation of a link they found. Its decisions and the
 * text of its queries are in a function of their own so that PL/pgSQL compiles them only in a session
 * that runs them: a session's first small statement compiles the trigger function's small path and a
 * few short statements (`BENCH_ONLY=first-statement` and `BENCH_ONLY=first-statement-instructions npm
 * run bench`).
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
  lookupsQuery,
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
 * renders them: a large statement's number of links, the smallest id they reference (once the trigger
 * function has read it), the link its last query found (if any), and the state the function returned
 * before that query; or, with `p_rows` NULL, a violating link (to raise the violation).
 */
export const LARGE_PATH_ARGUMENTS = "p_rows bigint, p_min_id uuid, p_event_id uuid, p_other_id uuid, p_state text[]";

/** The types of {@link LARGE_PATH_ARGUMENTS}, schema-qualified, as `DROP FUNCTION` names them. */
export const LARGE_PATH_ARGUMENT_TYPES = `${INT8}, ${UUID}, ${UUID}, ${UUID}, ${TEXT}[]`;

/**
 * The argument types of the large path's function before it left the links' reading to the trigger
 * functions (`(p_event_ids uuid[], p_other_ids uuid[])`): the rule's statements drop that function, so
 * that a database migrated from it keeps no function that nothing calls.
 */
export const RETIRED_LARGE_PATH_ARGUMENT_TYPES = `${UUID}[], ${UUID}[]`;

/** Planner settings for one query of a large statement, restored right after it. */
type Settings = readonly (readonly [name: string, value: string])[];

const WORK_MEM: Settings[number] = [
  "work_mem",
  `CASE WHEN ${pg("pg_size_bytes")}(${pg("current_setting")}('work_mem')) ${op("<")} ${pg("pg_size_bytes")}('${MERGE_WORK_MEM}') THEN '${MERGE_WORK_MEM}' ELSE ${pg("current_setting")}('work_mem') END`,
];

/** The planner knows nothing of a transition table's values: each path says which plan it wants. */
const MERGE_SETTINGS: Settings = [
  ["enable_nestloop", "'off'"],
  ["enable_hashjoin", "'off'"],
  ["enable_seqscan", "'off'"],
  ["enable_bitmapscan", "'off'"],
  WORK_MEM,
];
const HASH_SETTINGS: Settings = [["enable_nestloop", "'off'"], ["enable_mergejoin", "'off'"], WORK_MEM];

/** Every setting either path changes: saved before, and restored after, the path's query. */
const CHANGED_SETTINGS = [...new Set([...MERGE_SETTINGS, ...HASH_SETTINGS].map(([name]) => name))];

/** The steps of a large statement's check, as the function's state names them and its DEBUG message says. */
const STEP = {
  smallest: "smallest id",
  merge: "merge joins",
  hash: "hash joins",
  lookups: "primary-key lookups",
  mergeThenLookups: "merge joins, then primary-key lookups",
} as const;

/**
 * The queries of a large statement, which the trigger function runs over its transition table `rows`
 * (a function it calls cannot read that table), as PL/pgSQL expressions of the large path's function
 * (`p_rows`, `p_min_id`: the number of links and the smallest id they reference, written into the text
 * as constants). Two hand their result to the function and return its next state: the count, and the
 * smallest id (the smallest among the first 64 links, then one filtered pass for anything smaller,
 * cheaper than sorting every link). Three return a violating link, if any: the merge joins (from the
 * smallest id on, at most 8 entries per link), the hash joins, and the per-link primary-key lookups.
 */
export function largeQueries(link: LinkTableMeta, rows: string) {
  const q = quoteIdent;
  const events = quoteQualified(link.pgSchema, link.events);
  const fn = quoteQualified(link.pgSchema, names.sameParent.largeFunction(link.name));
  const [id, parentId, eventId, other] = [q(COLUMNS.id), q(COLUMNS.parentId), q(COLUMNS.eventId), q(link.foreignKey)];
  const select = `SELECT l.${eventId}, l.${other}\n  FROM ${rows} AS l`;
  const join = (source: string, alias: string, column: string) =>
    `\n  LEFT JOIN ${source} AS ${alias} ON ${alias}.${id} ${EQ} l.${column}`;
  const where = `\n WHERE NOT coalesce(e.${parentId} ${EQ} o.${parentId}, false)\n LIMIT 1`;
  // the merge joins read the index from the smallest id on, at most 8 entries per link: PL/pgSQL
  // pieces of text and values, which pg_catalog.concat joins
  const range = [
    quoteLiteral(`(SELECT ${id}, ${parentId} FROM ${events} WHERE ${id} ${op(">=")} `),
    `${pg("quote_literal")}(p_min_id)`,
    quoteLiteral(`::${UUID} ORDER BY ${id} LIMIT `),
    `p_rows ${op("*")} ${MERGE_ENTRIES_PER_ROW}`,
    quoteLiteral(")"),
  ];
  const merge = [
    quoteLiteral(`${select}\n  LEFT JOIN `),
    ...range,
    quoteLiteral(` AS e ON e.${id} ${EQ} l.${eventId}\n  LEFT JOIN `),
    ...range,
    quoteLiteral(` AS o ON o.${id} ${EQ} l.${other}${where}`),
  ];
  return {
    count: `SELECT ${fn}(${pg("count")}(*), NULL, NULL, NULL, NULL) FROM ${rows}`,
    smallest: `${pg("concat")}(${quoteLiteral(`SELECT ${fn}(`)}, p_rows, ${quoteLiteral(`, coalesce((SELECT least(l.${eventId}, l.${other}) FROM ${rows} AS l
   WHERE l.${eventId} ${op("<")} f.id OR l.${other} ${op("<")} f.id ORDER BY 1 LIMIT 1), f.id), NULL, NULL, NULL)
  FROM (SELECT least(l.${eventId}, l.${other}) AS id FROM (SELECT * FROM ${rows} LIMIT ${LARGE_STATEMENT_ROWS}) AS l ORDER BY 1 LIMIT 1) AS f`)})`,
    merge: `${pg("concat")}(${merge.join(", ")})`,
    hash: quoteLiteral(`${select}${join(events, "e", eventId)}${join(events, "o", other)}${where}`),
    lookups: quoteLiteral(lookupsQuery(link, events, `${rows} AS l`, "")),
  };
}

/**
 * The body of the large path's function: the decisions of a large statement's check, which read
 * nothing of its links but their number and the smallest id they reference. It returns its state as
 * `text[]`: the step, the query the trigger function runs next over its transition table (NULL when
 * done), and the planner settings as they were before it changed them. So the trigger function holds
 * none of the large path's SQL, which PL/pgSQL would compile on every session's first link statement.
 *
 * - A table of at most one page per {@link ROWS_PER_TABLE_PAGE} links (`pg_relation_size`, exact) is
 *   small enough for two hash joins over one read of it; one whose ids are in random order
 *   ({@link ORDERED_CORRELATION}) is checked so.
 * - Otherwise (a larger table, or one ordered by `id`) it asks for the smallest referenced id. If the
 *   planner expects at most 8n primary key entries from there on (a bulk import: UUIDv7 ids make new
 *   links point at the recent tail of the index), two merge joins check every link, each reading at
 *   most 8n entries of the index from that id on: a wrong estimate (stale statistics) costs at most
 *   that much reading, never a scan of the table.
 * - A link the merge joins cannot confirm (a violation, or an end beyond the 8n entries read) is
 *   checked by per-link primary-key lookups. So is a statement the planner expects to be sparse (a few
 *   hundred links into an old record of a long history), unless the table is small enough for the hash
 *   joins, which then check it.
 * - The joins run with the planner's settings it changes for them (transaction-local, so that an error
 *   cannot leave them changed), and its next call, with the state, restores them.
 * - A DEBUG message names the path the statement took (`SET client_min_messages = debug`).
 * - With `p_rows` NULL it raises the violation of link (`p_event_id`, `p_other_id`), which the trigger
 *   function found.
 */
function largePathBody(link: LinkTableMeta): string {
  const events = quoteQualified(link.pgSchema, link.events);
  const queries = largeQueries(link, quoteIdent(names.sameParent.transitionTable));
  const range = `EXPLAIN (FORMAT JSON) SELECT FROM ${events} WHERE ${quoteIdent(COLUMNS.id)} ${op(">=")} $1`;
  const small = `((${pg("pg_relation_size")}(${quoteLiteral(events)}) ${op("/")} ${pg("current_setting")}('block_size')::${INT8}) ${op("*")} ${ROWS_PER_TABLE_PAGE}) ${op("<=")} p_rows`;
  const ordered = `SELECT coalesce((SELECT s.correlation FROM ${pg("pg_stats")} AS s
   WHERE s.schemaname ${EQ} ${quoteLiteral(link.pgSchema ?? "public")} AND s.tablename ${EQ} ${quoteLiteral(link.events)} AND s.attname ${EQ} ${quoteLiteral(COLUMNS.id)}), 0) ${op(">=")} ${ORDERED_CORRELATION}::${pg("float4")}`;
  const fewEntries = `(v_plan ${op("->")} 0 ${op("->")} 'Plan' ${op("->>")} 'Plan Rows')::${FLOAT8} ${op("<=")} (p_rows ${op("*")} ${MERGE_ENTRIES_PER_ROW})`;
  const change = (settings: Settings) =>
    `PERFORM ${settings.map(([name, value]) => `${pg("set_config")}('${name}', ${value}, true)`).join(", ")};`;
  const save = CHANGED_SETTINGS.map((name) => `${pg("current_setting")}('${name}')`).join(", ");
  // the state: the step, the next query, the number of links, then the settings as they were
  const restore = CHANGED_SETTINGS.map((name, i) => `${pg("set_config")}('${name}', p_state[${i + 4}], true)`).join(
    ", ",
  );
  const is = (step: string) => `v_step ${EQ} '${step}'`;
  return `DECLARE
${VIOLATION_VARIABLES}
  v_small ${pg("bool")};
  v_ordered ${pg("bool")} := false;
  v_plan ${pg("json")};
  v_step ${TEXT};
  v_state ${TEXT}[];
BEGIN
  IF p_state IS NOT NULL THEN
    v_step := p_state[1];
    IF ${pg("cardinality")}(p_state) ${op(">")} 3 THEN
      PERFORM ${restore};
    END IF;
    IF ${is(STEP.merge)} AND p_event_id IS NOT NULL THEN
      v_step := '${STEP.mergeThenLookups}';
    END IF;
    RAISE DEBUG 'drizzle-spector: % checks % links with %', ${quoteLiteral(link.name)}, p_state[3], v_step;
    RETURN ARRAY[v_step, CASE WHEN ${is(STEP.mergeThenLookups)} THEN ${queries.lookups} END];
  END IF;
  IF p_rows IS NULL THEN
    v_event_id := p_event_id;
    v_other_id := p_other_id;
    ${raiseViolation(link, events)}
    RETURN NULL;
  END IF;
  v_small := ${small};
  IF p_min_id IS NULL THEN
    IF v_small THEN
      ${ordered} INTO v_ordered;
    END IF;
    IF NOT v_small OR v_ordered THEN
      RETURN ARRAY['${STEP.smallest}', ${queries.smallest}];
    END IF;
    v_step := '${STEP.hash}';
  ELSE
    EXECUTE ${quoteLiteral(range)} INTO v_plan USING p_min_id;
    IF ${fewEntries} THEN
      v_step := '${STEP.merge}';
    ELSIF v_small THEN
      v_step := '${STEP.hash}';
    ELSE
      RETURN ARRAY['${STEP.lookups}', ${queries.lookups}, p_rows::${TEXT}];
    END IF;
  END IF;
  v_state := ARRAY[v_step, CASE WHEN ${is(STEP.merge)} THEN ${queries.merge} ELSE ${queries.hash} END, p_rows::${TEXT}, ${save}];
  IF ${is(STEP.merge)} THEN
    ${change(MERGE_SETTINGS)}
  ELSE
    ${change(HASH_SETTINGS)}
  END IF;
  RETURN v_state;
END`;
}

/**
 * `check_link_same_parent_L_large(p_rows bigint, p_min_id uuid, p_event_id uuid, p_other_id uuid,
 * p_state text[]) RETURNS text[]`: the decisions of a large statement's check ({@link largePathBody}),
 * and the rule's violation (SQLSTATE 23514, or 42501 when row-level security hides events from it) for
 * a link the trigger functions found. `SECURITY DEFINER`, its `EXECUTE` revoked from `PUBLIC`, named by
 * its schema throughout, as the trigger functions that call it are ({@link SAME_PARENT_FUNCTION_CONFIG}).
 */
export function largePathFunction(link: LinkTableMeta): RuleFunction {
  return {
    schema: link.pgSchema,
    name: names.sameParent.largeFunction(link.name),
    source: `\n${largePathBody(link)}\n`,
    securityDefiner: true,
    config: SAME_PARENT_FUNCTION_CONFIG,
    arguments: LARGE_PATH_ARGUMENTS,
    returns: { setOf: false, schema: "pg_catalog", type: "_text" },
  };
}

/**
 * The PL/pgSQL by which a trigger function whose transition table is `rows` checks a large statement,
 * into `v_event_id, v_other_id` (its first violating link, if any). It runs the queries
 * {@link largePathFunction} hands it, each through EXECUTE (so that the joins are planned with the
 * settings the function changed for them), and gives the joins' result back to the function, which
 * restores the settings and hands it the lookups when the merge joins found a link they cannot confirm.
 * The count and the smallest id call the function themselves. Few and short statements, so that a
 * session's first small statement, which compiles the whole trigger function, compiles little of them.
 * Declares nothing: the caller declares `v_large` (`text[]`).
 */
export function checkLargeStatement(link: LinkTableMeta, rows: string, indent: string): string {
  const fn = quoteQualified(link.pgSchema, names.sameParent.largeFunction(link.name));
  return [
    `EXECUTE ${quoteLiteral(largeQueries(link, rows).count)} INTO v_large;`,
    `IF v_large[1] ${EQ} '${STEP.smallest}' THEN`,
    `  EXECUTE v_large[2] INTO v_large;`,
    `END IF;`,
    `EXECUTE v_large[2] INTO v_event_id, v_other_id;`,
    `v_large := ${fn}(NULL, NULL, v_event_id, v_other_id, v_large);`,
    `IF v_large[2] IS NOT NULL THEN`,
    `  EXECUTE v_large[2] INTO v_event_id, v_other_id;`,
    `END IF;`,
  ].join(`\n${indent}`);
}

/**
 * The PL/pgSQL statement by which a trigger function reports the violating link it found (`v_event_id`,
 * `v_other_id`): {@link largePathFunction} reads both parents again and raises the violation. So the
 * trigger function holds none of the violation's text, which PL/pgSQL would otherwise compile on every
 * session's first link statement.
 */
export function reportViolation(link: LinkTableMeta): string {
  const fn = quoteQualified(link.pgSchema, names.sameParent.largeFunction(link.name));
  return `PERFORM ${fn}(NULL, NULL, v_event_id, v_other_id, NULL);`;
}
