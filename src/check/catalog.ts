/**
 * The catalog read of a database's comparison with the schema, in one statement through a
 * {@link CatalogQuery} whatever the driver: which tables exist, the rule functions and triggers found
 * (those the schema asks for, and those named as a rule names its objects, which may be stale), the
 * tables' comments (the `shards` lists' record), whether Citus is installed; and how a trigger fires,
 * rendered as one text so that a found trigger and an expected one compare. The name patterns of the
 * rules' objects are here too.
 *
 * @module
 */
import { RULE_NAMES } from "../naming/index.js";
import { quoteIdent } from "../sql/quote.js";
import type { FunctionResult } from "../sql/rule-objects.js";
import type { CatalogQuery } from "./query.js";

export const functionKey = (schema: string, name: string) => JSON.stringify(["function", schema, name]);
export const triggerKey = (table: string, name: string) => JSON.stringify(["trigger", table, name]);

/**
 * How a rule names its functions and triggers for a table `L`: a prefix and a suffix around `L`, read
 * from the names it derives (`RULE_NAMES`) for a table whose name no real name holds.
 */
export interface RulePattern {
  readonly rule: string;
  readonly kind: "trigger function" | "function" | "trigger";
  readonly prefix: string;
  readonly suffix: string;
}

export function rulePatterns(): RulePattern[] {
  const marker = "\u0000";
  return Object.entries(RULE_NAMES).flatMap(([rule, { names }]) =>
    names(marker).flatMap(([name, kind]) => {
      if (kind !== "trigger function" && kind !== "function" && kind !== "trigger") return [];
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
export function madeFor(
  patterns: readonly RulePattern[],
  kind: RulePattern["kind"] | readonly RulePattern["kind"][],
  schema: string,
  name: string,
): { rule: string; table: string } {
  const matches = patterns
    .filter(
      (p) =>
        (typeof kind === "string" ? p.kind === kind : kind.includes(p.kind)) &&
        name.length > p.prefix.length + p.suffix.length,
    )
    .filter((p) => name.startsWith(p.prefix) && name.endsWith(p.suffix))
    .sort((a, b) => b.suffix.length - a.suffix.length);
  const best = matches[0]!;
  return { rule: best.rule, table: `${schema}.${name.slice(best.prefix.length, name.length - best.suffix.length)}` };
}

/** What {@link readCatalog} looks for. */
export interface CatalogRequest {
  /** `[schema, table]`: the tables whose existence matters. */
  readonly tables: readonly (readonly [string, string])[];
  /** `[schema, name]`: the functions (without arguments) the schema asks for. */
  readonly functions: readonly (readonly [string, string])[];
  /** `[schema, table, trigger]`: the triggers the schema asks for. */
  readonly triggers: readonly (readonly [string, string, string])[];
  /** The schemas searched for stale objects: functions and triggers named as a rule names its own. */
  readonly schemas: readonly string[];
  /** The schemas whose tables' comments are read (where `shards` lists are recorded). */
  readonly commentSchemas: readonly string[];
}

/** A table of one of the request's `commentSchemas`, with its comment. */
export interface CommentedTable {
  readonly schema: string;
  readonly name: string;
  readonly comment: string | null;
}

/** What the catalogs hold of a {@link CatalogRequest}. */
export interface Catalog {
  /** `schema.table` of each requested table that exists. */
  readonly tables: ReadonlySet<string>;
  readonly functions: ReadonlyMap<string, FoundFunction>;
  readonly triggers: ReadonlyMap<string, FoundTrigger>;
  /** Every table of the `commentSchemas`, by schema and name. */
  readonly comments: readonly CommentedTable[];
  /** Whether the `citus` extension is installed. */
  readonly citus: boolean;
}

/** The one statement {@link readCatalog} runs: each part a JSON array, as text (any driver reads text alike). */
const CATALOG_SQL = `WITH request AS (SELECT $1::pg_catalog.text::pg_catalog.json AS r)
SELECT
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(w ->> 0, w ->> 1))
     FROM request, pg_catalog.json_array_elements(r -> 'tables') AS w
    WHERE EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = w ->> 0 AND c.relname = w ->> 1 AND c.relkind IN ('r', 'p')))::pg_catalog.text AS tables,
  (SELECT pg_catalog.json_agg(f) FROM (
     SELECT n.nspname AS schema, p.proname AS name, p.prosrc AS source, p.prosecdef::pg_catalog.text AS security_definer,
            pg_catalog.to_json(coalesce(p.proconfig, '{}'))::pg_catalog.text AS config,
            pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
            pg_catalog.json_build_array(p.proretset, rn.nspname, rt.typname)::pg_catalog.text AS returns
       FROM request, pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_catalog.pg_type rt ON rt.oid = p.prorettype JOIN pg_catalog.pg_namespace rn ON rn.oid = rt.typnamespace
      WHERE (p.pronargs = 0 OR p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype)
        AND ((n.nspname, p.proname) IN (SELECT w ->> 0, w ->> 1 FROM pg_catalog.json_array_elements(r -> 'functions') AS w)
             OR (n.nspname IN (SELECT pg_catalog.json_array_elements_text(r -> 'schemas'))
                 AND p.proname LIKE ANY (SELECT pg_catalog.json_array_elements_text(r -> 'functionPatterns'))))
      ORDER BY 1, 2) AS f)::pg_catalog.text AS functions,
  (SELECT pg_catalog.json_agg(t) FROM (
     SELECT n.nspname AS schema, c.relname AS "table", t.tgname AS name, t.tgenabled::pg_catalog.text AS enabled,
            t.tgtype::pg_catalog.int4::pg_catalog.text AS type,
            (SELECT pg_catalog.to_json(coalesce(pg_catalog.array_agg(a.attname ORDER BY u.i), '{}'))
               FROM pg_catalog.unnest(t.tgattr::pg_catalog.int2[]) WITH ORDINALITY AS u(attnum, i)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = u.attnum)::pg_catalog.text AS columns,
            t.tgnewtable::pg_catalog.text AS new_table, t.tgoldtable::pg_catalog.text AS old_table,
            fn.nspname AS function_schema, f.proname AS function_name, t.tgnargs::pg_catalog.text AS arguments,
            t.tgqual IS NOT NULL AS has_when, pg_catalog.pg_get_triggerdef(t.oid) AS definition
       FROM request, pg_catalog.pg_trigger t
       JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
      WHERE NOT t.tgisinternal
        AND ((n.nspname, c.relname, t.tgname) IN
               (SELECT w ->> 0, w ->> 1, w ->> 2 FROM pg_catalog.json_array_elements(r -> 'triggers') AS w)
             OR (n.nspname IN (SELECT pg_catalog.json_array_elements_text(r -> 'schemas'))
                 AND t.tgname LIKE ANY (SELECT pg_catalog.json_array_elements_text(r -> 'triggerPatterns'))))
      ORDER BY 1, 2, 3) AS t)::pg_catalog.text AS triggers,
  (SELECT pg_catalog.json_agg(d) FROM (
     SELECT n.nspname AS schema, c.relname AS name, pg_catalog.obj_description(c.oid, 'pg_class') AS comment
       FROM request, pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN (SELECT pg_catalog.json_array_elements_text(r -> 'commentSchemas'))
      ORDER BY 1, 2) AS d)::pg_catalog.text AS comments,
  EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')::pg_catalog.text AS citus`;

/**
 * Reads, in one statement, what the catalogs hold of `request`: which tables exist, the functions
 * (without arguments, or returning no trigger) and triggers found (those asked for, and those in `schemas` named as a rule of `patterns` names its
 * objects, which may be stale), the tables' comments of `commentSchemas`, and whether Citus is there.
 *
 * @example
 * ```ts
 * const catalog = await readCatalog(query, {
 *   tables: [["public", "links"]], functions: [], triggers: [], schemas: ["public"], commentSchemas: [],
 * }, rulePatterns());
 * catalog.tables.has("public.links"); // true once the table exists
 * ```
 */
export async function readCatalog(
  query: CatalogQuery,
  request: CatalogRequest,
  patterns: readonly RulePattern[],
): Promise<Catalog> {
  const [row] = await query(CATALOG_SQL, [
    JSON.stringify({
      ...request,
      functionPatterns: patterns.filter((p) => p.kind === "trigger function" || p.kind === "function").map(likePattern),
      triggerPatterns: patterns.filter((p) => p.kind === "trigger").map(likePattern),
    }),
  ]);
  const list = (value: unknown) => (value == null ? [] : (JSON.parse(String(value)) as Record<string, unknown>[]));
  const tables = (row?.tables == null ? [] : (JSON.parse(String(row.tables)) as [string, string][])).map(
    ([schema, name]) => `${schema}.${name}`,
  );
  return {
    tables: new Set(tables),
    functions: new Map(
      list(row?.functions)
        .map(foundFunction)
        .map((fn) => [functionKey(fn.schema, fn.name), fn]),
    ),
    triggers: new Map(
      list(row?.triggers)
        .map(foundTrigger)
        .map((trigger) => [triggerKey(`${trigger.schema}.${trigger.table}`, trigger.name), trigger]),
    ),
    comments: list(row?.comments).map((d) => ({
      schema: String(d.schema),
      name: String(d.name),
      comment: d.comment == null ? null : String(d.comment),
    })),
    citus: String(row?.citus) === "true",
  };
}

export interface FoundFunction {
  readonly schema: string;
  readonly name: string;
  readonly source: string;
  readonly securityDefiner: boolean;
  readonly config: readonly string[];
  /** Its arguments, as `pg_get_function_identity_arguments` renders them. */
  readonly arguments: string;
  /** What it returns. */
  readonly returns: FunctionResult;
}

function foundFunction(row: Record<string, unknown>): FoundFunction {
  return {
    schema: String(row.schema),
    name: String(row.name),
    source: String(row.source),
    securityDefiner: String(row.security_definer) === "true",
    config: JSON.parse(String(row.config)) as string[],
    arguments: String(row.arguments),
    returns: ((setOf, schema, type) => ({ setOf, schema, type }))(
      ...(JSON.parse(String(row.returns)) as [boolean, string, string]),
    ),
  };
}

export interface FoundTrigger {
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

function foundTrigger(row: Record<string, unknown>): FoundTrigger {
  const type = Number(row.type);
  const when = /\bWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) /s.exec(String(row.definition))?.[1];
  return {
    schema: String(row.schema),
    table: String(row.table),
    name: String(row.name),
    enabled: String(row.enabled),
    firing: firing({
      timing: type & TG.BEFORE ? "BEFORE" : type & TG.INSTEAD ? "INSTEAD OF" : "AFTER",
      events: EVENTS.filter(([, bit]) => type & bit).map(([event]) => event),
      columns: JSON.parse(String(row.columns)) as string[],
      row: (type & TG.ROW) !== 0,
      newTable: row.new_table == null ? undefined : String(row.new_table),
      oldTable: row.old_table == null ? undefined : String(row.old_table),
    }),
    function: { schema: String(row.function_schema), name: String(row.function_name) },
    arguments: Number(row.arguments),
    when: row.has_when === true || String(row.has_when) === "true" ? (when ?? "?") : undefined,
  };
}

/** The bits of `pg_trigger.tgtype` (PostgreSQL's `TRIGGER_TYPE_*`). */
const TG = { ROW: 1, BEFORE: 2, INSERT: 4, DELETE: 8, UPDATE: 16, TRUNCATE: 32, INSTEAD: 64 } as const;

/** The events, in the order `pg_get_triggerdef` writes them. */
export const EVENTS: readonly (readonly [string, number])[] = [
  ["INSERT", TG.INSERT],
  ["DELETE", TG.DELETE],
  ["UPDATE", TG.UPDATE],
  ["TRUNCATE", TG.TRUNCATE],
];

export interface Firing {
  readonly timing: string;
  readonly events: readonly string[];
  /** The columns of `UPDATE OF`, none for any update. */
  readonly columns: readonly string[];
  readonly row: boolean;
  readonly newTable: string | undefined;
  readonly oldTable: string | undefined;
}

/** How a trigger fires, as one text: `AFTER UPDATE OF "id", "parent_id" FOR EACH ROW`. */
export function firing(f: Firing): string {
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
