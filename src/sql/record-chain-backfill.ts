/**
 * The record chain's backfill: the statement that chains the events an events table held before the
 * record chain was installed on it.
 *
 * @module
 */
import { HEAD_COLUMNS, names } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral } from "./quote.js";
import { liftGuard, rehashLoop, rehashNames, restoreGuard } from "./record-chain-rehash.js";
import { dollarQuoted } from "./rule-objects.js";

/**
 * The statement that chains the events written before the record chain was installed: when the table
 * has no record-chain trigger yet, every record without a head gets its events' hashes, in `id`
 * order, and its head, as the trigger would have written them, under a lock that keeps other writers
 * out until the migration commits. The append-only guard, if the table has one already, is lifted for
 * it and put back in the same transaction. A table without such records costs one anti-join.
 */
export function backfillStatement(meta: EventTableMeta): string {
  const rehash = rehashNames(meta);
  const { table, headsTable, parentId } = rehash;
  const [headParent, lastId, lastHash, count] = [
    HEAD_COLUMNS.parentId,
    HEAD_COLUMNS.lastId,
    HEAD_COLUMNS.lastHash,
    HEAD_COLUMNS.eventCount,
  ].map(quoteIdent) as [string, string, string, string];
  const unchained = `FROM ${table} AS e WHERE NOT EXISTS (SELECT FROM ${headsTable} AS h WHERE h.${headParent} = e.${parentId})`;
  const body = `DECLARE
  r record;
  v_parent uuid;
  v_last uuid;
  v_hash bytea;
  v_count bigint := 0;
  v_guarded boolean;
  v_path text := pg_catalog.current_setting('search_path');
BEGIN
  -- only where the chain is new: a trigger already there means rows without a head were written
  -- around it, which verification must go on reporting (a new version of the rule is installed again)
  IF EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) ${quoteLiteral(table)}::pg_catalog.regclass
               AND tgname OPERATOR(pg_catalog.=) ${quoteLiteral(names.recordChain.trigger(meta.name))}) THEN
    RETURN;
  END IF;
  -- other writers wait until the migration commits, as the trigger's creation right after makes them
  LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE;
  PERFORM 1 ${unchained} LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- PostgreSQL's own operators for what follows, whatever the migrating role's path; restored below
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  ${liftGuard(meta, rehash)}
  ${rehashLoop(rehash, {
    row: "r",
    from: unchained,
    writeHead: `INSERT INTO ${headsTable} (${headParent}, ${lastId}, ${lastHash}, ${count}) VALUES (v_parent, v_last, v_hash, v_count);`,
    atRecord: `
      v_count := 0;`,
    atEvent: `
    v_last := r.id;
    v_count := v_count + 1;`,
  })}
  INSERT INTO ${headsTable} (${headParent}, ${lastId}, ${lastHash}, ${count}) VALUES (v_parent, v_last, v_hash, v_count);
  ${restoreGuard(rehash)}
END`;
  return `DO ${dollarQuoted(body)};`;
}
