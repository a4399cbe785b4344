/**
 * `consumerStatus`: where each consumer of a checkpoints table is, how far behind, and what holds it.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";
import { COLUMNS, POSITION_COLUMNS, names } from "../naming/index.js";
import { rowQuery } from "../queries/rows.js";
import type { RowQuery } from "../queries/verify-records.js";
import type { SpectorDatabase } from "../queries/types.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";
import { POSITIONER_LOCK_CLASS, positionsRowIds, positionsRowSize } from "../sql/positions.js";
import { LOCK_KEY_SQL, lockText, resolveCheckpoints, type Checkpoints } from "./checkpoints.js";
import { parseCursor } from "./cursor.js";

/** A backend that holds a consumer back: who, doing what, for how long. */
export interface HoldingBackend {
  /** Which lock it holds: the consumer name's (an instance in a batch, or stuck in one), or a log table's positioner's. */
  readonly lock: "consumer" | "positioner";
  readonly pid: number;
  /** `pg_stat_activity.state`: `active`, `idle in transaction`, ... */
  readonly state: string | null;
  /** Seconds since its transaction started. */
  readonly transactionSeconds: number | null;
  /** The start of its current or last query (what it is doing). */
  readonly query: string | null;
}

/** One consumer's status. */
export interface ConsumerStatus {
  readonly name: string;
  /** The log it follows: `schema.table` (comma-separated shards for a shard set). */
  readonly log: string;
  /** Its cursor (as `readAll`'s `next`). */
  readonly cursor: string;
  /** When its checkpoint last moved (ISO 8601, with the time zone). */
  readonly updatedAt: string;
  /** Committed events after its cursor, numbered or not yet. */
  readonly lagEvents: number;
  /** Seconds since the oldest of those was inserted (`0` when it is caught up). */
  readonly lagSeconds: number;
  /** The backends holding its locks now (none when nothing holds it). */
  readonly heldBy: readonly HoldingBackend[];
}

/**
 * The status of every consumer in `checkpoints`: its cursor, its lag (committed events after its
 * cursor, and the age of the oldest), and the backends holding it back, if any: one holding the
 * consumer name's lock (an instance in a batch; `idle in transaction` for long means a stuck one),
 * or the positioner's lock of a table it follows (a session that called `readAll` inside a long
 * transaction). An open writer's transaction never holds a consumer back, so it is never listed.
 * Also on the command line: `drizzle-spector consumers`.
 *
 * @example
 * ```ts
 * for (const s of await consumerStatus(db, checkpoints)) {
 *   console.log(s.name, s.lagEvents, s.lagSeconds, s.heldBy.map((b) => `${b.pid} ${b.state}`));
 * }
 * ```
 * @throws {SpectorOptionError} when `checkpoints` is not a table made by `consumerTable`.
 */
export async function consumerStatus(db: SpectorDatabase, checkpoints: object): Promise<ConsumerStatus[]> {
  return statusOf(rowQuery(db), resolveCheckpoints("checkpoints", checkpoints));
}

/** {@link consumerStatus} through any query function (the command line's connection too). */
export async function statusOf(query: RowQuery, cp: Checkpoints): Promise<ConsumerStatus[]> {
  const rows = await query(
    `SELECT ${cp.name} AS name, ${cp.log} AS log, ${cp.cursor} AS cursor, ${cp.updatedAt}::pg_catalog.text AS updated_at FROM ${cp.table} ORDER BY ${cp.name}`,
    [],
  );
  const statuses: ConsumerStatus[] = [];
  for (const row of rows) {
    const [name, log, cursor] = [String(row.name), String(row.log), String(row.cursor)];
    const tables = log.split(",").map(splitName);
    const after = parseCursor(`checkpoint ${name}`, cursor, tables.length);
    let lagEvents = 0;
    let lagSeconds = 0;
    const heldBy: HoldingBackend[] = await holders(query, cp, name, tables);
    for (const [i, table] of tables.entries()) {
      const lag = await tableLag(query, table, after[i]!);
      lagEvents += lag.events;
      lagSeconds = Math.max(lagSeconds, lag.seconds);
    }
    statuses.push({ name, log, cursor, updatedAt: String(row.updated_at), lagEvents, lagSeconds, heldBy });
  }
  return statuses;
}

/** `schema.table` as its parts. */
function splitName(qualified: string): { readonly pgSchema: string; readonly name: string } {
  const dot = qualified.indexOf(".");
  if (dot < 0)
    throw new SpectorOptionError("checkpoints", qualified, "a `log` of `schema.table` names, as consumers write it");
  return { pgSchema: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

/** The events of `table` after position `after` (numbered or queued), and the age of the oldest in seconds. */
async function tableLag(
  query: RowQuery,
  table: { readonly pgSchema: string; readonly name: string },
  after: number,
): Promise<{ events: number; seconds: number }> {
  const events = quoteQualified(table.pgSchema, table.name);
  const positions = quoteQualified(table.pgSchema, names.positions.table(table.name));
  const [id, position, insertedAt] = [
    quoteIdent(POSITION_COLUMNS.id),
    quoteIdent(POSITION_COLUMNS.position),
    quoteIdent(COLUMNS.insertedAt),
  ];
  // a row's events take the positions up to its own, in order; a queued row's are all after `after`
  const [member, place] = [quoteIdent(names.alias.member), quoteIdent(names.alias.place)];
  const [row] = await query(
    `SELECT pg_catalog.count(*)::pg_catalog.text AS n,
            COALESCE(EXTRACT(EPOCH FROM (pg_catalog.now() AT TIME ZONE 'utc') - pg_catalog.min(e.${insertedAt})), 0)::pg_catalog.float8 AS seconds
       FROM ${positions} AS p
      CROSS JOIN LATERAL pg_catalog.unnest(${positionsRowIds("p")}) WITH ORDINALITY AS ${member}(${member}, ${place})
       JOIN ${events} AS e ON e.${id} = ${member}.${member}
      WHERE (p.${position} > $1::pg_catalog.int8 OR p.${position} IS NULL)
        AND (p.${position} IS NULL
             OR p.${position} - ${positionsRowSize("p")} + ${member}.${place} > $1::pg_catalog.int8)`,
    [after],
  );
  return { events: Number(row?.n ?? 0), seconds: Math.max(0, Number(row?.seconds ?? 0)) };
}

/** The backends holding consumer `name`'s lock, or the positioner's lock of one of `tables`. */
async function holders(
  query: RowQuery,
  cp: Checkpoints,
  name: string,
  tables: readonly { readonly pgSchema: string; readonly name: string }[],
): Promise<HoldingBackend[]> {
  const positions = tables.map((t) => quoteQualified(t.pgSchema, names.positions.table(t.name)));
  const rows = await query(
    `WITH k AS (SELECT ${LOCK_KEY_SQL} AS key)
     SELECT CASE WHEN l.classid OPERATOR(pg_catalog.=) ${POSITIONER_LOCK_CLASS}::pg_catalog.oid THEN 'positioner' ELSE 'consumer' END AS lock,
            a.pid, a.state, EXTRACT(EPOCH FROM pg_catalog.now() - a.xact_start)::pg_catalog.float8 AS xact, pg_catalog.left(a.query, 200) AS query
       FROM pg_catalog.pg_locks AS l JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid, k
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
        AND ((l.classid::pg_catalog.int8 = (k.key >> 32) OPERATOR(pg_catalog.&) 4294967295 AND l.objid::pg_catalog.int8 = k.key OPERATOR(pg_catalog.&) 4294967295)
          OR (l.classid OPERATOR(pg_catalog.=) ${POSITIONER_LOCK_CLASS}::pg_catalog.oid
              AND l.objid OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.to_regclass(t)::pg_catalog.oid FROM pg_catalog.unnest(pg_catalog.string_to_array($2::pg_catalog.text, ' ')) AS t)))
      ORDER BY a.pid`,
    [lockText(cp, name), positions.join(" ")],
  );
  return rows.map((r) => ({
    lock: r.lock === "positioner" ? "positioner" : "consumer",
    pid: Number(r.pid),
    state: r.state === null || r.state === undefined ? null : String(r.state),
    transactionSeconds: r.xact === null || r.xact === undefined ? null : Number(r.xact),
    query: r.query === null || r.query === undefined ? null : String(r.query),
  }));
}
