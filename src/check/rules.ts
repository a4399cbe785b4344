/**
 * The comparison of a live database with the rules of the schema ({@link compareRules}): every rule
 * each table of the schema gets (`ruleTargets`) must be installed as this version writes it, as its
 * `objects()` describe it; no rule function or trigger may be left over for a table that no longer
 * gets the rule. Each expected function and trigger is compared with the one the catalogs hold.
 *
 * @module
 */
import { tableKey, type TableName } from "../naming/index.js";
import { TRIGGER_RESULT, type FunctionResult, type RuleFunction, type RuleTrigger } from "../sql/rule-objects.js";
import { ruleTargets } from "../sql/rules.js";
import { getMeta } from "../tables/meta.js";
import {
  EVENTS,
  firing,
  functionKey,
  madeFor,
  readCatalog,
  rulePatterns,
  triggerKey,
  type Catalog,
  type CatalogRequest,
  type FoundFunction,
  type FoundTrigger,
  type RulePattern,
} from "./catalog.js";
import { functionName, staleProblem, triggerName, type Comparison, type Difference } from "./differences.js";
import { compareDistribution } from "./layout.js";
import type { CatalogQuery } from "./query.js";

/** The PostgreSQL schemas of the system, never searched for stale objects. */
const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast"];

/**
 * Compares the database `query` reads with the rules of the tables among `exports` (a schema's
 * exports: other values are ignored). For each rule on each table:
 * - the table (and each table a trigger is on) exists;
 * - each function exists (no arguments, `RETURNS trigger`, or what it says it returns) with the same body (`prosrc`, exactly),
 *   `SECURITY DEFINER` and `SET` clauses (`proconfig`, in any order);
 * - each trigger exists on its table, is enabled (`ENABLE ALWAYS` where the rule says so, plain `ENABLE`
 *   elsewhere: a replica session must skip the record chain's and the same-parent rule's), calls its function (by schema and name) with no
 *   arguments, fires at the same time, on the same events (and `UPDATE OF` columns), at the same level
 *   (a statement trigger over `REFERENCING NEW TABLE AS spector_new_links`, nothing more), and has the
 *   same `WHEN` condition, compared loosely: case, double quotes, parentheses and spaces are ignored;
 * - stale: in the PostgreSQL schemas of the exported drizzle-spector tables, every function without
 *   arguments and every trigger named as a rule names its objects (`check_link_same_parent_...`,
 *   `enforce_same_parent_...`) that no rule of the schema asks for, e.g. the rule of a table that is
 *   no longer `constrained`, or was dropped by hand.
 *
 * A missing table is reported once, without the objects of the rules on it.
 *
 * Where the `citus` extension is installed, each Citus-layout table (`layout: "citus"`) must also be
 * distributed by `parent_id` (`pg_dist_partition`), a link table in its events table's co-location
 * group; without Citus there is nothing to check (the migration's step does nothing there).
 *
 * @example
 * ```ts
 * const query: CatalogQuery = async (text, params) => (await pool.query(text, params)).rows;
 * const { differences } = await compareRules(query, Object.values(schema));
 * for (const difference of differences) console.log(differenceLine(difference));
 * // function public.check_link_same_parent_links(): body differs from this version's
 * // trigger enforce_same_parent_links on public.links: missing
 * ```
 */
export async function compareRules(
  query: CatalogQuery,
  exports: Readonly<Record<string, unknown>> | readonly unknown[],
): Promise<Comparison> {
  const plan = planRules(exports);
  const catalog = await readCatalog(query, plan.request, plan.patterns);
  const comparison = ruleDifferences(plan, catalog);
  const distribution = await compareDistribution(query, plan.targets, catalog);
  return { ...comparison, differences: [...comparison.differences, ...distribution] };
}

/** What the rules of a schema ask the catalogs for: {@link planRules}. */
export interface RulePlan {
  readonly targets: ReturnType<typeof ruleTargets>;
  readonly functions: readonly { readonly target: RuleTarget; readonly fn: RuleFunction }[];
  readonly triggers: readonly { readonly target: RuleTarget; readonly trigger: RuleTrigger }[];
  readonly tables: readonly TableName[];
  readonly patterns: readonly RulePattern[];
  /** The catalog read (no table comments: {@link compareShards} adds the schemas of its lists). */
  readonly request: CatalogRequest;
}

type RuleTarget = ReturnType<typeof ruleTargets>[number];

/**
 * The functions, triggers and tables the rules of the tables among `exports` expect, and the catalog
 * read that finds them and any stale objects.
 *
 * @example
 * ```ts
 * const plan = planRules(Object.values(schema));
 * plan.request.triggers; // [["public", "links", "enforce_same_parent_links"], ...]
 * ```
 */
export function planRules(exports: Readonly<Record<string, unknown>> | readonly unknown[]): RulePlan {
  const targets = ruleTargets(exports);
  const expected = targets.map((target) => ({ target, objects: target.rule.objects(target.meta) }));
  const functions = expected.flatMap(({ target, objects }) => objects.functions.map((fn) => ({ target, fn })));
  const triggers = expected.flatMap(({ target, objects }) => objects.triggers.map((trigger) => ({ target, trigger })));
  const tables = uniqueTables([
    ...targets.map((target) => target.meta as TableName),
    ...triggers.map(({ trigger }) => trigger.table),
    ...expected.flatMap(({ objects }) => objects.tables ?? []),
  ]);
  const schemas = [
    ...new Set(
      Object.values(exports)
        .map(getMeta)
        .filter((meta) => meta !== undefined)
        .map((meta) => meta.pgSchema ?? "public"),
    ),
  ].filter((schema) => !SYSTEM_SCHEMAS.includes(schema));
  return {
    targets,
    functions,
    triggers,
    tables,
    patterns: rulePatterns(),
    request: {
      tables: tables.map((table) => [table.pgSchema ?? "public", table.name]),
      functions: functions.map(({ fn }) => [fn.schema ?? "public", fn.name]),
      triggers: triggers.map(({ trigger }) => [trigger.table.pgSchema ?? "public", trigger.table.name, trigger.name]),
      schemas,
      commentSchemas: [],
    },
  };
}

/**
 * The differences between the rules `plan` expects and what `catalog` holds (all but the Citus
 * distribution, which {@link compareDistribution} reads where Citus is installed).
 *
 * @example
 * ```ts
 * const plan = planRules(Object.values(schema));
 * ruleDifferences(plan, await readCatalog(query, plan.request, plan.patterns)).differences;
 * ```
 */
export function ruleDifferences(plan: RulePlan, catalog: Catalog): Comparison {
  const { targets, functions, triggers, tables, patterns } = plan;
  const existing = catalog.tables;
  const differences: Difference[] = [];
  for (const table of tables) {
    if (!existing.has(tableKey(table))) {
      differences.push({ table: tableKey(table), object: `table ${tableKey(table)}`, problem: "missing" });
    }
  }
  const wanted = new Set<string>();
  for (const { target, fn } of functions) {
    const key = functionKey(fn.schema ?? "public", fn.name);
    wanted.add(key);
    if (!existing.has(target.table)) continue;
    const problem = compareFunction(fn, catalog.functions.get(key));
    if (problem !== "") differences.push({ table: target.table, object: functionName(fn), problem });
  }
  for (const { target, trigger } of triggers) {
    const key = triggerKey(tableKey(trigger.table), trigger.name);
    wanted.add(key);
    if (!existing.has(target.table) || !existing.has(tableKey(trigger.table))) continue;
    const problem = compareTrigger(trigger, catalog.triggers.get(key));
    if (problem !== "")
      differences.push({ table: target.table, object: triggerName(trigger.table, trigger.name), problem });
  }
  for (const [key, found] of catalog.functions) {
    if (wanted.has(key)) continue;
    const { rule, table } = madeFor(patterns, ["trigger function", "function"], found.schema, found.name);
    differences.push({
      table,
      object: functionName({ schema: found.schema, name: found.name }),
      problem: staleProblem(rule, table),
    });
  }
  for (const [key, found] of catalog.triggers) {
    if (wanted.has(key)) continue;
    const { rule, table } = madeFor(patterns, "trigger", found.schema, found.name);
    differences.push({
      table,
      object: triggerName({ pgSchema: found.schema, name: found.table }, found.name),
      problem: staleProblem(rule, table),
    });
  }
  return {
    differences,
    // tables, not rules: a table may get several (the record chain and the guard on an events table)
    expected: {
      rules: new Set(targets.map((target) => target.table)).size,
      functions: functions.length,
      triggers: triggers.length,
    },
  };
}

function uniqueTables(tables: readonly TableName[]): TableName[] {
  const byKey = new Map<string, TableName>();
  for (const table of tables) if (!byKey.has(tableKey(table))) byKey.set(tableKey(table), table);
  return [...byKey.values()];
}

function compareFunction(expected: RuleFunction, found: FoundFunction | undefined): string {
  if (found === undefined) return "missing";
  const problems: string[] = [];
  const returns = expected.returns ?? TRIGGER_RESULT;
  const result = (r: FunctionResult) => `${r.setOf ? "SETOF " : ""}${r.schema}.${r.type}`;
  if (result(found.returns) !== result(returns)) {
    problems.push(`returns ${result(found.returns)}, expected ${result(returns)}`);
  }
  if (found.arguments !== (expected.arguments ?? "")) {
    problems.push(`takes (${found.arguments}), expected (${expected.arguments ?? ""})`);
  }
  if (found.source !== expected.source) problems.push("body differs from this version's");
  if (found.securityDefiner !== expected.securityDefiner) {
    problems.push(expected.securityDefiner ? "not SECURITY DEFINER" : "SECURITY DEFINER, expected SECURITY INVOKER");
  }
  const show = (config: readonly string[]) => (config.length === 0 ? "none" : JSON.stringify(config));
  if ([...found.config].sort().join("\n") !== [...expected.config].sort().join("\n")) {
    problems.push(`settings ${show(found.config)}, expected ${show(expected.config)}`);
  }
  return problems.join("; ");
}

/**
 * How an expected trigger fires, read from its `event` (`AFTER INSERT`, `AFTER UPDATE OF "id",
 * "parent_id"`, events joined by `OR`) and `level`; a statement trigger reads its new rows as the
 * transition table the rules' SQL names (`REFERENCING NEW TABLE AS spector_new_links`).
 */
function expectedFiring(trigger: RuleTrigger): string {
  const match = /^(BEFORE|AFTER|INSTEAD OF) (.+)$/s.exec(trigger.event);
  if (match === null) throw new Error(`drizzle-spector: a rule's trigger fires at an unknown time: ${trigger.event}`);
  let columns: string[] = [];
  const events = match[2]!.split(" OR ").map((part) => {
    const update = /^UPDATE OF (.+)$/s.exec(part);
    if (update === null) return part;
    columns = [...update[1]!.matchAll(/"((?:[^"]|"")*)"|([^\s,]+)/g)].map((m) =>
      m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!.toLowerCase(),
    );
    return "UPDATE";
  });
  return firing({
    timing: match[1]!,
    events: EVENTS.map(([event]) => event).filter((event) => events.includes(event)),
    columns,
    row: trigger.level === "row",
    newTable: trigger.newTable,
    oldTable: undefined,
  });
}

/** A `WHEN` condition as it is compared: case, double quotes, parentheses and spaces ignored. */
function looseCondition(condition: string): string {
  return condition.replace(/["()]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
}

function compareTrigger(expected: RuleTrigger, found: FoundTrigger | undefined): string {
  if (found === undefined) return "missing";
  const problems: string[] = [];
  if (found.enabled === "D") problems.push("disabled");
  if (found.enabled === "R") problems.push("fires only in replica sessions (ENABLE REPLICA)");
  if (expected.always && found.enabled !== "A" && found.enabled !== "D")
    problems.push("does not fire in replica sessions (expected ENABLE ALWAYS)");
  // e.g. the record chain's: under ENABLE ALWAYS a subscriber's apply worker would chain replicated rows again
  if (!expected.always && found.enabled === "A")
    problems.push("fires in replica sessions too (ENABLE ALWAYS), expected ENABLE: a replica session must skip it");
  const wantedFunction = { schema: expected.table.pgSchema ?? "public", name: expected.function };
  if (found.function.schema !== wantedFunction.schema || found.function.name !== wantedFunction.name) {
    problems.push(
      `calls ${functionName(found.function).slice("function ".length)}, expected ${functionName(wantedFunction).slice("function ".length)}`,
    );
  }
  if (found.arguments !== 0) problems.push(`passes ${found.arguments} argument(s), expected none`);
  const firing = expectedFiring(expected);
  if (found.firing !== firing) problems.push(`fires ${found.firing}, expected ${firing}`);
  if (expected.when === undefined && found.when !== undefined) problems.push(`has WHEN (${found.when}), expected none`);
  if (expected.when !== undefined && found.when === undefined)
    problems.push(`has no WHEN, expected WHEN (${expected.when})`);
  if (
    expected.when !== undefined &&
    found.when !== undefined &&
    looseCondition(found.when) !== looseCondition(expected.when)
  ) {
    problems.push(`has WHEN (${found.when}), expected WHEN (${expected.when})`);
  }
  return problems.join("; ");
}
