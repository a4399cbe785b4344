/**
 * Moving a record chain to this version's format ({@link RECORD_CHAIN_FORMAT}): the statement that
 * `drizzle-spector generate` writes before it replaces the chain's function, which verifies a table
 * chained in format 1 and recomputes its hashes and heads in format 2, in the migration's transaction.
 *
 * @module
 */
import { HEAD_COLUMNS, names } from "../naming/index.js";
import { verifyRecordsSql } from "../queries/verify-records.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { liftGuard, rehashLoop, rehashNames, restoreGuard } from "./record-chain-rehash.js";
import { RECORD_CHAIN_FORMAT } from "./record-hash.js";
import { dollarQuoted } from "./rule-objects.js";

/**
 * The line that opens the body of a record chain's function of format `format`: how the migration tells
 * which format a table is chained in (a function without it is format 1's).
 *
 * @example
 * ```ts
 * formatMarker(2); // "-- drizzle-spector record chain format 2"
 * ```
 */
export function formatMarker(format: number): string {
  return `-- drizzle-spector record chain format ${format}`;
}

/**
 * How the move to format 2 refuses a table whose format-1 chain does not verify: SQLSTATE `XX001`
 * (`data_corrupted`), naming the first broken event (or record, for a head), and nothing is changed.
 *
 * @example
 * ```ts
 * const refused = (error as { cause?: { code?: string } }).cause?.code === RECORD_FORMAT_ERROR.sqlstate;
 * ```
 */
export const RECORD_FORMAT_ERROR = {
  sqlstate: "XX001",
  message:
    "drizzle-spector: the record chain of %s does not verify in format 1 (%s): it cannot be moved to format %s, and nothing was changed; run drizzle-spector verify, and repair the table first",
} as const;

/**
 * The statement that moves events table `meta` from record chain format 1 to {@link RECORD_CHAIN_FORMAT},
 * when its record chain's function is format 1's (it exists, without {@link formatMarker}): under a
 * lock that keeps writers out until the migration commits, it verifies every record in format 1 (every
 * event's hash from its row and its predecessor's, every head), refuses with {@link RECORD_FORMAT_ERROR}
 * if anything fails, then recomputes every hash in format 2, in `id` order per record, and each head's
 * last hash (the append-only guard lifted for it and put back). A table with no record chain yet, or
 * one in this format, costs a catalog read.
 */
export function formatStatement(meta: EventTableMeta): string {
  const rehash = rehashNames(meta);
  const { table, headsTable } = rehash;
  const fn = quoteQualified(meta.pgSchema, names.recordChain.function(meta.name));
  const [headParent, lastHash] = [quoteIdent(HEAD_COLUMNS.parentId), quoteIdent(HEAD_COLUMNS.lastHash)];
  const error = RECORD_FORMAT_ERROR;
  const body = `DECLARE
  v_row record;
  v_parent uuid;
  v_hash bytea;
  v_bad_event text;
  v_bad_head text;
  v_guarded boolean;
  v_path text := pg_catalog.current_setting('search_path');
BEGIN
  -- only a table whose record chain is there, in format 1 (a function without the format's line)
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) ${quoteLiteral(table)}::pg_catalog.regclass
                   AND tgname OPERATOR(pg_catalog.=) ${quoteLiteral(names.recordChain.trigger(meta.name))})
     OR pg_catalog.to_regprocedure(${quoteLiteral(`${fn}()`)}) IS NULL
     OR pg_catalog.strpos((SELECT prosrc FROM pg_catalog.pg_proc
                            WHERE oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(${quoteLiteral(`${fn}()`)})),
                          ${quoteLiteral(formatMarker(RECORD_CHAIN_FORMAT))}) OPERATOR(pg_catalog.>) 0 THEN
    RETURN;
  END IF;
  -- other writers wait until the migration commits
  LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE;
  -- PostgreSQL's own operators for what follows, whatever the migrating role's path; restored below
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  SELECT v.bad_event, v.bad_head INTO v_bad_event, v_bad_head FROM (${verifyRecordsSql(meta, false, 1)}) AS v;
  IF v_bad_event IS NOT NULL OR v_bad_head IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(error.sqlstate)},
      MESSAGE = format(${quoteLiteral(error.message)}, ${quoteLiteral(table)},
        CASE WHEN v_bad_event IS NOT NULL THEN 'event ' || split_part(v_bad_event, ' ', 2) || ' of record ' || split_part(v_bad_event, ' ', 1)
             ELSE 'the head of record ' || v_bad_head END, ${RECORD_CHAIN_FORMAT}),
      SCHEMA = ${quoteLiteral(meta.pgSchema ?? "public")}, TABLE = ${quoteLiteral(meta.name)};
  END IF;
  ${liftGuard(meta, rehash)}
  ${rehashLoop(rehash, {
    row: "v_row",
    from: `FROM ${table} AS e`,
    writeHead: `UPDATE ${headsTable} AS h SET ${lastHash} = v_hash WHERE h.${headParent} = v_parent;`,
    atRecord: "",
    atEvent: "",
  })}
  IF v_parent IS NOT NULL THEN
    UPDATE ${headsTable} AS h SET ${lastHash} = v_hash WHERE h.${headParent} = v_parent;
  END IF;
  ${restoreGuard(rehash)}
END`;
  return `DO ${dollarQuoted(body)};`;
}
