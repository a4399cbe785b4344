/**
 * Following links: `linked` (one step, with the link rows) and `ancestors` (every event reachable, with
 * its depth, in one recursive query).
 *
 * @module
 */
import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import { OPTIONS, at, checkInt4, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { COLUMNS, names } from "../naming/index.js";
import { identifier } from "../sql/quote.js";
import { checkRef, checkType } from "./inputs.js";
import { resolveLinks, type LinksTable } from "./target.js";
import { upcastRows } from "./upcast-rows.js";
import { getMeta } from "../tables/meta.js";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Ancestor, LinkedEvent, LinkOf, LinkTarget, SpectorDatabase, WalkOptions, WalkStart } from "./types.js";

/**
 * The links of an event with the event at their other end, ordered by that event's id (then by link
 * type). `direction: "out"` (the default) follows links from `event_id` to the foreign key (for
 * `event_ancestors`: the event's ancestors); `"in"` follows them back (the events that name it). On a
 * typed link table, `type` keeps the links of that type only. On a link table of the Citus layout the
 * event is given as a row (`{ id, parentId }`): the query is held to its record, one shard.
 *
 * @example
 * ```ts
 * const parents = await linked(db, event_ancestors, renamed); // [{ link, event: user }]
 * const children = await linked(db, event_ancestors, user, { direction: "in" }); // [{ link, event: renamed }]
 * ```
 * @throws {SpectorOptionError} for an id that is not a UUID, a bad `direction`, a `type` on an untyped
 * table, or an unknown option.
 */
export async function linked<Target extends LinkTarget>(
  db: SpectorDatabase,
  table: Target,
  event: WalkStart<Target>,
  options: WalkOptions = {},
): Promise<LinkedEvent<LinkOf<Target>>[]> {
  const start = await startWalk(db, table, event, options, ["direction", "type"]);
  if (start === undefined) return [];
  const { ref, direction, links, type } = start;
  const { table: l, other } = links;
  const e = links.events.table;
  const [near, far] = direction === "out" ? [l.eventId, other] : [other, l.eventId];
  // the Citus layout: the record's `parent_id` on both tables, so that Citus routes it to one shard
  const record = recordColumn(links);
  const rows = await db
    .select({ link: getTableColumns(l), event: getTableColumns(e) })
    .from(l)
    .innerJoin(e, and(eq(e.id, far), record && eq(e.parentId, record)))
    .where(
      and(
        eq(near, ref.id),
        type === undefined ? undefined : eq(l.type, type),
        record && eq(record, ref.parentId!),
        record && eq(e.parentId, ref.parentId!),
      ),
    )
    .orderBy(asc(e.id), ...(links.meta.typed ? [asc(l.type)] : []));
  upcastRows(
    links.events.meta,
    rows.map((row) => row.event),
  );
  return rows as unknown as LinkedEvent<LinkOf<Target>>[];
}

/**
 * Every event reachable from `event` by following links (`"out"`, the default: from `event_id` to the
 * foreign key; `"in"`: back), each once, with its depth (the fewest links from `event`), ordered by
 * depth then id. One recursive query walks the graph a level at a time and never revisits an event,
 * so it ends on cycles; `event` itself is not returned. `maxDepth` stops the walk after that many levels;
 * on a typed link table `type` follows links of that type only. On a link table of the Citus layout the
 * event is given as a row (`{ id, parentId }`), and the walk stays in its record (one shard on Citus).
 *
 * @example
 * ```ts
 * const all = await ancestors(db, event_ancestors, renamed); // [{ event: user, depth: 1 }]
 * const near = await ancestors(db, event_ancestors, renamed, { maxDepth: 2 });
 * ```
 * @throws {SpectorOptionError} for an id that is not a UUID, a `maxDepth` that is not a positive
 * integer, a `type` on an untyped table, or an unknown option.
 */
export async function ancestors<Target extends LinkTarget>(
  db: SpectorDatabase,
  table: Target,
  event: WalkStart<Target>,
  options: WalkOptions = {},
): Promise<Ancestor<LinkOf<Target>>[]> {
  const start = await startWalk(db, table, event, options, ["direction", "type", "maxDepth"]);
  if (start === undefined) return [];
  const { ref, direction, maxDepth, links, type } = start;
  const ofType = type === undefined ? sql`` : sql` and l.${identifier(COLUMNS.type)} = ${type}`;
  const e = links.events.table;
  const [near, far] =
    direction === "out"
      ? [identifier(COLUMNS.eventId), identifier(links.meta.foreignKey)]
      : [identifier(links.meta.foreignKey), identifier(COLUMNS.eventId)];
  const limit = maxDepth === undefined ? sql`` : sql` and walk.depth < ${maxDepth}`;
  // the Citus layout: every table read is held to the record, so that Citus runs the walk on one shard
  // (it plans a recursive query on distributed tables only when it can push it down whole)
  const citus = recordColumn(links) !== undefined;
  const inRecord = citus ? sql` and l.${identifier(COLUMNS.parentId)} = ${ref.parentId!}::uuid` : sql``;
  const eventInRecord = citus ? sql` and ${e.parentId} = ${ref.parentId!}::uuid` : sql``;
  const found = identifier(names.alias.walk);
  const walk = sql`(
    with recursive walk(frontier, seen, depth) as (
      select start.ids, start.ids, 0 from (select array[${ref.id}::uuid] as ids) as start
      union all
      select step.next, walk.seen || step.next, walk.depth + 1
      from walk cross join lateral (
        select array_agg(distinct l.${far}) as next
        from ${links.table} as l
        where l.${near} = any (walk.frontier) and l.${far} <> all (walk.seen)${ofType}${inRecord}
      ) as step
      where step.next is not null${limit}
    )
    select found.id, walk.depth from walk cross join lateral unnest(walk.frontier) as found(id) where walk.depth > 0
  ) as ${found}`;
  const rows = await db
    .select({ event: getTableColumns(e), depth: sql<number>`${found}.depth`.mapWith(Number) })
    .from(e)
    .innerJoin(walk, sql`${found}.id = ${e.id}${eventInRecord}`)
    .orderBy(sql`${found}.depth`, asc(e.id));
  upcastRows(
    links.events.meta,
    rows.map((row) => row.event),
  );
  return rows as unknown as Ancestor<LinkOf<Target>>[];
}

/**
 * Resolves the link table of `linked` and `ancestors` and checks their input (`known`: the options each
 * takes). On a shard set an event given by id is located first; `undefined` when no shard holds it
 * (the walk then finds nothing, as from an id no event has on one table).
 */
async function startWalk(
  db: SpectorDatabase,
  table: unknown,
  event: unknown,
  options: unknown,
  known: readonly (keyof WalkOptions)[],
) {
  const target = resolveLinks("table", table);
  // the Citus layout routes by record: the event must come with it (a row, or `{ id, parentId }`)
  const given = checkRef("event", event, citusLinks(table));
  const { direction = "out", maxDepth } = checkObject(OPTIONS, options, known) as WalkOptions;
  if (direction !== "out" && direction !== "in") {
    throw new SpectorOptionError(at(OPTIONS, "direction"), direction, '`"out"` or `"in"`');
  }
  if (maxDepth !== undefined) {
    const expected = "a positive integer that fits PostgreSQL's `integer`, or left out for no limit";
    checkInt4(at(OPTIONS, "maxDepth"), maxDepth, expected, 1);
  }
  // the type is checked on the first shard (every shard of a set has the same spec) before any lookup
  const type = checkType(target.meta, options, false);
  const ref = await target.locate(db, given);
  if (ref === undefined) return undefined;
  const links = target.record(ref.parentId);
  return { ref, direction, maxDepth, links, type };
}

/** Whether `table` is a link table of the Citus layout (a shard set never is). */
function citusLinks(table: unknown): boolean {
  const meta = getMeta(table);
  return meta?.kind === "link" && meta.layout === "citus";
}

/** The `parent_id` column of a Citus-layout link table, `undefined` in Spector's layout. */
function recordColumn(links: LinksTable): PgColumn | undefined {
  return links.meta.layout === "citus" ? (links.table as unknown as { parentId: PgColumn }).parentId : undefined;
}
