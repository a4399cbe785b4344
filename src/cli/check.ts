/**
 * `drizzle-spector check`: compares a live database with the schema. Every rule each table of the
 * schema gets (`ruleTargets`) must be installed as this version writes it, as its `objects()` describe
 * it; no rule function or trigger may be left over for a table that no longer gets the rule.
 *
 * The comparison ({@link compareRules}) reads the catalogs through a {@link CatalogQuery}, whatever the
 * driver; {@link check} loads the project, connects and reports.
 *
 * @module
 */
import { RULE_NAMES, tableKey, type TableName } from "../naming.js";
import { quoteIdent } from "../sql/quote.js";
import type { RuleFunction, RuleTrigger } from "../sql/rule-objects.js";
import { ruleTargets } from "../sql/rules.js";
import { getMeta } from "../tables/meta.js";
import { GenerateError } from "../errors.js";
import { connect, type CatalogQuery, type ConnectionConfig, type DriverName } from "./connect.js";
import { loadProject } from "./project.js";
import { describeList, shardLists, type ShardList } from "../sql/shard-lists.js";
import { compareShardLists, recordedInDatabase } from "./shard-history.js";

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
function staleProblem(rule: string, table: string): string {
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

/** The PostgreSQL schemas of the system, never searched for stale objects. */
const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast"];

/**
 * Compares the database `query` reads with the rules of the tables among `exports` (a schema's
 * exports: other values are ignored). For each rule on each table:
 * - the table (and each table a trigger is on) exists;
 * - each function exists (no arguments, `RETURNS trigger`) with the same body (`prosrc`, exactly),
 *   `SECURITY DEFINER` and `SET` clauses (`proconfig`, in any order);
 * - each trigger exists on its table, is enabled, calls its function (by schema and name) with no
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
  const patterns = rulePatterns();

  const existing = await readTables(query, tables);
  const foundFunctions = await readFunctions(
    query,
    functions.map(({ fn }) => [fn.schema ?? "public", fn.name]),
    schemas,
    patterns.filter((p) => p.kind === "trigger function"),
  );
  const foundTriggers = await readTriggers(
    query,
    triggers.map(({ trigger }) => [trigger.table.pgSchema ?? "public", trigger.table.name, trigger.name]),
    schemas,
    patterns.filter((p) => p.kind === "trigger"),
  );

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
    const problem = compareFunction(fn, foundFunctions.get(key));
    if (problem !== "") differences.push({ table: target.table, object: functionName(fn), problem });
  }
  for (const { target, trigger } of triggers) {
    const key = triggerKey(tableKey(trigger.table), trigger.name);
    wanted.add(key);
    if (!existing.has(target.table) || !existing.has(tableKey(trigger.table))) continue;
    const problem = compareTrigger(trigger, foundTriggers.get(key));
    if (problem !== "")
      differences.push({ table: target.table, object: triggerName(trigger.table, trigger.name), problem });
  }
  for (const [key, found] of foundFunctions) {
    if (wanted.has(key)) continue;
    const { rule, table } = madeFor(patterns, "trigger function", found.schema, found.name);
    differences.push({
      table,
      object: functionName({ schema: found.schema, name: found.name }),
      problem: staleProblem(rule, table),
    });
  }
  for (const [key, found] of foundTriggers) {
    if (wanted.has(key)) continue;
    const { rule, table } = madeFor(patterns, "trigger", found.schema, found.name);
    differences.push({
      table,
      object: triggerName({ pgSchema: found.schema, name: found.table }, found.name),
      problem: staleProblem(rule, table),
    });
  }
  differences.push(...(await compareDistribution(query, targets, existing)));
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

const functionKey = (schema: string, name: string) => JSON.stringify(["function", schema, name]);
const triggerKey = (table: string, name: string) => JSON.stringify(["trigger", table, name]);

function functionName(fn: { readonly schema: string | undefined; readonly name: string }): string {
  return `function ${fn.schema ?? "public"}.${fn.name}()`;
}

function triggerName(table: TableName, name: string): string {
  return `trigger ${name} on ${tableKey(table)}`;
}

/**
 * How a rule names its functions and triggers for a table `L`: a prefix and a suffix around `L`, read
 * from the names it derives (`RULE_NAMES`) for a table whose name no real name holds.
 */
interface RulePattern {
  readonly rule: string;
  readonly kind: "trigger function" | "trigger";
  readonly prefix: string;
  readonly suffix: string;
}

function rulePatterns(): RulePattern[] {
  const marker = "\u0000";
  return Object.entries(RULE_NAMES).flatMap(([rule, { names }]) =>
    names(marker).flatMap(([name, kind]) => {
      if (kind !== "trigger function" && kind !== "trigger") return [];
      const [prefix, suffix] = name.split(marker) as [string, string];
      return [{ rule, kind, prefix, suffix }];
    }),
  );
}

/** `LIKE` pattern for a name with `prefix`, at least one character, and `suffix` (escaped with `\`). */
function likePattern(pattern: RulePattern): string {
  const escape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return `${escape(pattern.prefix)}_%${escape(pattern.suffix)}`;
}

/**
 * The rule and `schema.table` a stale object was made for: of the patterns its name matches, the one
 * with the longest suffix (`..._update` rather than a table named `L_update`).
 */
function madeFor(
  patterns: readonly RulePattern[],
  kind: RulePattern["kind"],
  schema: string,
  name: string,
): { rule: string; table: string } {
  const matches = patterns
    .filter((p) => p.kind === kind && name.length > p.prefix.length + p.suffix.length)
    .filter((p) => name.startsWith(p.prefix) && name.endsWith(p.suffix))
    .sort((a, b) => b.suffix.length - a.suffix.length);
  const best = matches[0]!;
  return { rule: best.rule, table: `${schema}.${name.slice(best.prefix.length, name.length - best.suffix.length)}` };
}

/** `schema.table` of each of `tables` that exists as a table. */
async function readTables(query: CatalogQuery, tables: readonly TableName[]): Promise<Set<string>> {
  const rows = await query(
    `SELECT w ->> 0 AS schema, w ->> 1 AS name
       FROM pg_catalog.json_array_elements($1::pg_catalog.text::pg_catalog.json) AS w
      WHERE EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = w ->> 0 AND c.relname = w ->> 1 AND c.relkind IN ('r', 'p'))`,
    [JSON.stringify(tables.map((table) => [table.pgSchema ?? "public", table.name]))],
  );
  return new Set(rows.map((row) => `${String(row.schema)}.${String(row.name)}`));
}

interface FoundFunction {
  readonly schema: string;
  readonly name: string;
  readonly source: string;
  readonly securityDefiner: boolean;
  readonly config: readonly string[];
  readonly returnsTrigger: boolean;
}

/**
 * The functions without arguments that are among `wanted` (`[schema, name]`), or in one of `schemas`
 * with a name of one of `patterns`.
 */
async function readFunctions(
  query: CatalogQuery,
  wanted: readonly (readonly [string, string])[],
  schemas: readonly string[],
  patterns: readonly RulePattern[],
): Promise<Map<string, FoundFunction>> {
  const rows = await query(
    `SELECT n.nspname AS schema, p.proname AS name, p.prosrc AS source, p.prosecdef::pg_catalog.text AS security_definer,
            pg_catalog.to_json(coalesce(p.proconfig, '{}'))::pg_catalog.text AS config,
            (p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype)::pg_catalog.text AS returns_trigger
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE p.pronargs = 0
        AND ((n.nspname, p.proname) IN (SELECT w ->> 0, w ->> 1 FROM pg_catalog.json_array_elements($1::pg_catalog.text::pg_catalog.json -> 'wanted') AS w)
             OR (n.nspname IN (SELECT pg_catalog.json_array_elements_text($1::pg_catalog.text::pg_catalog.json -> 'schemas'))
                 AND p.proname LIKE ANY (SELECT pg_catalog.json_array_elements_text($1::pg_catalog.text::pg_catalog.json -> 'patterns'))))
      ORDER BY 1, 2`,
    [JSON.stringify({ wanted, schemas, patterns: patterns.map(likePattern) })],
  );
  const found = new Map<string, FoundFunction>();
  for (const row of rows) {
    const [schema, name] = [String(row.schema), String(row.name)];
    found.set(functionKey(schema, name), {
      schema,
      name,
      source: String(row.source),
      securityDefiner: String(row.security_definer) === "true",
      config: JSON.parse(String(row.config)) as string[],
      returnsTrigger: String(row.returns_trigger) === "true",
    });
  }
  return found;
}

function compareFunction(expected: RuleFunction, found: FoundFunction | undefined): string {
  if (found === undefined) return "missing";
  const problems: string[] = [];
  if (!found.returnsTrigger) problems.push("does not return trigger");
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

interface FoundTrigger {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  /** `pg_trigger.tgenabled`: `O` (origin and local sessions), `A` (always), `R` (replica only), `D` (disabled). */
  readonly enabled: string;
  /** How it fires, rendered as {@link firing} renders an expected trigger. */
  readonly firing: string;
  readonly function: { readonly schema: string; readonly name: string };
  readonly arguments: number;
  /** Its `WHEN` condition as `pg_get_triggerdef` deparses it, if any. */
  readonly when: string | undefined;
}

/**
 * The triggers among `wanted` (`[schema, table, trigger]`), and those on tables in one of `schemas`
 * with a name of one of `patterns`.
 */
async function readTriggers(
  query: CatalogQuery,
  wanted: readonly (readonly [string, string, string])[],
  schemas: readonly string[],
  patterns: readonly RulePattern[],
): Promise<Map<string, FoundTrigger>> {
  const rows = await query(
    `SELECT n.nspname AS schema, c.relname AS "table", t.tgname AS name, t.tgenabled::pg_catalog.text AS enabled,
            t.tgtype::pg_catalog.int4::pg_catalog.text AS type,
            (SELECT pg_catalog.to_json(coalesce(pg_catalog.array_agg(a.attname ORDER BY u.i), '{}'))
               FROM pg_catalog.unnest(t.tgattr::pg_catalog.int2[]) WITH ORDINALITY AS u(attnum, i)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = u.attnum)::pg_catalog.text AS columns,
            t.tgnewtable::pg_catalog.text AS new_table, t.tgoldtable::pg_catalog.text AS old_table,
            fn.nspname AS function_schema, f.proname AS function_name, t.tgnargs::pg_catalog.text AS arguments,
            t.tgqual IS NOT NULL AS has_when, pg_catalog.pg_get_triggerdef(t.oid) AS definition
       FROM pg_catalog.pg_trigger t
       JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
      WHERE NOT t.tgisinternal
        AND ((n.nspname, c.relname, t.tgname) IN
               (SELECT w ->> 0, w ->> 1, w ->> 2 FROM pg_catalog.json_array_elements($1::pg_catalog.text::pg_catalog.json -> 'wanted') AS w)
             OR (n.nspname IN (SELECT pg_catalog.json_array_elements_text($1::pg_catalog.text::pg_catalog.json -> 'schemas'))
                 AND t.tgname LIKE ANY (SELECT pg_catalog.json_array_elements_text($1::pg_catalog.text::pg_catalog.json -> 'patterns'))))
      ORDER BY 1, 2, 3`,
    [JSON.stringify({ wanted, schemas, patterns: patterns.map(likePattern) })],
  );
  const found = new Map<string, FoundTrigger>();
  for (const row of rows) {
    const type = Number(row.type);
    const [schema, table, name] = [String(row.schema), String(row.table), String(row.name)];
    const when = /\bWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) /s.exec(String(row.definition))?.[1];
    found.set(triggerKey(`${schema}.${table}`, name), {
      schema,
      table,
      name,
      enabled: String(row.enabled),
      firing: firing({
        timing: type & TG.BEFORE ? "BEFORE" : type & TG.INSTEAD ? "INSTEAD OF" : "AFTER",
        events: EVENTS.filter(([, bit]) => type & bit).map(([event]) => event),
        columns: JSON.parse(String(row.columns)) as string[],
        row: (type & TG.ROW) !== 0,
        newTable: row.new_table === null ? undefined : String(row.new_table),
        oldTable: row.old_table === null ? undefined : String(row.old_table),
      }),
      function: { schema: String(row.function_schema), name: String(row.function_name) },
      arguments: Number(row.arguments),
      when: row.has_when === true || String(row.has_when) === "true" ? (when ?? "?") : undefined,
    });
  }
  return found;
}

/** The bits of `pg_trigger.tgtype` (PostgreSQL's `TRIGGER_TYPE_*`). */
const TG = { ROW: 1, BEFORE: 2, INSERT: 4, DELETE: 8, UPDATE: 16, TRUNCATE: 32, INSTEAD: 64 } as const;

/** The events, in the order `pg_get_triggerdef` writes them. */
const EVENTS: readonly (readonly [string, number])[] = [
  ["INSERT", TG.INSERT],
  ["DELETE", TG.DELETE],
  ["UPDATE", TG.UPDATE],
  ["TRUNCATE", TG.TRUNCATE],
];

interface Firing {
  readonly timing: string;
  readonly events: readonly string[];
  /** The columns of `UPDATE OF`, none for any update. */
  readonly columns: readonly string[];
  readonly row: boolean;
  readonly newTable: string | undefined;
  readonly oldTable: string | undefined;
}

/** How a trigger fires, as one text: `AFTER UPDATE OF "id", "parent_id" FOR EACH ROW`. */
function firing(f: Firing): string {
  const events = f.events
    .map((event) =>
      event === "UPDATE" && f.columns.length > 0 ? `UPDATE OF ${f.columns.map(quoteIdent).join(", ")}` : event,
    )
    .join(" OR ");
  const referencing = [
    f.oldTable === undefined ? "" : ` OLD TABLE AS ${quoteIdent(f.oldTable)}`,
    f.newTable === undefined ? "" : ` NEW TABLE AS ${quoteIdent(f.newTable)}`,
  ].join("");
  return `${f.timing} ${events}${referencing === "" ? "" : ` REFERENCING${referencing}`} FOR EACH ${f.row ? "ROW" : "STATEMENT"}`;
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

/**
 * Compares the `shards` lists of the schema with the lists the database's table comments record (see
 * `sql/shard-lists.ts`): a list that lost or moved a shard, or changed `foreignShards`, differs, and so
 * does a list not recorded (yet) as the schema has it. The difference is on its first table, with the
 * list as its object.
 *
 * @example
 * ```ts
 * await compareShards(query, Object.values(schema));
 * // [{ table: "public.log_0", object: "shards public: log_0, log_1, log_2 (foreignShards 2)",
 * //    problem: "not recorded in the database (it records public: log_0, log_1 (foreignShards 2)) ..." }]
 * ```
 */
export async function compareShards(
  query: CatalogQuery,
  exports: Readonly<Record<string, unknown>> | readonly unknown[],
): Promise<Difference[]> {
  const lists = shardLists(exports);
  if (lists.length === 0) return [];
  const schemas = [...new Set(lists.map((list) => list.schema))];
  const { recorded, existing } = await recordedInDatabase(query, schemas);
  const { record, problems } = compareShardLists(recorded, existing, lists, "the database's table comments");
  const difference = (list: ShardList, problem: string): Difference => ({
    table: `${list.schema}.${list.names[0]}`,
    object: `shards ${describeList(list)}`,
    problem,
  });
  return [
    ...problems.map(({ list, problem }) => difference(list, `refused: ${problem}`)),
    ...record.map((list) =>
      difference(
        list,
        "not recorded on its tables: apply the migrations `drizzle-spector generate` writes, or run `drizzle-spector push`",
      ),
    ),
  ];
}

/** Options of {@link check}. */
export interface CheckOptions {
  /** drizzle-kit config file. Default: `drizzle.config.ts`, else `.mts`, `.cts`, `.js`, `.mjs` or `.cjs`, in that order. */
  readonly config?: string;
  /** Directory the command runs in. Default: the current one. */
  readonly cwd?: string;
  /** Where `DATABASE_URL` is read. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the report goes, one line per call. Default: `console.log`. */
  readonly log?: (line: string) => void;
  /** Report as one JSON document instead of lines. */
  readonly json?: boolean;
}

/** What {@link check} found. */
export interface CheckResult extends Comparison {
  /** The driver it connected with. */
  readonly driver: DriverName;
  /** What it connected to (no password). */
  readonly target: string;
}

/**
 * Loads the project, connects to its database (`DATABASE_URL`, else the config's `dbCredentials`)
 * and compares it with the schema ({@link compareRules}). Reports one line per difference and a
 * summary (or, with `json`, one JSON document). The command exits 1 when anything differs.
 *
 * @example
 * ```ts
 * const result = await check({ config: "drizzle.config.ts" });
 * // drizzle-spector check: postgres://app@db.internal:5432/app (from DATABASE_URL), through pg
 * // trigger enforce_same_parent_links on public.links: missing
 * // drizzle-spector check: 1 difference between the database and the rules of 1 table
 * if (result.differences.length > 0) process.exitCode = 1;
 * ```
 * @throws {GenerateError} when the project cannot be loaded or the database cannot be reached.
 */
export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { cwd, config, exports } = await loadProject(options);
  const connection = await connect(cwd, config as ConnectionConfig, options.env ?? process.env);
  let comparison: Comparison;
  try {
    comparison = await compareRules(connection.query, exports);
    const shards = await compareShards(connection.query, exports);
    comparison = { ...comparison, differences: [...comparison.differences, ...shards] };
  } catch (error) {
    throw new GenerateError(`could not read the catalogs of ${connection.target}: ${(error as Error).message}`);
  } finally {
    await connection.close();
  }
  const result: CheckResult = { ...comparison, driver: connection.driver, target: connection.target };
  if (options.json) {
    log(JSON.stringify({ ok: result.differences.length === 0, ...result }, null, 2));
    return result;
  }
  log(`drizzle-spector check: ${result.target}, through ${result.driver}`);
  for (const difference of result.differences) log(differenceLine(difference));
  const { rules, functions, triggers } = result.expected;
  const tables = `${rules} table${rules === 1 ? "" : "s"}`;
  const count = result.differences.length;
  log(
    count === 0
      ? `drizzle-spector check: the database matches the rules of ${tables} (${functions} functions, ${triggers} triggers)`
      : `drizzle-spector check: ${count} difference${count === 1 ? "" : "s"} between the database and the rules of ${tables}`,
  );
  return result;
}

/**
 * The Citus-layout tables among `targets` that are not distributed as the migration distributes them:
 * by `parent_id` (hash), a link table co-located with its events table. Nothing without Citus, or for
 * a table that is missing (reported already).
 */
async function compareDistribution(
  query: CatalogQuery,
  targets: ReturnType<typeof ruleTargets>,
  existing: ReadonlySet<string>,
): Promise<Difference[]> {
  const wanted = targets.filter((target) => target.rule.kind === "citus-distribution");
  if (wanted.length === 0) return [];
  const [citus] = await query(
    `SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') AS installed`,
    [],
  );
  if (citus?.installed !== true) return [];
  const tables = wanted.map((target) => target.meta as TableName & { readonly kind: string; readonly events?: string });
  const rows = await query(
    `SELECT w ->> 0 AS schema, w ->> 1 AS name, p.partmethod::pg_catalog.text AS method,
            pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) AS column, p.colocationid AS colocation
       FROM pg_catalog.json_array_elements($1::pg_catalog.text::pg_catalog.json) AS w
       LEFT JOIN pg_catalog.pg_dist_partition p
         ON p.logicalrelid = pg_catalog.to_regclass(pg_catalog.quote_ident(w ->> 0) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(w ->> 1))`,
    [
      JSON.stringify([
        ...tables.map((table) => [table.pgSchema ?? "public", table.name]),
        ...tables.filter((t) => t.kind === "link").map((t) => [t.pgSchema ?? "public", t.events!]),
      ]),
    ],
  );
  const found = new Map(rows.map((row) => [`${String(row.schema)}.${String(row.name)}`, row]));
  const differences: Difference[] = [];
  for (const table of tables) {
    const key = tableKey(table);
    if (!existing.has(key)) continue;
    const row = found.get(key);
    const object = `table ${key}`;
    if (row?.method == null) {
      differences.push({ table: key, object, problem: "not distributed (Citus is installed: run the migrations)" });
    } else if (row.method !== "h" || row.column !== "parent_id") {
      differences.push({
        table: key,
        object,
        problem: `distributed by ${String(row.column ?? "no column")} (method ${String(row.method)}), not hashed by parent_id`,
      });
    } else if (table.kind === "link") {
      const events = tableKey({ pgSchema: table.pgSchema, name: table.events! });
      if (found.get(events)?.colocation !== row.colocation) {
        differences.push({ table: key, object, problem: `not co-located with its events table ${events}` });
      }
    }
  }
  return differences;
}
