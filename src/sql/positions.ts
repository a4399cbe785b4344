/**
 * Positions (`positions: true`): a total order over an events table's events, in the order they
 * became visible, that every writer's events take part in (appendEvent, raw SQL, `COPY`, an Elixir
 * service on Spector that knows nothing of it).
 *
 * - An `AFTER INSERT` statement trigger on `T` queues the statement's new events in `T_positions`, one
 *   row per {@link POSITIONS_PER_ROW} of them in `id` order, with a `NULL` position and the next
 *   `queued` number, in the writer's transaction (so an aborted event is never queued). It sends no
 *   notification: PostgreSQL serializes the commits of notifying transactions (a database-wide lock
 *   held through each one's flush to disk), which would cost concurrent writers half their speed.
 * - `position_events_T(max)` numbers queued rows that are committed: under a transaction-level
 *   advisory lock (one positioner at a time; another caller returns at once), it reads the last
 *   position and the queue in a snapshot taken after the lock, and gives rows, in `queued` order, the
 *   positions after it until `max` events have one (a row's events take consecutive positions, the
 *   row's `position` being its last one's). A writer's open transaction holds nobody back: its events
 *   are queued when it commits, and take the positions after every position given by then.
 * - Numbering a row, not an event: a statement of 100 events costs one `UPDATE`, not 100 (a consumer's
 *   first pass over such events took 0.43x the time, docs/benchmarks.md). A row of one event is the
 *   layout before rows held several (`ids` `NULL`), so positions given then stay as they were.
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
import { POSITIONS_PER_ROW } from "../tables/positions-table.js";
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

/**
 * SQL for how many events the positions row `row` (a quoted alias) holds: its `ids`, or 1 (`ids` is
 * `NULL` for a row of one event).
 *
 * @example
 * ```ts
 * positionsRowSize('"p"'); // 'COALESCE(pg_catalog.cardinality("p"."ids"), 1)'
 * ```
 */
export function positionsRowSize(row: string): string {
  return `COALESCE(pg_catalog.cardinality(${row}.${quoteIdent(POSITION_COLUMNS.ids)}), 1)`;
}

/**
 * SQL for the event ids of the positions row `row` (a quoted alias), in order: its `ids`, or its `id`.
 *
 * @example
 * ```ts
 * positionsRowIds('"p"'); // 'COALESCE("p"."ids", ARRAY["p"."id"])'
 * ```
 */
export function positionsRowIds(row: string): string {
  return `COALESCE(${row}.${quoteIdent(POSITION_COLUMNS.ids)}, ARRAY[${row}.${quoteIdent(POSITION_COLUMNS.id)}])`;
}

/**
 * SQL that inserts into `positions` the queue rows of the events whose ids `source` (a `FROM` item with
 * column `id`) gives: their ids in order, {@link POSITIONS_PER_ROW} per row, each row's `queued` taken in
 * that order (the identity, as each row is inserted: the `ORDER BY` is the outermost).
 */
function queueRows(positions: TableName, source: string): string {
  const [id, ids] = [quoteIdent(POSITION_COLUMNS.id), quoteIdent(POSITION_COLUMNS.ids)];
  return `INSERT INTO ${quoteQualified(positions.pgSchema, positions.name)} (${id}, ${ids})
  SELECT c.ids[1], CASE WHEN pg_catalog.cardinality(c.ids) OPERATOR(pg_catalog.>) 1 THEN c.ids END
    FROM (SELECT pg_catalog.array_agg(n.id ORDER BY n.id) AS ids, n.chunk
            FROM (SELECT s.${id} AS id,
                         (pg_catalog.row_number() OVER (ORDER BY s.${id}) OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) ${POSITIONS_PER_ROW} AS chunk
                    FROM ${source}) AS n
           GROUP BY n.chunk) AS c
   ORDER BY c.chunk`;
}

/**
 * The trigger function that queues a statement's new events (`queue_positions_T`): a statement of one
 * event (most appends) takes a plain row, without the chunking's sort and aggregate.
 */
function queueFunction(meta: EventTableMeta): RuleFunction {
  const positions = positionsTableOf(meta);
  const [events, id] = [quoteIdent(names.positions.transitionTable), quoteIdent(POSITION_COLUMNS.id)];
  const body = `DECLARE
  n pg_catalog.int8;
BEGIN
  SELECT pg_catalog.count(*) INTO n FROM ${events};
  IF n OPERATOR(pg_catalog.=) 1 THEN
    INSERT INTO ${quoteQualified(positions.pgSchema, positions.name)} (${id}) SELECT s.${id} FROM ${events} AS s;
  ELSIF n OPERATOR(pg_catalog.>) 1 THEN
    ${queueRows(positions, `${events} AS s`)};
  END IF;
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
 * `position_events_T(max integer) RETURNS bigint`: numbers committed, queued rows in `queued` order,
 * until `max` events after the last position have one, and returns the last position given (so far,
 * by anyone); `-1` when it could not look: another session is numbering (its positions appear when it
 * commits), or the transaction is above READ COMMITTED (its snapshot could predate positions given
 * since, so it numbers nothing). Announces new positions on the table's channel
 * (`spector_positions_T`), so that other consumers of the table wake up.
 */
function positionFunction(meta: EventTableMeta): RuleFunction {
  const positions = positionsTableOf(meta);
  const table = quoteQualified(positions.pgSchema, positions.name);
  const [position, queued] = [quoteIdent(POSITION_COLUMNS.position), quoteIdent(POSITION_COLUMNS.queued)];
  const body = `DECLARE
  last pg_catalog.int8;
  upto pg_catalog.int8 := 0;
  places pg_catalog.tid[] := '{}';
  ends pg_catalog.int8[] := '{}';
  q record;
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
  -- the queue in order, read only as far as it is numbered (a row holds 1 to ${POSITIONS_PER_ROW} events,
  -- so \`max\` rows are enough: the limit also keeps the plan on the queue index whatever the statistics)
  FOR q IN SELECT u.ctid AS place, ${positionsRowSize("u")} AS n FROM ${table} AS u
            WHERE u.${position} IS NULL ORDER BY u.${queued} LIMIT GREATEST(max, 0) LOOP
    EXIT WHEN upto OPERATOR(pg_catalog.>=) max;
    upto := upto OPERATOR(pg_catalog.+) q.n;
    places := places OPERATOR(pg_catalog.||) q.place;
    ends := ends OPERATOR(pg_catalog.||) (last OPERATOR(pg_catalog.+) upto);
  END LOOP;
  IF upto OPERATOR(pg_catalog.>) 0 THEN
    -- each row by its ctid, in a nested loop (TID scans; the function's settings rule out hash and
    -- merge joins)
    UPDATE ${table} AS p SET ${position} = t.ending
      FROM ROWS FROM (pg_catalog.unnest(places), pg_catalog.unnest(ends)) AS t(place, ending)
     WHERE p.ctid OPERATOR(pg_catalog.=) t.place;
    PERFORM pg_catalog.pg_notify(${quoteLiteral(names.positions.channel(meta.name))}, '');
  END IF;
  RETURN last OPERATOR(pg_catalog.+) upto;
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
  // only events not queued yet: a migration run again, or positions restored with their events, queue
  // nothing twice (an anti join with the queued ids, which a hash join does at any size)
  const unqueued = `(SELECT e.${id} FROM ${table} AS e
                  LEFT JOIN (SELECT pg_catalog.unnest(${positionsRowIds("p")}) AS id
                               FROM ${quoteQualified(positions.pgSchema, positions.name)} AS p) AS q
                    ON q.id OPERATOR(pg_catalog.=) e.${id}
                 WHERE q.id IS NULL) AS s`;
  const body = `BEGIN
  LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE;
  ${queueRows(positions, unqueued)};
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
