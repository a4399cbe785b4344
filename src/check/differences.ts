/**
 * What `drizzle-spector check` reports: a {@link Difference} between the database and the schema, the
 * {@link Comparison} that collects them, a difference as one line, and the way a stale object's
 * difference names the rule and table it was made for; with the names it gives a function and a
 * trigger in its report.
 *
 * @module
 */
import { tableKey, type TableName } from "../naming/index.js";

/** One way the database differs from the schema. */
export interface Difference {
  /** `schema.table` of the table whose rule it concerns (for a stale object: the table it was made for). */
  readonly table: string;
  /** The object: `function s.f()`, `trigger t on s.table`, `table s.table`. */
  readonly object: string;
  /** What differs: `missing`, `body differs from this version's`, `stale (...)`, ... */
  readonly problem: string;
}

/** What {@link compareRules} compared, and what differs. */
export interface Comparison {
  readonly differences: readonly Difference[];
  /** How many tables' rules, functions and triggers the schema asks for. */
  readonly expected: { readonly rules: number; readonly functions: number; readonly triggers: number };
}

/**
 * A difference as one line: `<object>: <problem>`.
 *
 * @example
 * ```ts
 * differenceLine({ table: "public.links", object: "trigger enforce_same_parent_links on public.links", problem: "missing" });
 * // "trigger enforce_same_parent_links on public.links: missing"
 * ```
 */
export function differenceLine(difference: Difference): string {
  return `${difference.object}: ${difference.problem}`;
}

/** The problem of a stale object: the rule and `schema.table` it was made for. */
export function staleProblem(rule: string, table: string): string {
  return `stale: the ${rule} rule of ${table}, which the schema does not ask for`;
}

/**
 * The rule kind and `schema.table` of a stale object's difference, or `undefined` for another one.
 *
 * @example
 * ```ts
 * staleRule({ table: "public.old", object: "function public.check_link_same_parent_old()", problem: "stale: ..." });
 * // { rule: "same-parent", table: "public.old" }
 * ```
 */
export function staleRule(difference: Difference): { rule: string; table: string } | undefined {
  const groups = /^stale: the (?<rule>\S+) rule of (?<table>\S+), which/.exec(difference.problem)?.groups;
  return groups ? { rule: groups.rule!, table: groups.table! } : undefined;
}

export function functionName(fn: { readonly schema: string | undefined; readonly name: string }): string {
  return `function ${fn.schema ?? "public"}.${fn.name}()`;
}

export function triggerName(table: TableName, name: string): string {
  return `trigger ${name} on ${tableKey(table)}`;
}
