/**
 * Record heads without a record chain (`versioned: true`): a `BEFORE INSERT` row trigger on events
 * table `T` that moves each new event's record head in `T_heads` (last id, count), as the record
 * chain's does without hashing, so that every append to a record takes its head's row lock; and the
 * record chain's `lock_record_T` and `next_event_id_T`, for appends at an expected version.
 *
 * @module
 */
import { COLUMNS, HEAD_COLUMNS, names, type TableName } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { chainFunctionBody } from "./record-chain.js";
import { nextEventIdFunction } from "./record-chain-ids.js";
import { headsTableOf } from "./record-hash.js";
import { dropLockRecordStatement, lockRecordFunction } from "./record-lock.js";
import { CITUS_TRIGGERS_STATEMENT, citusHeadsFunctionBody } from "./record-version-citus.js";
import { dropSpectorChainAtStatement, spectorChainAtFunction } from "./spector-chain.js";
import { createStatements, dollarQuoted, PINNED_SEARCH_PATH, type RuleObjects } from "./rule-objects.js";

/**
 * The functions and trigger of the record heads of events table `T`: `record_heads_T()` (`SECURITY
 * DEFINER`, pinned `search_path`: writers need no privilege on `T_heads`) behind the `BEFORE INSERT`
 * row trigger `record_heads_T`, which refuses what the record chain's trigger refuses (an id not after
 * the record's last, 40001; an id that is no UUIDv7 or too far ahead, 22023; a second first event, an
 * event of no record) and fills an id sent as `NULL`; `lock_record_T(parent uuid)`; `next_event_id_T`.
 *
 * @example
 * ```ts
 * recordVersionObjects(meta).triggers[0]!.name; // "record_heads_events"
 * ```
 */
export function recordVersionObjects(meta: EventTableMeta): RuleObjects {
  const rule = names.recordVersion;
  return {
    functions: [
      {
        schema: meta.pgSchema,
        name: rule.function(meta.name),
        // on the Citus layout the trigger runs on each shard: the heads' shard is found there
        source: `\n${meta.layout === "citus" ? citusHeadsFunctionBody(meta) : chainFunctionBody(meta, false)}\n`,
        securityDefiner: true,
        config: PINNED_SEARCH_PATH,
      },
      nextEventIdFunction(meta),
      lockRecordFunction(meta),
      // on Spector's chain (`hashed: true`), the append at an expected version takes the chain's lock first
      ...(meta.hashed && !meta.recordChain ? [spectorChainAtFunction(meta)] : []),
    ],
    triggers: [
      {
        name: rule.trigger(meta.name),
        table: { pgSchema: meta.pgSchema, name: meta.name },
        function: rule.function(meta.name),
        event: "BEFORE INSERT",
        level: "row",
      },
    ],
    tables: [headsTableOf(meta)],
  };
}

/**
 * The statement that writes the heads of the records a table holds when its record heads are
 * installed: where the trigger is new, each record without a head gets one (its greatest id, its
 * count), under a lock that keeps other writers out until the migration commits. The events are read,
 * never changed.
 */
export function versionBackfillStatement(meta: EventTableMeta): string {
  const q = quoteIdent;
  const table = quoteQualified(meta.pgSchema, meta.name);
  const heads = headsTableOf(meta);
  const headsTable = quoteQualified(heads.pgSchema, heads.name);
  const [id, parentId] = [q(COLUMNS.id), q(COLUMNS.parentId)];
  const [headParent, lastId, count] = [HEAD_COLUMNS.parentId, HEAD_COLUMNS.lastId, HEAD_COLUMNS.eventCount].map(q);
  const eq = "OPERATOR(pg_catalog.=)";
  const body = `BEGIN
  -- only where the heads are new: a trigger already there means rows without a head were written around it
  IF EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid ${eq} ${quoteLiteral(table)}::pg_catalog.regclass
               AND tgname ${eq} ${quoteLiteral(names.recordVersion.trigger(meta.name))}) THEN
    RETURN;
  END IF;
  -- other writers wait until the migration commits, as the trigger's creation right after makes them
  LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE;
  INSERT INTO ${headsTable} (${headParent}, ${lastId}, ${count})
  SELECT e.${parentId}, (pg_catalog.array_agg(e.${id} ORDER BY e.${id} DESC))[1], pg_catalog.count(*)
    FROM ${table} AS e
   WHERE NOT EXISTS (SELECT FROM ${headsTable} AS h WHERE h.${headParent} ${eq} e.${parentId})
   GROUP BY e.${parentId};
END`;
  return `DO ${dollarQuoted(body)};`;
}

/** The statements that install the record heads on events table `meta`: the backfill, then the functions and trigger. */
export function recordVersionStatements(meta: EventTableMeta): string[] {
  const statements = [versionBackfillStatement(meta), ...createStatements(recordVersionObjects(meta))];
  // Citus creates a row trigger on a distributed table only with citus.enable_unsafe_triggers on
  return meta.layout === "citus" ? [CITUS_TRIGGERS_STATEMENT, ...statements] : statements;
}

/** The statements that remove the record heads from events table `table` (its heads table is drizzle-kit's). */
export function dropRecordVersionStatements(table: TableName): string[] {
  return [
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.recordVersion.function(table.name))}() CASCADE;`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.recordChain.nextEventId(table.name))}(uuid);`,
    dropLockRecordStatement(table),
    dropSpectorChainAtStatement(table),
  ];
}
