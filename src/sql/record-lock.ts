/**
 * The record lock of a table with heads (`hashed: "record"`): `lock_record_T(parent uuid)`, which an
 * append with an expected version calls in the same statement as its `INSERT`, so that the version it
 * compares is the record's latest, under the record's lock, whatever the isolation level.
 *
 * @module
 */
import { HEAD_COLUMNS, names, type TableName } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "./quote.js";
import { headsTableOf } from "./record-hash.js";
import { PINNED_SEARCH_PATH, type RuleFunction } from "./rule-objects.js";

/**
 * The arguments of `lock_record_T`, as `pg_get_function_identity_arguments` renders them: the record,
 * and what it returns as `OUT` parameters of built-in types (a result of `T_heads`' row type would make
 * the function depend on the table, and stop drizzle-kit dropping or altering it).
 */
export const LOCK_RECORD_ARGUMENTS = "parent uuid, OUT parent_id uuid, OUT last_id uuid, OUT event_count bigint";

/**
 * `lock_record_T(parent uuid) RETURNS TABLE (parent_id uuid, last_id uuid, event_count bigint)`:
 * record `parent`'s head, its row locked `FOR UPDATE` (no row when the record has no head). `SECURITY DEFINER` (writers have no `UPDATE` on `T_heads`, which
 * `FOR UPDATE` needs), with the rules' pinned `search_path`; `EXECUTE` is revoked from `PUBLIC`: grant
 * it to the roles that append with an expected version.
 *
 * A PL/pgSQL function takes a new snapshot for each statement it runs at READ COMMITTED, and
 * `FOR UPDATE` waits for a concurrent append to the record (whose trigger holds the head's lock until it
 * commits), then returns the head as that append left it: the version compared is the latest. Under
 * REPEATABLE READ and SERIALIZABLE, a head that another transaction changed after the snapshot fails
 * the lock with SQLSTATE 40001 instead (never a stale version).
 *
 * @example
 * ```ts
 * lockRecordFunction({ pgSchema: undefined, name: "events" }).name; // "lock_record_events"
 * ```
 */
export function lockRecordFunction(meta: TableName): RuleFunction {
  const heads = headsTableOf(meta);
  const body = `BEGIN
  RETURN QUERY SELECT h.${quoteIdent(HEAD_COLUMNS.parentId)}, h.${quoteIdent(HEAD_COLUMNS.lastId)}, h.${quoteIdent(HEAD_COLUMNS.eventCount)}
    FROM ${quoteQualified(heads.pgSchema, heads.name)} AS h
    WHERE h.${quoteIdent(HEAD_COLUMNS.parentId)} = parent FOR UPDATE;
END`;
  return {
    schema: meta.pgSchema,
    name: names.recordChain.lockRecord(meta.name),
    source: `\n${body}\n`,
    securityDefiner: true,
    config: PINNED_SEARCH_PATH,
    arguments: LOCK_RECORD_ARGUMENTS,
    returns: { setOf: true, schema: "pg_catalog", type: "record" },
  };
}

/** The statement that removes `lock_record_T(uuid)` from events table `table`. */
export function dropLockRecordStatement(table: TableName): string {
  return `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.recordChain.lockRecord(table.name))}(uuid);`;
}
