/**
 * The same-parent rule's SQL: the functions and triggers that keep both ends of a link in one record,
 * and the statements that remove them. `rules.ts` marks them and decides which tables get them.
 *
 * @module
 */
import { COLUMNS, names, type TableName } from "../../naming/index.js";
import type { LinkTableMeta } from "../../tables/meta.js";
import { catalogName as pg, quoteIdent, quoteLiteral, quoteQualified } from "../quote.js";
import { createStatements, type RuleFunction, type RuleObjects } from "../rule-objects.js";
import {
  checkLargeStatement,
  LARGE_PATH_ARGUMENT_TYPES,
  largePathFunction,
  reportViolation,
  RETIRED_LARGE_PATH_ARGUMENT_TYPES,
} from "./large-path.js";
import {
  EQ,
  LARGE_STATEMENT_ROWS,
  TEXT,
  UUID,
  SAME_PARENT_FUNCTION_CONFIG,
  VIOLATION_VARIABLES,
  lookups,
  raiseViolation,
  sameRecord,
} from "./shared.js";

/**
 * The body shared by the INSERT and UPDATE functions of the link table: a set-based check over the
 * statement's transition table, never one query per row.
 *
 * - Whether the statement is large costs one look at its 64th row (`PERFORM ... OFFSET 63`).
 * - Small statements run a static query. PL/pgSQL caches its plan: per link, two primary-key lookups.
 *   For a single row that is the whole cost.
 * - A large statement is checked with hash or merge joins whose cost is bounded whatever the
 *   statistics say ({@link checkLargeStatement}): this function reads its links where they are, and
 *   the large path's function (`check_link_same_parent_L_large`, `large-path.ts`) makes the decisions
 *   that read nothing of them, so that PL/pgSQL compiles those only in a session that runs them.
 * - A violating link is handed to that function too, which raises the violation.
 *
 * PL/pgSQL compiles a function's whole text on its first call in a session, so this body holds few
 * statements beyond the small path, the large statements' queries as one string each: a session's
 * first small statement compiles little more than it runs (`BENCH_ONLY=first-statement-instructions`).
 */
function linkFunctionBody(link: LinkTableMeta): string {
  const events = quoteQualified(link.pgSchema, link.events);
  const rows = quoteIdent(names.sameParent.transitionTable);
  return `DECLARE
  v_event_id ${UUID};
  v_other_id ${UUID};
  v_large ${TEXT}[];
BEGIN
  PERFORM FROM ${rows} OFFSET ${LARGE_STATEMENT_ROWS - 1} LIMIT 1;
  IF NOT FOUND THEN
    ${lookups(link, events, `${rows} AS l`, "    ")}
  ELSE
    ${checkLargeStatement(link, rows, "    ")}
  END IF;
  IF v_event_id IS NOT NULL THEN
    ${reportViolation(link)}
  END IF;
  RETURN NULL;
END`;
}

/**
 * The body of the function behind the trigger on the events table: a row trigger that fires only when
 * an event's `id` or `parent_id` changes (its `WHEN` condition), after the whole statement (so that a
 * swap of two ids in one statement is seen as it ends), and checks the links of link table `L` that
 * touch the event's new id. Through EXECUTE, so that the function still runs (and does nothing) after
 * Spector's `link_down` has dropped `L` without it: events tables are meant to be immutable, and this
 * rare path can afford the dynamic query.
 */
function eventsFunctionBody(link: LinkTableMeta): string {
  const q = quoteIdent;
  const events = quoteQualified(link.pgSchema, link.events);
  const table = quoteQualified(link.pgSchema, link.name);
  const [eventId, other] = [q(COLUMNS.eventId), q(link.foreignKey)];
  const check = `SELECT l.${eventId}, l.${other}
      FROM ${table} AS l
     WHERE (l.${eventId} ${EQ} $1 OR l.${other} ${EQ} $1)
       AND NOT ${sameRecord(events, `l.${eventId}`, `l.${other}`)}
     LIMIT 1`;
  return `DECLARE
${VIOLATION_VARIABLES}
BEGIN
  IF ${pg("to_regclass")}(${quoteLiteral(table)}) IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE ${quoteLiteral(check)} INTO v_event_id, v_other_id USING NEW.${q(COLUMNS.id)};
  ${raiseViolation(link, events)}
  RETURN NULL;
END`;
}

/**
 * The functions and triggers of the same-parent rule on link table `L`:
 * - `check_link_same_parent_L_large(p_rows bigint, p_min_id uuid, p_event_id uuid, p_other_id uuid,
 *   p_state text[])`, which the next two call
 *   for a statement of many links (`large-path.ts`);
 * - `check_link_same_parent_L()` and trigger `enforce_same_parent_L`: AFTER INSERT, statement-level;
 * - `check_link_same_parent_L_update()` and trigger `enforce_same_parent_L_update`: the same for UPDATE;
 * - `check_link_same_parent_L_events()` and trigger `enforce_same_parent_L_events` on the events table:
 *   AFTER UPDATE OF `id`, `parent_id`, row-level, when either changed.
 *
 * All four functions are `SECURITY DEFINER` and name everything by its schema
 * ({@link SAME_PARENT_FUNCTION_CONFIG}): like a foreign key, the rule reads every event whatever the
 * writing role may read, and its result does not depend on the caller's `search_path`.
 */
export function sameParentObjects(link: LinkTableMeta): RuleObjects {
  const rule = names.sameParent;
  const linkBody = linkFunctionBody(link);
  const fn = (name: string, body: string): RuleFunction => ({
    schema: link.pgSchema,
    name,
    source: `\n${body}\n`,
    securityDefiner: true,
    config: SAME_PARENT_FUNCTION_CONFIG,
  });
  const table = { pgSchema: link.pgSchema, name: link.name };
  const eventsTable = { pgSchema: link.pgSchema, name: link.events };
  const [id, parentId] = [quoteIdent(COLUMNS.id), quoteIdent(COLUMNS.parentId)];
  return {
    functions: [
      largePathFunction(link),
      fn(rule.insertFunction(link.name), linkBody),
      fn(rule.updateFunction(link.name), linkBody),
      fn(rule.eventsFunction(link.name), eventsFunctionBody(link)),
    ],
    triggers: [
      {
        name: rule.insertTrigger(link.name),
        table,
        function: rule.insertFunction(link.name),
        event: "AFTER INSERT",
        level: "statement",
        newTable: rule.transitionTable,
      },
      {
        name: rule.updateTrigger(link.name),
        table,
        function: rule.updateFunction(link.name),
        event: "AFTER UPDATE",
        level: "statement",
        newTable: rule.transitionTable,
      },
      {
        name: rule.eventsTrigger(link.name),
        table: eventsTable,
        function: rule.eventsFunction(link.name),
        event: `AFTER UPDATE OF ${id}, ${parentId}`,
        level: "row",
        when: `OLD.${id} IS DISTINCT FROM NEW.${id} OR OLD.${parentId} IS DISTINCT FROM NEW.${parentId}`,
      },
    ],
  };
}

/**
 * The statements that install the rule on one link table, unmarked: four functions and three
 * triggers ({@link sameParentObjects}), `CREATE OR REPLACE` throughout, so that running them again (or
 * over Spector's own function and trigger) replaces what is there.
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
  return [...createStatements(sameParentObjects(link)), dropRetiredLargePath(link)];
}

/** Drops the large path's function of an earlier version ({@link RETIRED_LARGE_PATH_ARGUMENT_TYPES}). */
function dropRetiredLargePath(link: TableName): string {
  const fn = quoteQualified(link.pgSchema, names.sameParent.largeFunction(link.name));
  return `DROP FUNCTION IF EXISTS ${fn}(${RETIRED_LARGE_PATH_ARGUMENT_TYPES});`;
}

/**
 * The statements that remove the rule from link table `link`, unmarked: its three trigger functions,
 * with `CASCADE` so that their triggers go too, wherever they are (the table may have been renamed or
 * dropped meanwhile; nothing but these triggers calls these functions), then the large path's function,
 * which only they call.
 */
export function dropSameParentStatements(link: TableName): string[] {
  const rule = names.sameParent;
  return [
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, rule.insertFunction(link.name))}() CASCADE;`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, rule.updateFunction(link.name))}() CASCADE;`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, rule.eventsFunction(link.name))}() CASCADE;`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, rule.largeFunction(link.name))}(${LARGE_PATH_ARGUMENT_TYPES});`,
    dropRetiredLargePath(link),
  ];
}
