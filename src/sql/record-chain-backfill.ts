/**
 * The record chain's backfill: the statement that chains the events an events table held before the
 * record chain was installed on it.
 *
 * @module
 */
import { COLUMNS, HEAD_COLUMNS, names } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { hashedColumnsOf, headsTableOf, recordDigest, recordHash } from "./record-hash.js";
import { dollarQuoted } from "./rule-objects.js";

/**
 * The statement that chains the events written before the record chain was installed: when the table
 * has no record-chain trigger yet, every record without a head gets its events' hashes, in `id`
 * order, and its head, as the trigger would have written them, under a lock that keeps other writers
 * out until the migration commits. The append-only guard, if the table has one already, is lifted for
 * it and put back in the same transaction. A table without such records costs one anti-join.
 */
export function backfillStatement(meta: EventTableMeta): string {
  const q = quoteIdent;
  const table = quoteQualified(meta.pgSchema, meta.name);
  const heads = headsTableOf(meta);
  const headsTable = quoteQualified(heads.pgSchema, heads.name);
  const guard = quoteIdent(names.appendOnly.trigger(meta.name));
  const [id, parentId, hash] = [q(COLUMNS.id), q(COLUMNS.parentId), q(COLUMNS.hash)];
  const [headParent, lastId, lastHash, count] = [
    HEAD_COLUMNS.parentId,
    HEAD_COLUMNS.lastId,
    HEAD_COLUMNS.lastHash,
    HEAD_COLUMNS.eventCount,
  ].map(q) as [string, string, string, string];
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
  SELECT tgenabled <> 'D' INTO v_guarded FROM pg_catalog.pg_trigger
   WHERE tgrelid = ${quoteLiteral(table)}::pg_catalog.regclass AND tgname = ${quoteLiteral(names.appendOnly.trigger(meta.name))};
  IF v_guarded THEN
    EXECUTE ${quoteLiteral(`ALTER TABLE ${table} DISABLE TRIGGER ${guard}`)};
  END IF;
  FOR r IN SELECT e.${id} AS id, e.${parentId} AS parent_id, ${recordDigest(hashedColumnsOf("e"))} AS digest
             ${unchained} ORDER BY e.${parentId}, e.${id} LOOP
    IF r.parent_id IS DISTINCT FROM v_parent THEN
      IF v_parent IS NOT NULL THEN
        INSERT INTO ${headsTable} (${headParent}, ${lastId}, ${lastHash}, ${count}) VALUES (v_parent, v_last, v_hash, v_count);
      END IF;
      v_parent := r.parent_id;
      v_hash := NULL;
      v_count := 0;
    END IF;
    v_hash := ${recordHash("v_hash", "r.digest")};
    v_last := r.id;
    v_count := v_count + 1;
    UPDATE ${table} AS e SET ${hash} = v_hash WHERE e.${id} = r.id;
  END LOOP;
  INSERT INTO ${headsTable} (${headParent}, ${lastId}, ${lastHash}, ${count}) VALUES (v_parent, v_last, v_hash, v_count);
  IF v_guarded THEN
    EXECUTE ${quoteLiteral(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${guard}`)};
  END IF;
  PERFORM pg_catalog.set_config('search_path', v_path, true);
END`;
  return `DO ${dollarQuoted(body)};`;
}
