/**
 * What a rule installs, described as data: the functions and triggers, as the catalogs hold them. The
 * SQL that creates them is rendered from this, and `drizzle-spector check` compares a live database
 * with it.
 *
 * @module
 */
import type { TableName } from "../naming.js";

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
}

/** A trigger a rule installs. */
export interface RuleTrigger {
  readonly name: string;
  /** The table it is on. */
  readonly table: TableName;
  /** The function it runs (in the schema of {@link RuleTrigger.table}). */
  readonly function: string;
  /** What fires it: `AFTER INSERT`, `AFTER UPDATE`, `AFTER UPDATE OF ...`. */
  readonly event: string;
  /** `FOR EACH STATEMENT` over the new rows (`REFERENCING NEW TABLE`), or `FOR EACH ROW`. */
  readonly level: "statement" | "row";
  /** The `WHEN` condition of a row trigger, if any. */
  readonly when?: string;
}

/** Everything a rule installs on one table. */
export interface RuleObjects {
  readonly functions: readonly RuleFunction[];
  readonly triggers: readonly RuleTrigger[];
}
