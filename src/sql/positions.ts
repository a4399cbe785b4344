/**
 * Positions (`positions: true`): a total order over an events table's events, in the order they
 * became visible, that every writer's events take part in (appendEvent, raw SQL, `COPY`, an Elixir
 * service on Spector that knows nothing of it).
 *
 * - An `AFTER INSERT` statement trigger on `T` queues each new event in `T_positions` with a `NULL`
 *   position, in the writer's transaction (so an aborted event is never queued). It sends no
 *   notification: PostgreSQL serializes the commits of notifying transactions (a database-wide lock
 *   held through each one's flush to disk), which would cost concurrent writers half their speed.
 * - `position_events_T(max)` numbers queued events that are committed: under a transaction-level
 *   advisory lock (one positioner at a time; another caller returns at once), it reads the last
 *   position and the queue in a snapshot taken after the lock, and numbers up to `max` queued events
 *   after it, by `id`. A writer's open transaction holds nobody back: its events are queued when it
 *   commits, and take the positions after every position given by then.
 *
 * Why this never skips: positions are given only to committed events, in increasing order, by one
 * positioner at a time, each of which sees every position given before it (it commits before it lets
 * the lock go). An event committed later is numbered later. A reader that read position `p` can never
 * meet a new event at or before `p`.
 *
 * @module
 */
import { POSITION_COLUMNS, names, type TableName } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import {
  createStatements,
  dollarQuoted,
  PINNED_SEARCH_PATH,
  type RuleFunction,
  type RuleObjects,
} from "./rule-objects.js";

/**
 * The upper 32 bits of the advisory lock key of a positions table's positioner: "SPEC"; the lower 32
 * bits are the positions table's oid. `pg_locks` shows it as `classid` 1397769539, `objid` the oid,
 * `objsubid` 1.
 */
export const POSITIONER_LOCK_CLASS = 0x53504543;

/** The positions table of events table `table`. */
export function positionsTableOf(table: TableName): TableName {
  return { pgSchema: table.pgSchema, name: names.positions.table(table.name) };
}

/** The arguments of `position_events_T`, as `pg_get_function_identity_arguments` renders them. */
export const POSITION_EVENTS_ARGUMENTS = "max integer";

/** The advisory lock key of the positioner of `positions`, as SQL (its `regclass` read when it runs). */
function lockKey(positions: TableName): string {
  const regclass = `${quoteLiteral(quoteQualified(positions.pgSchema, positions.name))}::pg_catalog.regclass`;
  return `(${POSITIONER_LOCK_CLASS}::pg_catalog.int8 OPERATOR(pg_catalog.<<) 32) OPERATOR(pg_catalog.|) ${regclass}::pg_catalog.oid::pg_catalog.int8`;
}

/** The trigger function that queues a statement's new events (`queue_positions_T`). */
function queueFunction(meta: EventTableMeta): RuleFunction {
  const positions = positionsTableOf(meta);
  const body = `BEGIN
  INSERT INTO ${quoteQualified(positions.pgSchema, positions.name)} (${quoteIdent(POSITION_COLUMNS.id)})
  SELECT n.${quoteIdent(POSITION_COLUMNS.id)} FROM ${quoteIdent(names.positions.transitionTable)} AS n;
  RETURN NULL;
END`;
  return {
    schema: meta.pgSchema,
    name: names.positions.queueFunction(meta.name),
    source: `\n${body}\n`,
    securityDefiner: true,
    config: PINNED_SEARCH_PATH,
  };
}

/**
 * `position_events_T(max integer) RETURNS bigint`: numbers up to `max` committed, queued events after
 * the last position, by `id`, and returns the last position given (so far, by anyone); `-1` when it
 * could not look: another session is numbering (its positions appear when it commits), or the
 * transaction is above READ COMMITTED (its snapshot could predate positions given since, so it numbers
 * nothing). Announces new positions on the table's channel (`spector_positions_T`), so that other
 * consumers of the table wake up.
 */
function positionFunction(meta: EventTableMeta): RuleFunction {
  const positions = positionsTableOf(meta);
  const table = quoteQualified(positions.pgSchema, positions.name);
  const [id, position] = [quoteIdent(POSITION_COLUMNS.id), quoteIdent(POSITION_COLUMNS.position)];
  const body = `DECLARE
  last pg_catalog.int8;
  numbered pg_catalog.int8;
BEGIN
  IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
    RETURN -1;
  END IF;
  IF NOT pg_catalog.pg_try_advisory_xact_lock(${lockKey(positions)}) THEN
    RETURN -1;
  END IF;
  -- a new snapshot for each statement from here: every position given before the lock is seen
  SELECT p.${position} INTO last FROM ${table} AS p
   WHERE p.${position} IS NOT NULL ORDER BY p.${position} DESC LIMIT 1;
  last := COALESCE(last, 0);
  -- each queued row by its ctid, in a nested loop (TID scans; the function's settings rule out hash
  -- and merge joins): a join on id read and hashed the whole table on every call
  UPDATE ${table} AS p SET ${position} = q.next
    FROM (SELECT w.ctid AS place, last OPERATOR(pg_catalog.+) pg_catalog.row_number() OVER (ORDER BY w.${id}) AS next
            FROM (SELECT u.ctid, u.${id} FROM ${table} AS u WHERE u.${position} IS NULL
                   ORDER BY u.${id} LIMIT GREATEST(max, 0)) AS w) AS q
   WHERE p.ctid OPERATOR(pg_catalog.=) q.place;
  GET DIAGNOSTICS numbered = ROW_COUNT;
  IF numbered OPERATOR(pg_catalog.>) 0 THEN
    PERFORM pg_catalog.pg_notify(${quoteLiteral(names.positions.channel(meta.name))}, '');
  END IF;
  RETURN last OPERATOR(pg_catalog.+) numbered;
END`;
  return {
    schema: meta.pgSchema,
    name: names.positions.positionFunction(meta.name),
    source: `\n${body}\n`,
    securityDefiner: true,
    // the planner, guided by the table's statistics, otherwise hashed the whole positions table to
    // number a few thousand rows (160 ms for 5,000 of 1,000,000 against 60 ms, measured)
    config: [...PINNED_SEARCH_PATH, "enable_hashjoin=off", "enable_mergejoin=off"],
    arguments: POSITION_EVENTS_ARGUMENTS,
    returns: { setOf: false, schema: "pg_catalog", type: "int8" },
  };
}

/**
 * The functions and trigger of the positions of events table `T`: `queue_positions_T()` behind the
 * `AFTER INSERT` statement trigger `queue_positions_T`, and `position_events_T(max integer)`. Both are
 * `SECURITY DEFINER` with the rules' pinned `search_path` (writers and readers need no privilege on
 * `T_positions`); `EXECUTE` on `position_events_T` is revoked from `PUBLIC`: grant it to the roles
 * that call `readAll` or run consumers.
 *
 * @example
 * ```ts
 * positionsObjects(meta).triggers[0]!.name; // "queue_positions_events"
 * ```
 */
export function positionsObjects(meta: EventTableMeta): RuleObjects {
  const rule = names.positions;
  return {
    functions: [queueFunction(meta), positionFunction(meta)],
    triggers: [
      {
        name: rule.trigger(meta.name),
        table: { pgSchema: meta.pgSchema, name: meta.name },
        function: rule.queueFunction(meta.name),
        event: "AFTER INSERT",
        level: "statement",
        newTable: rule.transitionTable,
      },
    ],
    tables: [positionsTableOf(meta)],
  };
}

/**
 * The statements that install the positions on events table `meta`: the events it already holds are
 * queued (in `id` order, under a lock that keeps writers out until the migration commits), then the
 * functions and trigger.
 */
export function positionsStatements(meta: EventTableMeta): string[] {
  const table = quoteQualified(meta.pgSchema, meta.name);
  const positions = positionsTableOf(meta);
  const id = quoteIdent(POSITION_COLUMNS.id);
  // only events not queued yet: a migration run again, or positions restored with their events, queue nothing twice
  const body = `BEGIN
  LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE;
  INSERT INTO ${quoteQualified(positions.pgSchema, positions.name)} (${id})
  SELECT e.${id} FROM ${table} AS e
   WHERE NOT EXISTS (SELECT FROM ${quoteQualified(positions.pgSchema, positions.name)} AS p WHERE p.${id} OPERATOR(pg_catalog.=) e.${id})
   ORDER BY e.${id};
END`;
  return [`DO ${dollarQuoted(body)};`, ...createStatements(positionsObjects(meta))];
}

/** The statements that remove the positions from events table `table` (its positions table is drizzle-kit's). */
export function dropPositionsStatements(table: TableName): string[] {
  const rule = names.positions;
  return [
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, rule.queueFunction(table.name))}() CASCADE;`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, rule.positionFunction(table.name))}(integer);`,
  ];
}
