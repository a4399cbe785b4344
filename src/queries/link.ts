/**
 * `link`: one link between two events of a record.
 *
 * @module
 */
import { inArray } from "drizzle-orm";
import { SpectorOptionError } from "../errors.js";
import { camelCase } from "../naming/index.js";
import { checkRef, checkType, type CheckedRef } from "./inputs.js";
import { otherShard, resolveLinks, type Links, type LinksTable } from "./target.js";
import type { EventArg, LinkOf, LinkOptionsOf, LinkTarget, SpectorDatabase } from "./types.js";
import { sameParentError } from "./violation.js";

/**
 * Links event `from` to event `to` (`from` goes in `event_id`, `to` in the foreign key column, e.g.
 * `ancestor_id`) and returns the link row. Typed link tables take `{ type }`. For a constrained link
 * table the two events must belong to the same record: when both are given as events this is checked
 * before any SQL runs, and the database's same-parent rule checks it in any case.
 *
 * On a shard set the link goes to the shard of its events' record: an end given as a row routes by its
 * `parentId`, a record's id by the shard it carries, any other event's id is first looked up in the
 * set's events tables (one statement over every shard; pass rows to save it).
 *
 * On a link table of the Citus layout the link's `parent_id` is the record of the ends given as rows,
 * or else looked up (the record of `from`, or of `to` when `from` is no event); its foreign keys
 * `(parent_id, event_id)` and `(parent_id, <fk>)` refuse ends of another record, with SQLSTATE `23503`.
 *
 * @example
 * ```ts
 * await link(db, event_ancestors, renamed, user); // renamed's ancestor is user
 * await link(db, event_links, renamed, user, { type: 1 });
 * await link(db, ancestorShards, renamed.id, user.id); // a shard set: ids or rows
 * ```
 * @throws {SpectorOptionError} for ids that are not UUIDs, events of different records on a
 * constrained table, events of different shards, an id no shard of a set holds, or a missing or
 * extra `type`.
 * @throws {SpectorSameParentError} (SQLSTATE `23514` on `code`) when the database's same-parent rule
 * refuses the link: its ends, given as ids, belong to different records. In the Citus layout, Drizzle's
 * error with the foreign key's SQLSTATE `23503` instead.
 */
export async function link<Target extends LinkTarget>(
  db: SpectorDatabase,
  table: Target,
  from: EventArg<Target>,
  to: EventArg<Target>,
  ...options: LinkOptionsOf<LinkOf<Target>>
): Promise<LinkOf<Target>["$inferSelect"]> {
  const { a, b, links } = await resolveLinkEnds(db, table, from, to);
  if (links.meta.constrained && a.parentId !== undefined && b.parentId !== undefined && a.parentId !== b.parentId) {
    throw new SpectorOptionError(
      "to",
      b,
      `an event of the same record as \`from\` (parent ${a.parentId}, but this one's parent is ${b.parentId}): ${links.meta.name} keeps both ends in one record`,
    );
  }
  const type = checkType(links.meta, options[0], true);
  const row = {
    eventId: a.id,
    [camelCase(links.meta.foreignKey)]: b.id,
    ...(type === undefined ? {} : { type }),
    ...(links.meta.layout === "citus"
      ? { parentId: a.parentId ?? b.parentId ?? (await recordOf(db, links, a, b)) }
      : {}),
  };
  let inserted: unknown;
  try {
    [inserted] = await db
      .insert(links.table)
      .values(row as Links["$inferInsert"])
      .returning();
  } catch (error) {
    throw sameParentError(error, links.meta) ?? error;
  }
  return inserted as LinkOf<Target>["$inferSelect"];
}

/**
 * Resolves the link table of a link and checks its two events, which must live in one shard. On a
 * shard set an end given as a bare id is located first (a record's id routes by itself; another
 * event's id is looked up in the set's events tables).
 */
async function resolveLinkEnds(
  db: SpectorDatabase,
  table: unknown,
  from: unknown,
  to: unknown,
): Promise<{ a: CheckedRef; b: CheckedRef; links: LinksTable }> {
  const target = resolveLinks("table", table);
  const locate = async (path: string, value: unknown) => {
    const ref = checkRef(path, value, false);
    return (await target.locate(db, ref)) ?? unrouted(path, ref, target.record);
  };
  const a = await locate("from", from);
  const b = await locate("to", to);
  const links = target.record(a.parentId ?? b.parentId);
  if (target.sharded) {
    const other = target.record(b.parentId);
    if (other.table !== links.table) {
      throw new SpectorOptionError(
        "to",
        b,
        `an event in the same shard as \`from\` (record ${a.parentId} lives in ${links.events.meta.name}, record ${b.parentId} in ${other.events.meta.name}): a link table joins events of one shard`,
      );
    }
  } else if (a.parentId !== undefined && b.parentId !== undefined) {
    // one shard's link table given alone: both ends must live in its shard
    const home = otherShard(links.events.meta, b.parentId);
    if (home !== undefined) {
      throw new SpectorOptionError(
        "to",
        b,
        `an event of shard ${links.events.meta.name}, but record ${b.parentId} lives in ${home}: a link table joins events of one shard`,
      );
    }
  }
  return { a, b, links };
}

/** Refuses an event given by an id that no shard of a set holds: there is no shard to write the link in. */
function unrouted(path: string, ref: CheckedRef, record: (parentId: string) => LinksTable): never {
  const shards = record(ref.id).events.set?.map((shard) => shard.meta.name) ?? [];
  throw new SpectorOptionError(
    path,
    ref.id,
    `the id of an event in one of the shards (${shards.join(", ")}), but none holds it: nothing was written`,
  );
}

/**
 * The record of a link's ends given as ids, for the Citus layout's `parent_id`: `from`'s, else `to`'s,
 * else `from`'s id (no such event: the foreign keys then refuse the link).
 */
async function recordOf(db: SpectorDatabase, links: LinksTable, a: CheckedRef, b: CheckedRef): Promise<string> {
  const e = links.events.table;
  const rows = await db
    .select({ id: e.id, parentId: e.parentId })
    .from(e)
    .where(inArray(e.id, [a.id, b.id]));
  const parentOf = (id: string) => rows.find((row) => row.id === id)?.parentId;
  return parentOf(a.id) ?? parentOf(b.id) ?? a.id;
}
