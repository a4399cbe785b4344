/**
 * `link`: one link between two events of a record.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";
import { camelCase } from "../naming.js";
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
 * @example
 * ```ts
 * await link(db, event_ancestors, renamed, user); // renamed's ancestor is user
 * await link(db, event_links, renamed, user, { type: 1 });
 * ```
 * @throws {SpectorOptionError} for ids that are not UUIDs, events of different records on a
 * constrained table, events of different shards, or a missing or extra `type`.
 * @throws {SpectorSameParentError} (SQLSTATE `23514` on `code`) when the database's same-parent rule
 * refuses the link: its ends, given as ids, belong to different records.
 */
export async function link<Target extends LinkTarget>(
  db: SpectorDatabase,
  table: Target,
  from: EventArg<Target>,
  to: EventArg<Target>,
  ...options: LinkOptionsOf<LinkOf<Target>>
): Promise<LinkOf<Target>["$inferSelect"]> {
  const { a, b, links } = resolveLinkEnds(table, from, to);
  if (links.meta.constrained && a.parentId !== undefined && b.parentId !== undefined && a.parentId !== b.parentId) {
    throw new SpectorOptionError(
      "to",
      b,
      `an event of the same record as \`from\` (parent ${a.parentId}, but this one's parent is ${b.parentId}): ${links.meta.name} keeps both ends in one record`,
    );
  }
  const type = checkType(links.meta, options[0], true);
  const row = { eventId: a.id, [camelCase(links.meta.foreignKey)]: b.id, ...(type === undefined ? {} : { type }) };
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

/** Resolves the link table of a link and checks its two events, which must live in one shard. */
function resolveLinkEnds(
  table: unknown,
  from: unknown,
  to: unknown,
): { a: CheckedRef; b: CheckedRef; links: LinksTable } {
  const target = resolveLinks("table", table);
  const a = checkRef("from", from, target.sharded);
  const b = checkRef("to", to, target.sharded);
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
