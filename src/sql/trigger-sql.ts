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

/**
 * The body shared by the INSERT and UPDATE functions. The check is set-based (one query over the
 * statement's transition table, not one per row). Small statements run a static query whose cached
 * plan uses index lookups; large ones run the same query through EXECUTE, so it is planned for the
 * real row count (hash or merge joins) instead of reusing a plan made for a handful of rows.
 */
function functionBody(link: LinkTableMeta): string {
  const events = quoteQualified(link.pgSchema, link.events);
  const other = quoteIdent(link.foreignKey);
  const query = (into: string) =>
    `SELECT l.event_id, l.${other}, e.parent_id, o.parent_id${into}
      FROM ${NEW_ROWS} AS l
      JOIN ${events} AS e ON e.id = l.event_id
      JOIN ${events} AS o ON o.id = l.${other}
     WHERE e.parent_id <> o.parent_id
     LIMIT 1`;
  return `DECLARE
  event_id uuid;
  other_id uuid;
  event_parent uuid;
  other_parent uuid;
BEGIN
  IF (SELECT count(*) FROM (SELECT FROM ${NEW_ROWS} LIMIT 64) AS probe) < 64 THEN
    ${query(" INTO event_id, other_id, event_parent, other_parent")};
  ELSE
    EXECUTE ${quoteLiteral(query(""))} INTO event_id, other_id, event_parent, other_parent;
  END IF;
  IF event_id IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      MESSAGE = format('Link events must have the same parent_id: %s != %s (link table %s: event_id %s, %s %s)',
                       event_parent, other_parent, ${quoteLiteral(link.name)}, event_id, ${quoteLiteral(link.foreignKey)}, other_id),
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
