/**
 * The same-parent rule: SQL for the functions and triggers that keep both ends of a link in one
 * record, and the SQL that removes them.
 *
 * @module
 */
import { getMeta, type LinkTableMeta } from "../meta.js";
import { names } from "../naming.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { joinStatements } from "./statements.js";

/** Marker comments that let `drizzle-spector generate` read back what earlier migrations did. */
export const MARKER = {
  create: "-- drizzle-spector:create-same-parent",
  drop: "-- drizzle-spector:drop-same-parent",
} as const;

/** The name of the transition table inside the trigger functions. */
const NEW_ROWS = "spector_new_links";

/** `schema.link`, the key a link table is known by in markers. */
export function linkKey(link: Pick<LinkTableMeta, "pgSchema" | "name">): string {
  return `${link.pgSchema ?? "public"}.${link.name}`;
}

/** Statements with at least this many rows take the large-statement path. */
export const LARGE_STATEMENT_ROWS = 64;

/** Memory for the two sorts of the large-statement path, so that they stay in memory. */
const LARGE_STATEMENT_WORK_MEM = "64MB";

/**
 * The body shared by the INSERT and UPDATE functions: a set-based check over the statement's
 * transition table, never one query per row.
 *
 * - Whether the statement is large costs one look at its 64th row (`PERFORM ... OFFSET 63`).
 * - Small statements run a static query. PL/pgSQL caches its plan: per link, two primary-key lookups.
 *   For a single row that costs what Spector's row trigger costs, without one call per row.
 * - Large statements run one join through EXECUTE as two merge joins over the primary key index,
 *   read from the smallest id the statement references (UUIDv7 ids: new links point at recent
 *   events, so only the tail of the index is read, whatever the table's history). The planner knows
 *   nothing of a transition table's values and would pick a nested loop, so nested loops and hash
 *   joins are turned off, and work_mem raised, for that one query; the settings are restored right
 *   after (and, being transaction-local, are discarded if anything fails).
 * - Only when a violation is found are both parents read again, for the message.
 */
function functionBody(link: LinkTableMeta): string {
  const events = quoteQualified(link.pgSchema, link.events);
  const other = quoteIdent(link.foreignKey);
  const large = `SELECT l.event_id, l.${other}
      FROM ${NEW_ROWS} AS l
      JOIN ${events} AS e ON e.id = l.event_id
      JOIN ${events} AS o ON o.id = l.${other}
     WHERE e.parent_id <> o.parent_id AND e.id >= $1 AND o.id >= $1
     LIMIT 1`;
  return `DECLARE
  v_event_id uuid;
  v_other_id uuid;
  v_event_parent uuid;
  v_other_parent uuid;
  v_min_id uuid;
  v_nestloop text;
  v_hashjoin text;
  v_work_mem text;
BEGIN
  PERFORM FROM ${NEW_ROWS} OFFSET ${LARGE_STATEMENT_ROWS - 1} LIMIT 1;
  IF NOT FOUND THEN
    SELECT l.event_id, l.${other} INTO v_event_id, v_other_id
      FROM ${NEW_ROWS} AS l
     WHERE (SELECT e.parent_id FROM ${events} AS e WHERE e.id = l.event_id)
        <> (SELECT o.parent_id FROM ${events} AS o WHERE o.id = l.${other})
     LIMIT 1;
  ELSE
    SELECT least(l.event_id, l.${other}) INTO v_min_id FROM ${NEW_ROWS} AS l ORDER BY 1 LIMIT 1;
    v_nestloop := current_setting('enable_nestloop');
    v_hashjoin := current_setting('enable_hashjoin');
    v_work_mem := current_setting('work_mem');
    PERFORM set_config('enable_nestloop', 'off', true);
    PERFORM set_config('enable_hashjoin', 'off', true);
    IF pg_size_bytes(v_work_mem) < pg_size_bytes('${LARGE_STATEMENT_WORK_MEM}') THEN
      PERFORM set_config('work_mem', '${LARGE_STATEMENT_WORK_MEM}', true);
    END IF;
    EXECUTE ${quoteLiteral(large)} INTO v_event_id, v_other_id USING v_min_id;
    PERFORM set_config('enable_nestloop', v_nestloop, true);
    PERFORM set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM set_config('work_mem', v_work_mem, true);
  END IF;
  IF v_event_id IS NOT NULL THEN
    SELECT e.parent_id INTO v_event_parent FROM ${events} AS e WHERE e.id = v_event_id;
    SELECT o.parent_id INTO v_other_parent FROM ${events} AS o WHERE o.id = v_other_id;
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       v_event_parent, v_other_parent, ${quoteLiteral(link.name)}, v_event_id, ${quoteLiteral(link.foreignKey)}, v_other_id),
      SCHEMA = ${quoteLiteral(link.pgSchema ?? "public")},
      TABLE = ${quoteLiteral(link.name)};
  END IF;
  RETURN NULL;
END`;
}

/** The statements that install the rule on one link table (two functions, two triggers). */
export function createRuleStatements(link: LinkTableMeta): string[] {
  const table = quoteQualified(link.pgSchema, link.name);
  const body = functionBody(link);
  const fn = (name: string) =>
    `CREATE OR REPLACE FUNCTION ${quoteQualified(link.pgSchema, name)}() RETURNS trigger LANGUAGE plpgsql AS $spector$\n${body}\n$spector$;`;
  const trigger = (name: string, event: "INSERT" | "UPDATE", fnName: string) =>
    `CREATE OR REPLACE TRIGGER ${quoteIdent(name)} AFTER ${event} ON ${table}\n` +
    `  REFERENCING NEW TABLE AS ${NEW_ROWS}\n` +
    `  FOR EACH STATEMENT EXECUTE FUNCTION ${quoteQualified(link.pgSchema, fnName)}();`;
  return [
    `${MARKER.create} ${linkKey(link)}\n${fn(names.insertFunction(link.name))}`,
    fn(names.updateFunction(link.name)),
    trigger(names.insertTrigger(link.name), "INSERT", names.insertFunction(link.name)),
    trigger(names.updateTrigger(link.name), "UPDATE", names.updateFunction(link.name)),
  ];
}

/**
 * The statements that remove the rule from one link table: both triggers (if the table still
 * exists; `IF EXISTS` makes a missing table a notice, not an error) and both functions.
 */
export function dropRuleStatements(link: Pick<LinkTableMeta, "pgSchema" | "name">): string[] {
  const table = quoteQualified(link.pgSchema, link.name);
  return [
    `${MARKER.drop} ${linkKey(link)}\nDROP TRIGGER IF EXISTS ${quoteIdent(names.insertTrigger(link.name))} ON ${table};`,
    `DROP TRIGGER IF EXISTS ${quoteIdent(names.updateTrigger(link.name))} ON ${table};`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, names.insertFunction(link.name))}();`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(link.pgSchema, names.updateFunction(link.name))}();`,
  ];
}

/** The constrained link tables among `tables` (an object of tables, a module namespace, or an array). */
export function constrainedLinks(tables: Readonly<Record<string, unknown>> | readonly unknown[]): LinkTableMeta[] {
  const seen = new Set<string>();
  const links: LinkTableMeta[] = [];
  for (const value of Object.values(tables)) {
    const meta = getMeta(value);
    if (meta?.kind !== "link" || !meta.constrained || seen.has(linkKey(meta))) continue;
    seen.add(linkKey(meta));
    links.push(meta);
  }
  return links;
}

/**
 * The custom SQL that drizzle-kit cannot write: for every constrained link table among `tables`, the
 * functions `check_link_same_parent_<link>()` / `..._update()` and the statement-level triggers
 * `enforce_same_parent_<link>` (AFTER INSERT) / `..._update` (AFTER UPDATE) that reject a statement
 * linking events of different records, with SQLSTATE `23514`. One statement per
 * `--> statement-breakpoint` chunk, ready for a `drizzle-kit generate --custom` migration. Tables
 * that are not constrained link tables are ignored, so a whole schema module can be passed.
 *
 * @example
 * ```ts
 * import * as schema from "./schema";
 * fs.writeFileSync("migrations/0001_spector_triggers.sql", spectorTriggerSql(schema));
 * // -- drizzle-spector:create-same-parent public.event_ancestors
 * // CREATE OR REPLACE FUNCTION "check_link_same_parent_event_ancestors"() RETURNS trigger ...
 * // --> statement-breakpoint
 * // ...
 * // CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors" AFTER INSERT ON "event_ancestors" ...
 * ```
 */
export function spectorTriggerSql(tables: Readonly<Record<string, unknown>> | readonly unknown[]): string {
  return joinStatements(constrainedLinks(tables).flatMap(createRuleStatements));
}
