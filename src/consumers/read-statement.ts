/**
 * The statement under `readWindow`: one table's events at the positions after a cursor, read in one
 * index range per positions row where the row's `id` range holds its events and nothing else, and
 * looked up one by one by `id` elsewhere.
 *
 * @module
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { names, POSITION_COLUMNS } from "../naming/index.js";
import type { Events } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";
import { positionsRowIds, positionsRowSize } from "../sql/positions.js";
import { quoteIdent } from "../sql/quote.js";
import { POSITIONS_PER_ROW, type PositionsTable } from "../tables/positions-table.js";

/**
 * The fewest events a positions row holds for the read to take them in one index range on `id` (a
 * row of fewer has each looked up by its `id`: two lookups, the check and the range, would cost about
 * as much).
 */
export const RANGE_READ_MIN = 8;

/** `"alias"."column"`, or `"alias"` (every identifier through `quoteIdent`). */
function ref(alias: string, column?: string): SQL {
  return sql.raw(column === undefined ? quoteIdent(alias) : `${quoteIdent(alias)}.${quoteIdent(column)}`);
}

/**
 * The read of one table: the events at the positions after placeholder `after`, at most placeholder
 * `limit` of them, each with its event's columns under their own names (`NULL` when left out by
 * placeholder `schemas`, or gone) and, under `names.alias.position` (text), its position, or minus a
 * position for a row read by range (below). The rows come in two runs, each in position order: the
 * caller numbers and orders them (`rowPositions`, row-positions.ts).
 *
 * - The window: the positions after `from` (the first positions row after `after`, less its events;
 *   `after` when none is after it) and up to `from + limit`, read from the positions rows of that
 *   range (an index range on `position`, bounded on both sides: at most `limit` rows, so a read
 *   unnests at most `limit` + 999 ids, whatever the planner estimates). Starting from that row, not
 *   from `after`, a gap between positions is read past, never waited at.
 * - A positions row of at least {@link RANGE_READ_MIN} events holds them in `id` order. When the
 *   events table's `id`s from the row's first to its last are exactly the row's (checked first, on
 *   the primary key's index), the window's part of them is read in one index range, in `id` order,
 *   which is their order in the row: each beside minus the position of the part's first event, the
 *   client counting on from there. (A writer statement's UUIDv7 `id`s are made together: another
 *   statement's events fall between them only when written in the same moments.)
 * - Any other row (fewer events, another event in its range, an event gone): each event looked up by
 *   its `id`, as the rows of one event always are.
 *
 * The planner's estimates stay small whatever the tables' statistics (each `LIMIT` a placeholder, its
 * row count a tenth of what it reads), so that the plan is never costly enough for JIT compilation.
 * No `ORDER BY` over the whole: each part streams its rows as it reads them.
 */
export function buildRead(db: SpectorDatabase, t: Events, p: PositionsTable, filtered: boolean) {
  const a = names.alias;
  const after = sql`${sql.placeholder("after")}::pg_catalog.int8`;
  const limit = sql`${sql.placeholder("limit")}::pg_catalog.int8`;
  const take = sql`LIMIT ${sql.placeholder("limit")}`;
  const [position, id, ids] = [POSITION_COLUMNS.position, POSITION_COLUMNS.id, POSITION_COLUMNS.ids];
  const chunk = (column: string) => ref(a.chunk, column);
  const size = chunk(a.size);
  const from = chunk(a.from);
  const eventId = t.id.name;
  const columns = Object.values(getTableColumns(t));

  // the positions rows of the window, in order, with their sizes and the window's start
  const first = (column: string) => ref(a.first, column);
  const start = sql`SELECT GREATEST(${after}, (SELECT ${first(position)} - ${sql.raw(positionsRowSize(quoteIdent(a.first)))}
      FROM ${p} AS ${ref(a.first)} WHERE ${first(position)} > ${after} ORDER BY ${first(position)} LIMIT 1)) AS ${ref(a.from)}`;
  const pSize = sql`COALESCE(pg_catalog.cardinality(${p.ids}), 1)`;
  const chunks = sql`SELECT ${p.position}, ${p.id}, ${p.ids}, ${pSize} AS ${ref(a.size)}, ${ref(a.from, a.from)}
      FROM ${p} CROSS JOIN (${start}) AS ${ref(a.from)}
     WHERE ${p.position} > ${after} AND ${p.position} < ${ref(a.from, a.from)} + ${limit} + ${sql.raw(String(POSITIONS_PER_ROW))}
       AND ${p.position} - ${pSize} < ${ref(a.from, a.from)} + ${limit}
     ORDER BY ${p.position} ${take}`;
  // the `id`s from a row's event at place `low` to its event at place `high`, in events aliased `source`:
  // the row's whole range for the check, the window's part of it for the range path
  const inRowRange = (source: string, low: SQL, high: SQL) =>
    sql`${ref(source, eventId)} >= ${chunk(ids)}[${low}] AND ${ref(source, eventId)} <= ${chunk(ids)}[${high}]`;
  // whether a row's events are the only ones in its `id` range (and none of them is gone)
  const check = (column: string) => ref(a.check, column);
  const exact = sql`${size} >= ${sql.raw(String(RANGE_READ_MIN))} AND ARRAY(SELECT ${check(eventId)} FROM ${t} AS ${ref(a.check)}
      WHERE ${inRowRange(a.check, sql`1`, size)}
      ORDER BY ${check(eventId)} LIMIT ${size} + 1) = ${chunk(ids)}`;
  // the places in a row of the first and the last event in the window (a row's events take the
  // positions after `position - size`)
  const base = sql`${chunk(position)} - ${size}`;
  const low = sql`GREATEST(1, ${after} - (${base}) + 1)`;
  const high = sql`LEAST(${size}, ${from} + ${limit} - (${base}))`;
  // the rows, each checked once (a `WITH` query read by both paths; the outer LIMIT keeps the check's
  // estimated cost a tenth of the rows'), and the rows taking each path
  const marked = sql`${ref(a.chunks)} AS MATERIALIZED (SELECT ${ref(a.chunk)}.*, (${exact}) AS ${ref(a.exact)},
      ${low} AS ${ref(a.low)}, ${high} AS ${ref(a.high)}
      FROM (SELECT ${ref(a.chunk)}.* FROM (${chunks}) AS ${ref(a.chunk)} ${take}) AS ${ref(a.chunk)})`;
  const rows = (path: boolean) =>
    sql`(SELECT * FROM ${ref(a.chunks)} WHERE ${path ? sql`` : sql`NOT `}${ref(a.chunks, a.exact)} ${take}) AS ${ref(a.chunk)}`;
  const inWindow = (at: SQL) => sql`${at} > ${after} AND ${at} <= ${from} + ${limit}`;
  const keep = (source: string) =>
    sql`${ref(source, t.schema.name)} OPERATOR(pg_catalog.=) ANY (${sql.placeholder("schemas")}::pg_catalog.int4[])`;
  const out = (source: string, filter: boolean) =>
    sql.join(
      columns.map((column) =>
        filter
          ? sql`CASE WHEN ${keep(source)} THEN ${ref(source, column.name)} END AS ${ref(column.name)}`
          : sql`${ref(source, column.name)} AS ${ref(column.name)}`,
      ),
      sql`, `,
    );

  // rows read by range: the window's part of the row's `id` range, in `id` order, each beside minus the
  // position of the part's first event (the client numbers the rest: no rank computed per row here,
  // which cost a fifth of the statement's time)
  const [lowAt, highAt] = [chunk(a.low), chunk(a.high)];
  const range = sql`SELECT ${out(a.range, filtered)}, (-(${base} + ${lowAt}))::pg_catalog.text AS ${ref(a.position)}
      FROM ${rows(true)}
     CROSS JOIN LATERAL (SELECT ${ref(a.range)}.* FROM ${t} AS ${ref(a.range)}
      WHERE ${inRowRange(a.range, lowAt, highAt)}
      ORDER BY ${ref(a.range, eventId)} LIMIT GREATEST(${highAt} - ${lowAt} + 1, 0)) AS ${ref(a.range)}`;

  // rows looked up by id: each row's ids unnested with their place, each event by its primary key
  const placed = sql`${base} + ${ref(a.member, a.place)}`;
  const windowed = sql`SELECT ${placed} AS ${ref(position)}, ${ref(a.member, a.member)} AS ${ref(id)}
      FROM ${rows(false)}
     CROSS JOIN LATERAL pg_catalog.unnest(${sql.raw(positionsRowIds(quoteIdent(a.chunk)))}) WITH ORDINALITY AS ${ref(a.member)}(${ref(a.member)}, ${ref(a.place)})
     WHERE ${inWindow(placed)}
     ORDER BY ${placed} ${take}`;
  const lookup = sql`SELECT ${sql.join(
    columns.map((column) => ref(a.event, column.name)),
    sql`, `,
  )} FROM ${t} AS ${ref(a.event)} WHERE ${ref(a.event, eventId)} = ${ref(a.window, id)}${filtered ? sql` AND ${keep(a.event)}` : sql``} LIMIT 1`;
  const looked = sql`SELECT ${out(a.event, false)}, ${ref(a.window, position)}::pg_catalog.text AS ${ref(a.position)}
      FROM (${windowed}) AS ${ref(a.window)} LEFT JOIN LATERAL (${lookup}) AS ${ref(a.event)} ON true`;

  const fields = Object.fromEntries(
    Object.entries(getTableColumns(t)).map(([key, column]) => [
      key,
      sql`${ref(a.read, column.name)}`.mapWith(column).as(column.name),
    ]),
  );
  return db
    .select({
      ...(fields as unknown as ReturnType<typeof getTableColumns<Events>>),
      [a.position]: sql<string>`${ref(a.read, a.position)}`.as(a.position),
    })
    .from(sql`(WITH ${marked} ${range} UNION ALL ${looked}) AS ${ref(a.read)}`);
}
