/**
 * Record heads (`versioned: true`) on the Citus layout (`layout: "citus"`). Citus runs a row trigger of
 * a distributed table on each of its shards, on the worker that holds it, and refuses there any query
 * of a distributed table ("cannot execute a distributed query from a query on a shard"). So the heads
 * function finds the shard of `T_heads` co-located with the shard of `T` it fires on (the same hash
 * range of `parent_id`, from Citus's `pg_dist_shard`) and reads and writes both by name, in dynamic
 * SQL. Where `T` is a plain table (PGlite, PostgreSQL, or Citus before the table is distributed) it
 * fires on `T` itself and uses `T` and `T_heads`. It refuses what the heads' trigger refuses elsewhere
 * (`RECORD_CHAIN_ERRORS`), but tells an event of no record from one whose `parent_id` is a later event
 * only within the record's shard (`noRecord` for both).
 *
 * @module
 */
import { COLUMNS, HEAD_COLUMNS, names, type TableName } from "../naming/index.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { laterIdChecks } from "./record-chain-ids.js";
import { RECORD_CHAIN_ERRORS, RECORD_ID_MAX_AHEAD_SECONDS } from "./record-chain.js";
import { headsTableOf } from "./record-hash.js";

/**
 * The statement that lets the migration's transaction create a row trigger on a distributed table (and
 * distribute a table that has one): Citus refuses both unless `citus.enable_unsafe_triggers` is on. It
 * is set for the transaction only; elsewhere the setting is a placeholder that nothing reads.
 *
 * @example
 * ```ts
 * CITUS_TRIGGERS_STATEMENT; // "SELECT pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);"
 * ```
 */
export const CITUS_TRIGGERS_STATEMENT = "SELECT pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);";

/**
 * The body of `record_heads_T()` for a Citus-layout events table `T` (see the module's description).
 *
 * @example
 * ```ts
 * citusHeadsFunctionBody({ pgSchema: undefined, name: "events" }).includes("pg_dist_shard"); // true
 * ```
 */
export function citusHeadsFunctionBody(meta: TableName): string {
  const q = quoteIdent;
  const schema = meta.pgSchema ?? "public";
  const table = quoteQualified(meta.pgSchema, meta.name);
  const heads = headsTableOf(meta);
  const headsTable = quoteQualified(heads.pgSchema, heads.name);
  const [id, parentId] = [q(COLUMNS.id), q(COLUMNS.parentId)];
  const [headParent, lastId, count] = [HEAD_COLUMNS.parentId, HEAD_COLUMNS.lastId, HEAD_COLUMNS.eventCount].map(q);
  const raise = (error: { sqlstate: string; message: string }, args = `NEW.${parentId}, ${quoteLiteral(table)}`) =>
    `RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(error.sqlstate)},
        MESSAGE = format(${quoteLiteral(error.message)}, ${args}),
        SCHEMA = ${quoteLiteral(schema)}, TABLE = ${quoteLiteral(meta.name)};`;
  const fn = `${quoteQualified(meta.pgSchema, names.recordVersion.function(meta.name))}()`;
  const elsewhere = `RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(RECORD_CHAIN_ERRORS.elsewhere.sqlstate)},
      MESSAGE = format(${quoteLiteral(RECORD_CHAIN_ERRORS.elsewhere.message)}, ${quoteLiteral(fn)}, ${quoteLiteral(table)},
                       format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME));`;
  // an event of this record with this id, in the shard the trigger fires on (`$1` parent, `$2` id)
  const taken = `EXECUTE format('SELECT EXISTS (SELECT FROM %s AS e WHERE e.${parentId} = $1 AND e.${id} = $2)', v_events)
    INTO v_taken USING NEW.${parentId}, NEW.${id};`;
  const notAfter = raise(
    RECORD_CHAIN_ERRORS.notAfter,
    `NEW.${id}, v_last_id, NEW.${parentId}, ${quoteLiteral(table)}, ${quoteLiteral(quoteQualified(meta.pgSchema, names.recordChain.nextEventId(meta.name)))}`,
  );
  const shardOf = `SELECT pg_catalog.shard_name($1::pg_catalog.regclass, h.shardid)
      FROM pg_catalog.pg_dist_shard AS e JOIN pg_catalog.pg_dist_shard AS h ON h.shardminvalue = e.shardminvalue
     WHERE e.shardid = $2 AND e.logicalrelid = $3::pg_catalog.regclass AND h.logicalrelid = $1::pg_catalog.regclass`;
  return `DECLARE
  v_events text;
  v_heads text;
  v_last_id uuid;
  v_taken boolean;
  v_rows bigint;
BEGIN
  IF TG_TABLE_SCHEMA <> ${quoteLiteral(schema)} OR TG_OP <> 'INSERT' OR TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' THEN
    ${elsewhere}
  END IF;
  IF TG_TABLE_NAME = ${quoteLiteral(meta.name)} THEN
    v_events := ${quoteLiteral(table)};
    v_heads := ${quoteLiteral(headsTable)};
  ELSE
    -- a shard of the table on a Citus node: the heads' shard over the same hash range of parent_id
    EXECUTE ${quoteLiteral(shardOf)} INTO v_heads
      USING ${quoteLiteral(headsTable)}, substring(TG_TABLE_NAME FROM '_([0-9]+)$')::bigint, ${quoteLiteral(table)};
    IF v_heads IS NULL THEN
      ${elsewhere}
    END IF;
    v_events := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME);
  END IF;
  ${taken}
  IF v_taken THEN
    RETURN NEW;
  END IF;
  IF NEW.${id} IS NOT NULL AND (substr(NEW.${id}::text, 15, 1) <> '7' OR substr(NEW.${id}::text, 20, 1) NOT IN ('8', '9', 'a', 'b')
      OR ('x' || translate(left(NEW.${id}::text, 13), '-', ''))::bit(48)::bigint
         > floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + ${RECORD_ID_MAX_AHEAD_SECONDS * 1000}) THEN
    ${raise(RECORD_CHAIN_ERRORS.badId, `NEW.${id}, NEW.${parentId}, ${quoteLiteral(table)}, clock_timestamp()`)}
  END IF;
  EXECUTE format('UPDATE %s AS h SET ${lastId} = $2, ${count} = h.${count} + 1 WHERE h.${headParent} = $1 AND h.${lastId} < $2', v_heads)
    USING NEW.${parentId}, NEW.${id};
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  IF v_rows > 0 THEN
    RETURN NEW;
  END IF;
  EXECUTE format('SELECT h.${lastId} FROM %s AS h WHERE h.${headParent} = $1 FOR UPDATE', v_heads)
    INTO v_last_id USING NEW.${parentId};
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  IF v_rows > 0 THEN
    -- under the head's lock: an insert of this id that committed while this one waited leaves it to the key
    ${taken}
    IF v_taken THEN
      RETURN NEW;
    END IF;
    ${laterIdChecks(id, parentId, table, raise(RECORD_CHAIN_ERRORS.duplicate), notAfter)}
    EXECUTE format('UPDATE %s AS h SET ${lastId} = $2, ${count} = h.${count} + 1 WHERE h.${headParent} = $1', v_heads)
      USING NEW.${parentId}, NEW.${id};
    RETURN NEW;
  END IF;
  IF NEW.${id} IS DISTINCT FROM NEW.${parentId} THEN
    EXECUTE format('SELECT EXISTS (SELECT FROM %s AS e WHERE e.${parentId} = $1 AND e.${id} = $1)', v_events)
      INTO v_taken USING NEW.${parentId};
    IF v_taken THEN
      ${raise(RECORD_CHAIN_ERRORS.unchained)}
    END IF;
    ${raise(RECORD_CHAIN_ERRORS.noRecord)}
  END IF;
  EXECUTE format('INSERT INTO %s AS h (${headParent}, ${lastId}, ${count}) VALUES ($1, $2, 1) ON CONFLICT (${headParent}) DO NOTHING', v_heads)
    USING NEW.${parentId}, NEW.${id};
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  IF v_rows = 0 THEN
    -- a concurrent first event of this record committed meanwhile: the same id leaves it to the key
    ${taken}
    IF v_taken THEN
      RETURN NEW;
    END IF;
    ${raise(RECORD_CHAIN_ERRORS.duplicate)}
  END IF;
  RETURN NEW;
END`;
}
