/**
 * Which rules a migration must create or drop, and where their statements go: pure functions of what
 * the migrations folder says (`RuleState`) and what the schema wants (`RuleTarget`s), so that every
 * case is a fast unit test.
 *
 * @module
 */
import { GenerateError } from "../errors.js";
import {
  RULES,
  createRuleStatements,
  dropRuleStatements,
  ruleFingerprint,
  ruleKey,
  type Rule,
  type RuleTarget,
} from "../sql/rules.js";
import type { RuleState } from "./migrations.js";

/** A rule to remove from a table. */
export interface RuleDrop {
  readonly rule: Rule;
  /** `schema.table` of the table. */
  readonly table: string;
  /** The migration that drops the table's PostgreSQL schema, if one does (see `RuleRecord`). */
  readonly schemaDroppedIn?: string;
}

/** What a run must do about the rules. */
export interface RulePlan {
  /** Rules to install: missing, orphaned by a dropped table, or installed with other SQL. */
  readonly create: readonly RuleTarget[];
  /** Rules to remove: their table left the schema, was renamed, or no longer wants the rule. */
  readonly drop: readonly RuleDrop[];
}

/**
 * Compares the rules the migrations leave installed with the rules the schema wants.
 *
 * @example
 * ```ts
 * planRules(readRuleState(out), ruleTargets(schemaExports)); // { create: [...], drop: [...] }
 * ```
 */
export function planRules(state: RuleState, targets: readonly RuleTarget[]): RulePlan {
  const wanted = new Set(targets.map((target) => ruleKey(target.rule.kind, target.table)));
  const create = targets.filter((target) => {
    const installed = state.get(ruleKey(target.rule.kind, target.table));
    return installed?.status !== "active" || installed.fingerprint !== ruleFingerprint(target);
  });
  const drop = [...state]
    .filter(([key]) => !wanted.has(key))
    .map(([, installed]) => ({
      rule: ruleOfKind(installed.kind),
      table: installed.table,
      ...(installed.schemaDroppedIn === undefined ? {} : { schemaDroppedIn: installed.schemaDroppedIn }),
    }));
  return { create, drop };
}

/** The statements of a plan, placed in the migrations of a run. */
export interface PlacedStatements {
  /** Statements to put at the start of migrations of the journal, by tag. */
  readonly lead: ReadonlyMap<string, readonly string[]>;
  /** Statements for a custom migration of their own (none: no custom migration). */
  readonly custom: readonly string[];
}

/**
 * Places a plan's statements. A rule's drops must run before a `DROP SCHEMA` of its table's schema
 * (without `CASCADE` it fails while the rule's functions are in it), so they lead the migration that
 * drops the schema, even one an earlier run wrote (no database can have applied it while the functions
 * were there). Otherwise, when drizzle-kit wrote a migration in this run (`tablesMigration`), the drops
 * lead it, before anything it drops; the rules to create follow the tables, in a custom migration.
 *
 * @example
 * ```ts
 * placeStatements(plan, "0004_tables"); // { lead: Map { "0004_tables" => [drops...] }, custom: [creates...] }
 * ```
 */
export function placeStatements(plan: RulePlan, tablesMigration: string | undefined): PlacedStatements {
  const lead = new Map<string, string[]>();
  const custom: string[] = [];
  for (const { rule, table, schemaDroppedIn } of plan.drop) {
    const drops = dropRuleStatements(rule, splitTableKey(table));
    const before = schemaDroppedIn ?? tablesMigration;
    if (before === undefined) custom.push(...drops);
    else lead.set(before, [...(lead.get(before) ?? []), ...drops]);
  }
  custom.push(...plan.create.flatMap(createRuleStatements));
  return { lead, custom };
}

/**
 * Refuses migrations with a rule of a kind this version does not know (a newer version wrote it), so
 * that `generate` can stop before it writes anything.
 *
 * @example
 * ```ts
 * checkRuleKinds(readRuleState("migrations")); // throws a GenerateError for a "hash-chain" marker
 * ```
 */
export function checkRuleKinds(state: RuleState): void {
  for (const { kind } of state.values()) ruleOfKind(kind);
}

function ruleOfKind(kind: string): Rule {
  const rule = RULES.find((candidate) => candidate.kind === kind);
  if (rule) return rule;
  throw new GenerateError(
    `a migration installs a rule of kind "${kind}", which this version of drizzle-spector does not know ` +
      "(a newer version wrote it): upgrade drizzle-spector",
  );
}

/** `schema.table` back into its parts (`public` is the default schema). */
function splitTableKey(key: string): { pgSchema: string | undefined; name: string } {
  const dot = key.indexOf(".");
  const schema = key.slice(0, dot);
  return { pgSchema: schema === "public" ? undefined : schema, name: key.slice(dot + 1) };
}
