/**
 * The same-parent rule's SQL: the functions and triggers that keep both ends of a link in one record,
 * and the statements that remove them. `rules.ts` marks them and decides which tables get them.
 *
 * @module
 */
import { COLUMNS, names, type TableName } from "../naming.js";
import type { LinkTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";

/** Statements with at least this many rows take the large-statement path. */
export const LARGE_STATEMENT_ROWS = 64;

/**
 * A large statement is checked with merge joins when it has at least one row per this many primary key
 * entries from its smallest referenced id on; with fewer rows, per-row primary-key lookups are cheaper
 * than reading that part of the index (measured on PostgreSQL 15: a lookup costs about as much as
 * reading 8 index entries in order, sorts included).
 */
export const MERGE_ENTRIES_PER_ROW = 8;

/** Memory for the two sorts of the merge path, so that they stay in memory. */
const MERGE_WORK_MEM = "64MB";

/**
 * The body shared by the INSERT and UPDATE functions: a set-based check over the statement's
 * transition table, never one query per row.
 *
 * - Whether the statement is large costs one look at its 64th row (`PERFORM ... OFFSET 63`).
 * - Small statements run a static query. PL/pgSQL caches its plan: per link, two primary-key lookups.
 *   For a single row the trigger costs about what Spector's row trigger costs.
 * - Large statements find their smallest referenced id (the smallest among their first 64 rows, then
 *   one filtered pass for anything smaller, which is cheaper than sorting every row) and ask the
 *   planner how many primary key entries lie from there on. With at least one row per
 *   {@link MERGE_ENTRIES_PER_ROW} of them (a bulk import: UUIDv7 ids make new links point at the
 *   recent tail of the index), one query runs through EXECUTE as two merge joins over that part of the
 *   index. The planner knows nothing of a transition table's values and would keep a nested loop, so
 *   nested loops and hash joins are turned off, and work_mem raised, for that one query; the settings
 *   are restored right after (and, being transaction-local, are discarded if anything fails).
 *   With fewer rows (a few hundred links into an old record of a long history) the per-row lookups of
 *   the small path are cheaper, and run instead.
 * - Only when a violation is found are both parents read again, for the message.
 * - A DEBUG message names the path a large statement took (`SET client_min_messages = debug`).
 */
function functionBody(link: LinkTableMeta): string {
  const q = quoteIdent;
  const events = quoteQualified(link.pgSchema, link.events);
  const rows = q(names.sameParent.transitionTable);
  const [id, parentId, eventId, other] = [q(COLUMNS.id), q(COLUMNS.parentId), q(COLUMNS.eventId), q(link.foreignKey)];
  // Left joins and IS DISTINCT FROM: an end that does not exist (yet, under deferred foreign keys)
  // has no parent, which is a different parent, as in Spector's trigger.
  const merge = `SELECT l.${eventId}, l.${other}
      FROM ${rows} AS l
      LEFT JOIN ${events} AS e ON e.${id} = l.${eventId} AND e.${id} >= $1
      LEFT JOIN ${events} AS o ON o.${id} = l.${other} AND o.${id} >= $1
     WHERE e.${parentId} IS DISTINCT FROM o.${parentId}
     LIMIT 1`;
  const range = `EXPLAIN (FORMAT JSON) SELECT FROM ${events} WHERE ${id} >= $1`;
  return `DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_merge boolean := false;
  v_min_id uuid;
  v_smaller_id uuid;
  v_plan json;
  v_needed bigint;
  v_nestloop text;
  v_hashjoin text;
  v_work_mem text;
BEGIN
  PERFORM FROM ${rows} OFFSET ${LARGE_STATEMENT_ROWS - 1} LIMIT 1;
  IF FOUND THEN
    SELECT least(l.${eventId}, l.${other}) INTO v_min_id
      FROM (SELECT * FROM ${rows} LIMIT ${LARGE_STATEMENT_ROWS}) AS l ORDER BY 1 LIMIT 1;
    SELECT least(l.${eventId}, l.${other}) INTO v_smaller_id
      FROM ${rows} AS l WHERE l.${eventId} < v_min_id OR l.${other} < v_min_id ORDER BY 1 LIMIT 1;
    IF FOUND THEN
      v_min_id := v_smaller_id;
    END IF;
    EXECUTE ${quoteLiteral(range)} INTO v_plan USING v_min_id;
    v_needed := ceil((v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 / ${MERGE_ENTRIES_PER_ROW});
    v_merge := coalesce((SELECT count(*) FROM (SELECT FROM ${rows} LIMIT v_needed) AS enough) >= v_needed, false);
    RAISE DEBUG 'drizzle-spector: % checks % or more links with %', TG_TABLE_NAME, ${LARGE_STATEMENT_ROWS},
      CASE WHEN v_merge THEN 'merge joins' ELSE 'primary-key lookups' END;
  END IF;
  IF NOT v_merge THEN
    SELECT l.${eventId}, l.${other} INTO v_event_id, v_other_id
      FROM ${rows} AS l
     WHERE (SELECT e.${parentId} FROM ${events} AS e WHERE e.${id} = l.${eventId})
           IS DISTINCT FROM (SELECT o.${parentId} FROM ${events} AS o WHERE o.${id} = l.${other})
     LIMIT 1;
  ELSE
    v_nestloop := current_setting('enable_nestloop');
    v_hashjoin := current_setting('enable_hashjoin');
    v_work_mem := current_setting('work_mem');
    PERFORM set_config('enable_nestloop', 'off', true);
    PERFORM set_config('enable_hashjoin', 'off', true);
    IF pg_size_bytes(v_work_mem) < pg_size_bytes('${MERGE_WORK_MEM}') THEN
      PERFORM set_config('work_mem', '${MERGE_WORK_MEM}', true);
    END IF;
    EXECUTE ${quoteLiteral(merge)} INTO v_event_id, v_other_id USING v_min_id;
    PERFORM set_config('enable_nestloop', v_nestloop, true);
    PERFORM set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM set_config('work_mem', v_work_mem, true);
  END IF;
  IF v_event_id IS NOT NULL THEN
    SELECT e.${parentId} INTO v_event_parent FROM ${events} AS e WHERE e.${id} = v_event_id;
    SELECT o.${parentId} INTO v_other_parent FROM ${events} AS o WHERE o.${id} = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format(${quoteLiteral(`Link events must have the same ${COLUMNS.parentId}: %s != %s (link table %s: ${COLUMNS.eventId} %s, %s %s)`)},
                       coalesce(v_event_parent::text, 'none (no such event)'), coalesce(v_other_parent::text, 'none (no such event)'),
                       ${quoteLiteral(link.name)}, v_event_id, ${quoteLiteral(link.foreignKey)}, v_other_id),
      SCHEMA = ${quoteLiteral(link.pgSchema ?? "public")},
      TABLE = ${quoteLiteral(link.name)};
  END IF;
  RETURN NULL;
END`;
}

/**
 * The dollar-quote tag around a function body: `$spector$`, or, should the body hold that (names
 * that validation refuses could), `$spector_1$`, `$spector_2$`, ... whichever it does not hold.
 */
function bodyTag(body: string): string {
  let tag = "$spector$";
  for (let n = 1; body.includes(tag); n++) tag = `$spector_${n}$`;
  return tag;
}

/**
 * The statements that install the rule on one link table, unmarked: two functions and two triggers,
 * `CREATE OR REPLACE` throughout, so that running them again (or over Spector's own function and
 * trigger) replaces what is there.
 *
 * The INSERT and UPDATE functions repeat one body, because they cannot share it any other way:
 * - one function for both triggers would break Spector's `link_down`, which drops the INSERT trigger
 *   and then `check_link_same_parent_L()` without `CASCADE` (the UPDATE trigger would still need it);
 * - a transition table is visible only inside the trigger function itself, so the body cannot move
 *   into a function both call;
 * - a row-level `AFTER UPDATE OF event_id, <fk>` trigger (which would skip updates of `type` alone)
 *   cannot see the statement's rows at once: PostgreSQL refuses transition tables on triggers with
 *   column lists ("transition tables cannot be specified for triggers with column lists"). Measured on
 *   PostgreSQL 15 with 90k links in one UPDATE, row-level lookups cost 2.16x against 1.38x for one
 *   set-based query over the transition table (1,000 links: 2.38x against 1.44x; one link: the same).
 */
export function sameParentStatements(link: LinkTableMeta): string[] {
  const rule = names.sameParent;
  const table = quoteQualified(link.pgSchema, link.name);
  const body = functionBody(link);
  const tag = bodyTag(body);
  const fn = (name: string) =>
    `CREATE OR REPLACE FUNCTION ${quoteQualified(link.pgSchema, name)}() RETURNS trigger LANGUAGE plpgsql AS ${tag}\n${body}\n${tag};`;
  const trigger = (name: string, event: "INSERT" | "UPDATE", fnName: string) =>
    `CREATE OR REPLACE TRIGGER ${quoteIdent(name)} AFTER ${event} ON ${table}\n` +
    `  REFERENCING NEW TABLE AS ${quoteIdent(rule.transitionTable)}\n` +
    `  FOR EACH STATEMENT EXECUTE FUNCTION ${quoteQualified(link.pgSchema, fnName)}();`;
  return [
    fn(rule.insertFunction(link.name)),
    fn(rule.updateFunction(link.name)),
    trigger(rule.insertTrigger(link.name), "INSERT", rule.insertFunction(link.name)),
    trigger(rule.updateTrigger(link.name), "UPDATE", rule.updateFunction(link.name)),
  ];
}

/**
 * The statements that remove the rule from link table `link`, unmarked: both functions, with `CASCADE`
 * so that their triggers go too, wherever they are (the table may have been renamed or dropped
 * meanwhile; nothing but these triggers calls these functions).
 */
export function dropSameParentStatements(link: TableName): string[] {
  const rule = names.sameParent;
  return [
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, rule.insertFunction(link.name))}() CASCADE;`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, rule.updateFunction(link.name))}() CASCADE;`,
  ];
}
