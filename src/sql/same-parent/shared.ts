/**
 * What the same-parent rule's functions share: how they keep the caller's `search_path` out, the
 * types and operators they name, the test of two events' records, and how they report a violation.
 *
 * @module
 */
import { COLUMNS } from "../../naming/index.js";
import type { LinkTableMeta } from "../../tables/meta.js";
import { catalogName as pg, catalogOperator as op, quoteIdent, quoteLiteral } from "../quote.js";

/** Statements with at least this many rows take the large-statement path. */
export const LARGE_STATEMENT_ROWS = 64;

/**
 * How the same-parent functions keep the caller's `search_path` out. They run on every write of a
 * link, and a `SET search_path` clause (`PINNED_SEARCH_PATH` in `rule-objects.ts`, which the
 * record-chain and append-only functions have) costs every call: 14,000 CPU instructions of a one-row
 * `INSERT`, an eighth of the rule's cost there (`BENCH_ONLY=rule-instructions npm run bench`). So they
 * have no `SET` clause, and their bodies name every function, type and operator by its schema instead
 * (`pg_catalog.count`, `OPERATOR(pg_catalog.=)`: {@link pg}, {@link op}), and every table too.
 * `test/rule-hardening.test.ts` runs them under a `search_path` that shadows every function, operator
 * and type of `pg_catalog` they could name.
 *
 * They run as their owner (`SECURITY DEFINER`) and must see every event, as a foreign key check does.
 * For the owner of the events table (or a superuser, or a role with `BYPASSRLS`) row-level security
 * does not apply. Should it apply (`FORCE ROW LEVEL SECURITY` with an owner without `BYPASSRLS`), a
 * filtered read can only hide events, and an event the rule cannot find is a violation: so a filtered
 * read can never let a link through, and when it would refuse one the function says why, with SQLSTATE
 * `42501`, instead of "no such event" ({@link raiseViolation}). That check runs only on the way to an
 * error, so that it costs nothing on every statement (a `SET row_security = off` clause would do the
 * same for every call).
 */
export const SAME_PARENT_FUNCTION_CONFIG: readonly string[] = [];

/** PostgreSQL's own types and operators, as the same-parent functions name them. */
export const [UUID, INT8, TEXT, FLOAT8, EQ] = [pg("uuid"), pg("int8"), pg("text"), pg("float8"), op("=")];

/** SQL that is true when events `a` and `b` (uuid expressions) exist and belong to the same record. */
export function sameRecord(events: string, a: string, b: string): string {
  const [id, parentId] = [quoteIdent(COLUMNS.id), quoteIdent(COLUMNS.parentId)];
  // coalesce(..., false): an end that cannot be found is a violation, never a match of two NULLs.
  return `coalesce((SELECT e.${parentId} FROM ${events} AS e WHERE e.${id} ${EQ} ${a})
                 ${EQ} (SELECT o.${parentId} FROM ${events} AS o WHERE o.${id} ${EQ} ${b}), false)`;
}

/**
 * How the rule reports a violation, read back by the helpers (`queries/violation.ts`) to throw a
 * `SpectorSameParentError`: the SQLSTATE, the message (a `format()` template: the two parents, then the
 * link table, its `event_id`, its foreign key column and the other event), and what it says for an end
 * that is no event. The error also carries the link table's schema and name (`SCHEMA`, `TABLE`).
 */
export const SAME_PARENT_VIOLATION = {
  sqlstate: "23514",
  message: `Link events must have the same ${COLUMNS.parentId}: %s != %s (link table %s: ${COLUMNS.eventId} %s, %s %s)`,
  noEvent: "none (no such event)",
} as const;

/** The variables {@link raiseViolation} reads and writes, declared by each function that uses it. */
export const VIOLATION_VARIABLES = `  v_event_id ${UUID};
  v_other_id ${UUID};
  v_denied ${TEXT};
  v_message ${TEXT};`;

/**
 * The end of every rule function: when `v_event_id` holds a violating link, read both parents again
 * and raise SQLSTATE 23514 naming the link table, both events and both parents (42501 instead when
 * row-level security applies to the rule's owner). The reads and messages are one dynamic query, so
 * that PL/pgSQL compiles a few tokens for this rarely taken branch, not its SQL: compiling a rule
 * function is what the first link statement of each session pays for (`BENCH_ONLY=first-statement`).
 * Declares nothing: the caller declares {@link VIOLATION_VARIABLES}.
 */
export function raiseViolation(link: LinkTableMeta, events: string): string {
  const [id, parentId] = [quoteIdent(COLUMNS.id), quoteIdent(COLUMNS.parentId)];
  const { message, noEvent } = SAME_PARENT_VIOLATION;
  const parent = (alias: string, param: string) =>
    `coalesce((SELECT ${alias}.${parentId} FROM ${events} AS ${alias} WHERE ${alias}.${id} ${EQ} ${param})::${TEXT}, ${quoteLiteral(noEvent)})`;
  const messages = `SELECT CASE WHEN ${pg("row_security_active")}(${quoteLiteral(events)}) THEN ${pg("format")}(${quoteLiteral(`drizzle-spector cannot check link table %s: row-level security applies to %s, the owner of its same-parent rule, on ${events} (FORCE ROW LEVEL SECURITY), so the rule cannot see every event`)}, ${quoteLiteral(link.name)}, current_user) END,
       ${pg("format")}(${quoteLiteral(message)}, ${parent("e", "$1")}, ${parent("o", "$2")}, ${quoteLiteral(link.name)}, $1, ${quoteLiteral(link.foreignKey)}, $2)`;
  return `IF v_event_id IS NOT NULL THEN
    EXECUTE ${quoteLiteral(messages)} INTO v_denied, v_message USING v_event_id, v_other_id;
    IF v_denied IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = v_denied,
        HINT = 'Let the owner of the rule''s functions bypass row-level security (ALTER ROLE ... BYPASSRLS), or do not force it on the events table.';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = v_message,
      SCHEMA = ${quoteLiteral(link.pgSchema ?? "public")}, TABLE = ${quoteLiteral(link.name)};
  END IF;`;
}

/**
 * The query that finds the first link of `from` (a FROM item whose alias `l` has the link table's
 * columns) whose ends are not in one record: per link, two primary-key lookups.
 */
export function lookupsQuery(link: LinkTableMeta, events: string, from: string, indent: string): string {
  const [eventId, other] = [quoteIdent(COLUMNS.eventId), quoteIdent(link.foreignKey)];
  return `SELECT l.${eventId}, l.${other}
${indent}  FROM ${from}
${indent} WHERE NOT ${sameRecord(events, `l.${eventId}`, `l.${other}`)}
${indent} LIMIT 1`;
}

/** PL/pgSQL that runs {@link lookupsQuery} into `v_event_id, v_other_id`. */
export function lookups(link: LinkTableMeta, events: string, from: string, indent: string): string {
  return `${lookupsQuery(link, events, from, indent)} INTO v_event_id, v_other_id;`;
}
