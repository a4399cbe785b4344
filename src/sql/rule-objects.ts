/**
 * What a rule installs, described as data: the functions and triggers, as the catalogs hold them. The
 * SQL that creates them is rendered from this, and `drizzle-spector check` compares a live database
 * with it.
 *
 * @module
 */
import type { TableName } from "../naming/index.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";

/**
 * The `SET` clause of the record-chain and append-only functions: whoever calls them, `search_path` is
 * `pg_catalog` then `pg_temp`, so that every operator, function and type their bodies name is
 * PostgreSQL's own, never one the caller put first in their path (their tables are schema-qualified,
 * and `pg_temp` last means a temporary table cannot stand in for one). The same-parent functions do
 * without it, for speed, and name everything by its schema instead (`SAME_PARENT_FUNCTION_CONFIG` in
 * `same-parent.ts`).
 */
export const PINNED_SEARCH_PATH: readonly string[] = ["search_path=pg_catalog, pg_temp"];

/** A function a rule installs, as `pg_proc` holds it (what `drizzle-spector check` compares). */
export interface RuleFunction {
  readonly schema: string | undefined;
  readonly name: string;
  /** The body, exactly as `pg_proc.prosrc` holds it. */
  readonly source: string;
  /** `SECURITY DEFINER` (`pg_proc.prosecdef`). */
  readonly securityDefiner: boolean;
  /** Its `SET` clauses, as `pg_proc.proconfig` holds them. */
  readonly config: readonly string[];
  /** Its arguments, as `pg_get_function_identity_arguments` renders them: none when left out. */
  readonly arguments?: string;
  /** What it returns: a set of a table's rows; `trigger` when left out. */
  readonly returns?: FunctionResult;
}

/** What a function returns: `SETOF schema.type`, or one value of it. */
export interface FunctionResult {
  readonly setOf: boolean;
  readonly schema: string;
  readonly type: string;
}

/** `trigger`, what a rule's function returns unless it says otherwise. */
export const TRIGGER_RESULT: FunctionResult = { setOf: false, schema: "pg_catalog", type: "trigger" };

/** A function's result as SQL writes it: `trigger`, `SETOF "public"."events"`. */
export function resultSql(result: FunctionResult): string {
  if (result === TRIGGER_RESULT) return "trigger";
  return `${result.setOf ? "SETOF " : ""}${quoteQualified(result.schema, result.type)}`;
}

/** A trigger a rule installs. */
export interface RuleTrigger {
  readonly name: string;
  /** The table it is on. */
  readonly table: TableName;
  /** The function it runs (in the schema of {@link RuleTrigger.table}). */
  readonly function: string;
  /** What fires it: `AFTER INSERT`, `AFTER UPDATE`, `AFTER UPDATE OF ...`, `BEFORE UPDATE OR DELETE`. */
  readonly event: string;
  /** `FOR EACH STATEMENT` or `FOR EACH ROW`. */
  readonly level: "statement" | "row";
  /** The name a statement trigger's new rows go by (`REFERENCING NEW TABLE AS ...`), if it reads them. */
  readonly newTable?: string;
  /**
   * Fires in replica sessions too (`ENABLE ALWAYS`), so that `session_replication_role = replica`
   * does not switch it off: only a role that may alter the table can.
   */
  readonly always?: boolean;
  /** The `WHEN` condition of a row trigger, if any. */
  readonly when?: string;
}

/** Everything a rule installs on one table. */
export interface RuleObjects {
  readonly functions: readonly RuleFunction[];
  readonly triggers: readonly RuleTrigger[];
  /** Tables its functions use besides the one it guards (drizzle-kit creates them). */
  readonly tables?: readonly TableName[];
}

/**
 * The statements that install `objects`: each function (a `SECURITY DEFINER` one with `EXECUTE` revoked
 * from `PUBLIC`), then each trigger, `CREATE OR REPLACE` throughout.
 */
export function createStatements(objects: RuleObjects): string[] {
  return [
    ...objects.functions.flatMap((fn) => [
      createFunction(fn),
      // PostgreSQL lets PUBLIC execute a new function: a SECURITY DEFINER one must run only as the trigger
      // it is made for (firing a trigger checks no EXECUTE privilege)
      ...(fn.securityDefiner
        ? [`REVOKE EXECUTE ON FUNCTION ${quoteQualified(fn.schema, fn.name)}(${fn.arguments ?? ""}) FROM PUBLIC;`]
        : []),
    ]),
    ...objects.triggers.flatMap((trigger) => [
      createTrigger(trigger),
      ...(trigger.always
        ? [
            `ALTER TABLE ${quoteQualified(trigger.table.pgSchema, trigger.table.name)} ENABLE ALWAYS TRIGGER ${quoteIdent(trigger.name)};`,
          ]
        : []),
    ]),
  ];
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

/** A body between dollar quotes whose tag it does not hold. */
export function dollarQuoted(body: string): string {
  const tag = bodyTag(body);
  return `${tag}\n${body}\n${tag}`;
}

/** `CREATE OR REPLACE FUNCTION` for a rule's function (a trigger function unless it says what it returns). */
export function createFunction(fn: RuleFunction): string {
  const tag = bodyTag(fn.source);
  const config = fn.config
    .map((setting) => {
      const [name, value] = [setting.slice(0, setting.indexOf("=")), setting.slice(setting.indexOf("=") + 1)];
      return `\n  SET ${name} = ${value.split(", ").map(quoteLiteral).join(", ")}`;
    })
    .join("");
  return (
    `CREATE OR REPLACE FUNCTION ${quoteQualified(fn.schema, fn.name)}(${fn.arguments ?? ""}) RETURNS ${resultSql(fn.returns ?? TRIGGER_RESULT)} LANGUAGE plpgsql` +
    `${fn.securityDefiner ? " SECURITY DEFINER" : ""}${config}\n  AS ${tag}${fn.source}${tag};`
  );
}

/** `CREATE OR REPLACE TRIGGER` for a trigger. */
export function createTrigger(trigger: RuleTrigger): string {
  const referencing =
    trigger.newTable === undefined ? "" : `  REFERENCING NEW TABLE AS ${quoteIdent(trigger.newTable)}\n`;
  const level =
    trigger.level === "statement"
      ? `${referencing}  FOR EACH STATEMENT`
      : `  FOR EACH ROW${trigger.when === undefined ? "" : ` WHEN (${trigger.when})`}`;
  return (
    `CREATE OR REPLACE TRIGGER ${quoteIdent(trigger.name)} ${trigger.event} ON ${quoteQualified(trigger.table.pgSchema, trigger.table.name)}\n` +
    `${level} EXECUTE FUNCTION ${quoteQualified(trigger.table.pgSchema, trigger.function)}();`
  );
}
