/**
 * The table a helper works on, resolved once where the helper is entered: an events table or link
 * table made by drizzle-spector, or a shard set of them. What is resolved (the table's metadata, and how
 * to find the table of a record) is handed down as one value; nothing below reads the metadata again.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { at } from "../checks.js";
import { SpectorOptionError, SpectorRecordNotFoundError } from "../errors.js";
import { newEventId, newRecordId } from "../ids.js";
import { camelCase, displayName } from "../naming/index.js";
import type { EventTable } from "../tables/event-table.js";
import type { LinkTable } from "../tables/link-table.js";
import { eventTableMeta, linkTableMeta, type EventTableMeta, type LinkTableMeta } from "../tables/meta.js";
import type { SpectorDatabase } from "./types.js";
import { isShardSet, shardFor, shardHash, shardIndex, shardSetForeign, shardSetMetas } from "../tables/shards.js";

// The helpers build their queries on one concrete table type: a function generic over Drizzle table
// types does not type-check, and the result types come from the caller's table type instead.
/** The table type the helpers build their queries on. */
export type Events = EventTable<"events", undefined, false, false>;
/** The link table type the helpers build their queries on. */
export type Links = LinkTable<"links", undefined, "other_id", true>;

/** One events table and its metadata. */
export interface EventsTable {
  readonly table: Events;
  readonly meta: EventTableMeta;
}

/** One link table, its metadata, its foreign key column, and the events table both ends point at. */
export interface LinksTable {
  readonly table: Links;
  readonly meta: LinkTableMeta;
  readonly other: PgColumn;
  readonly events: EventsTable;
}

/** An events table or a shard set of them. */
export interface EventsTarget {
  /** What every table of the target shares: its columns and maps (for a set, the first shard's metadata). */
  readonly meta: EventTableMeta;
  /** The table that holds record `parentId`. */
  record(parentId: string): EventsTable;
  /** A new record: its id, and the table it starts in. */
  start(): { readonly id: string; readonly events: EventsTable };
}

/** A link table or a shard set of them. */
export interface LinksTarget {
  /** Whether the target is a shard set, which routes by the events' `parentId`. */
  readonly sharded: boolean;
  /** The link table for events of record `parentId`; a lone link table takes `undefined`. */
  record(parentId: string | undefined): LinksTable;
}

/**
 * Resolves the events table (or shard set) given at `path`. A lone shard of a `shards` list refuses a
 * record that lives in another shard (a read would find nothing, a write would hide it), and starts
 * new records with an id that routes to it.
 */
export function resolveEvents(path: string, target: unknown): EventsTarget {
  if (isShardSet(target)) {
    const metas = shardSetMetas(target);
    // a set of link tables: refused, naming its first table
    if (metas[0]!.kind !== "events") eventTableMeta(at(at(path, "tables"), 0), target.tables[0]);
    const first = metas[0] as EventTableMeta;
    const foreign = shardSetForeign(target);
    const shard = (i: number): EventsTable => ({ table: target.tables[i] as Events, meta: metas[i] as EventTableMeta });
    return {
      meta: first,
      record: (parentId) => shard(shardIndex(parentId, metas.length, foreign)),
      start() {
        // a new record goes to any shard of the list, uniformly, and its id says which
        const i = shardHash(newEventId()) % metas.length;
        return { id: newRecordId(i), events: shard(i) };
      },
    };
  }
  const meta = eventTableMeta(path, target);
  const events: EventsTable = { table: target as Events, meta };
  return {
    meta,
    record(parentId) {
      checkHomeShard(path, meta, parentId);
      return events;
    },
    start: () => ({ id: meta.shard === undefined ? newEventId() : idInShard(meta), events }),
  };
}

/** Every events table of the events table (or shard set) given at `path`, in the set's order. */
export function resolveEventTables(path: string, target: unknown): EventsTable[] {
  if (!isShardSet(target)) return [{ table: target as Events, meta: eventTableMeta(path, target) }];
  const metas = shardSetMetas(target);
  if (metas[0]!.kind !== "events") eventTableMeta(at(at(path, "tables"), 0), target.tables[0]);
  return target.tables.map((table, i) => ({ table: table as Events, meta: metas[i] as EventTableMeta }));
}

/**
 * Resolves the link table (or shard set) given at `path`. A lone link table of a shard refuses events
 * of a record that lives in another shard.
 */
export function resolveLinks(path: string, target: unknown): LinksTarget {
  if (isShardSet(target)) {
    const metas = shardSetMetas(target);
    const foreign = shardSetForeign(target);
    return {
      sharded: true,
      record(parentId) {
        const i = shardIndex(parentId!, metas.length, foreign);
        const meta = metas[i]!;
        return linksTable(path, target.tables[i], meta.kind === "link" && meta.eventsTable ? meta : undefined);
      },
    };
  }
  const links = linksTable(path, target);
  return {
    sharded: false,
    record(parentId) {
      if (parentId !== undefined) checkHomeShard(path, links.events.meta, parentId);
      return links;
    },
  };
}

/** A link table resolved: `meta` when it is already known, else read (or refused) here. */
function linksTable(path: string, table: unknown, known?: LinkTableMeta): LinksTable {
  const meta = known ?? linkTableMeta(path, table);
  const other = (table as Record<string, PgColumn>)[camelCase(meta.foreignKey)]!;
  const events = { table: meta.eventsTable as Events, meta: eventTableMeta(path, meta.eventsTable) };
  return { table: table as Links, meta, other, events };
}

/**
 * The shard record `parentId` lives in when `meta` is one shard of a `shards` list and the record
 * routes to another one (so it is not in `meta`'s table), else `undefined`.
 */
export function otherShard(meta: EventTableMeta, parentId: string): string | undefined {
  if (meta.shard === undefined) return undefined;
  const home = shardFor(parentId, meta.shard.names, { foreignShards: meta.shard.foreign });
  return home === meta.name ? undefined : home;
}

function checkHomeShard(path: string, meta: EventTableMeta, parentId: string): void {
  const home = otherShard(meta, parentId);
  if (home !== undefined) {
    throw new SpectorOptionError(
      path,
      `events table ${meta.name}`,
      `the shard of record ${parentId}, which is ${home} (pass the shard set to route by itself)`,
    );
  }
}

/** A new record id that routes to shard `meta` of its `shards` list (a record started in that shard). */
function idInShard(meta: EventTableMeta): string {
  return newRecordId(meta.shard!.index);
}

/**
 * Throws why `parentId` is no record of `events`: no such event, or one that is not a record's first
 * (`SpectorRecordNotFoundError`). The lookup uses pg_catalog's `=`, whatever the caller's search_path.
 */
export async function recordNotFound(db: SpectorDatabase, events: EventsTable, parentId: string): Promise<never> {
  const t = events.table;
  const [found] = await db
    .select({ parentId: t.parentId })
    .from(t)
    .where(sql`${t.id} OPERATOR(pg_catalog.=) ${parentId}::pg_catalog.text::pg_catalog.uuid`);
  throw new SpectorRecordNotFoundError(displayName(events.meta), parentId, found?.parentId);
}
