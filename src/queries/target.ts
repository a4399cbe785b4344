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
import { newEventId, newRecordId, recordIdShard } from "../ids.js";
import { COLUMNS, camelCase, displayName } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";
import { rowQuery, rowsOf } from "./rows.js";
import type { EventTable } from "../tables/event-table.js";
import type { LinkTable } from "../tables/link-table.js";
import { eventTableMeta, getMeta, linkTableMeta, type EventTableMeta, type LinkTableMeta } from "../tables/meta.js";
import type { SpectorDatabase } from "./types.js";
import type { CheckedRef } from "./inputs.js";
import {
  isShardSet,
  shardFor,
  shardHash,
  shardIndex,
  shardSetForeign,
  shardSetMetas,
  type ShardSet,
} from "../tables/shards.js";

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
  /**
   * On a shard set: every shard of the set, in order (this one among them), where an event is looked
   * for by its id when it is not in the shard its id routes to ({@link findEvent}).
   */
  readonly set?: readonly EventsTable[];
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
  /** What every table of the target shares: its spec (for a set, the first shard's metadata). */
  readonly meta: LinkTableMeta;
  /** The link table for events of record `parentId`; a lone link table takes `undefined`. */
  record(parentId: string | undefined): LinksTable;
  /**
   * An event given as a bare id, with its record when the target needs it to route (a shard set): a
   * record's id carries its shard, any other id is looked up in the set's events tables. `undefined`
   * when no shard holds it. Events given as rows, and any event on a lone link table, come back as given.
   */
  locate(db: SpectorDatabase, ref: CheckedRef): Promise<CheckedRef | undefined>;
}

/**
 * Resolves the events table (or shard set) given at `path`. A lone shard of a `shards` list refuses a
 * record that lives in another shard (a read would find nothing, a write would hide it), and starts
 * new records with an id that routes to it.
 */
export function resolveEvents(path: string, target: unknown): EventsTarget {
  if (isShardSet(target)) {
    const shards = eventsShards(path, target);
    const foreign = shardSetForeign(target);
    return {
      meta: shards[0]!.meta,
      record: (parentId) => shards[shardIndex(parentId, shards.length, foreign)]!,
      start() {
        // a new record goes to any shard of the list, uniformly, and its id says which
        const i = shardHash(newEventId()) % shards.length;
        return { id: newRecordId(i), events: shards[i]! };
      },
    };
  }
  refuseArray(path, target, "an events table");
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
export function resolveEventTables(path: string, target: unknown): readonly EventsTable[] {
  if (isShardSet(target)) return eventsShards(path, target);
  refuseArray(path, target, "an events table");
  return [{ table: target as Events, meta: eventTableMeta(path, target) }];
}

/** The shards of each events shard set, resolved once (a set never changes). */
const EVENTS_SHARDS = new WeakMap<object, readonly EventsTable[]>();

/** The shards of events shard set `set` given at `path` (a set of link tables is refused, naming its first table). */
function eventsShards(path: string, set: ShardSet<unknown>): readonly EventsTable[] {
  const known = EVENTS_SHARDS.get(set);
  if (known !== undefined) return known;
  const metas = shardSetMetas(set);
  if (metas[0]!.kind !== "events") eventTableMeta(at(at(path, "tables"), 0), set.tables[0]);
  const shards: EventsTable[] = [];
  set.tables.forEach((table, i) =>
    shards.push({ table: table as Events, meta: metas[i] as EventTableMeta, set: shards }),
  );
  Object.freeze(shards);
  EVENTS_SHARDS.set(set, shards);
  return shards;
}

/**
 * Refuses an array where a table or a shard set belongs (`what`: the table it takes), saying to pass
 * the shard set, which routes each record to its shard: an array says nothing about the order and
 * `foreignShards` the routing needs.
 */
function refuseArray(path: string, value: unknown, what: string): void {
  if (!Array.isArray(value)) return;
  const shown = value.map((item) => {
    const meta = getMeta(item);
    return meta ? `${meta.kind} table ${meta.name}` : item;
  });
  throw new SpectorOptionError(
    path,
    shown,
    `${what} or a shard set, not an array: pass the shard set of these tables, \`spectorShards(...).events\` ` +
      "(or `.links.<name>`), or `shardSet([...])` of them in the order of `shards`, which routes each record to its shard",
  );
}

/**
 * Resolves the link table (or shard set) given at `path`. A lone link table of a shard refuses events
 * of a record that lives in another shard.
 */
export function resolveLinks(path: string, target: unknown): LinksTarget {
  if (isShardSet(target)) {
    const shards = linksShards(path, target);
    const foreign = shardSetForeign(target);
    const record = (parentId: string | undefined) => shards[shardIndex(parentId!, shards.length, foreign)]!;
    return {
      sharded: true,
      meta: shards[0]!.meta,
      record,
      async locate(db, ref) {
        if (ref.parentId !== undefined) return ref;
        // a record's id carries its shard (and is its own record); any other id is looked up
        if (recordIdShard(ref.id) !== undefined) return { id: ref.id, parentId: ref.id.toLowerCase() };
        const found = await findEvent(db, shards[0]!.events, ref.id);
        return found && { id: ref.id, parentId: found.parentId };
      },
    };
  }
  refuseArray(path, target, "a link table");
  const links = linksTable(path, target);
  return {
    sharded: false,
    meta: links.meta,
    record(parentId) {
      if (parentId !== undefined) checkHomeShard(path, links.events.meta, parentId);
      return links;
    },
    locate: async (_, ref) => ref,
  };
}

/** The shards of each link shard set, resolved once (a set never changes). */
const LINKS_SHARDS = new WeakMap<object, readonly LinksTable[]>();

/**
 * The link tables of shard set `set` given at `path`, each with its events table, those knowing the
 * set's other events tables (a set of events tables is refused, naming its first table).
 */
function linksShards(path: string, set: ShardSet<unknown>): readonly LinksTable[] {
  const known = LINKS_SHARDS.get(set);
  if (known !== undefined) return known;
  const metas = shardSetMetas(set);
  const resolved = set.tables.map((table, i) => {
    const meta = metas[i]!;
    return linksTable(at(at(path, "tables"), i), table, meta.kind === "link" && meta.eventsTable ? meta : undefined);
  });
  const events: EventsTable[] = [];
  const shards = resolved.map((links) => {
    const shard = { ...links.events, set: events };
    events.push(shard);
    return { ...links, events: shard };
  });
  Object.freeze(events);
  LINKS_SHARDS.set(set, shards);
  return shards;
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
 * Where event `id` is: the table that holds it (`events` first, then the other shards of its set, or,
 * for one shard of a `shards` list given alone, the other shards of the list that exist, by name) and
 * its `parent_id`; `undefined` when none does. For the helpers' error paths: the lookups use
 * pg_catalog's `=`, whatever the caller's search_path, and never fail on a shard not created yet.
 */
export async function findEvent(
  db: SpectorDatabase,
  events: EventsTable,
  id: string,
): Promise<{ readonly table: string; readonly parentId: string } | undefined> {
  // one statement over every shard of a set (a UNION ALL of lookups by primary key), the routed one first
  const places = [events, ...(events.set ?? []).filter((shard) => shard.table !== events.table)];
  const lookups = places.map(
    ({ table: t }, i) =>
      sql`(select ${sql.raw(String(i))} as place, ${t.parentId}::pg_catalog.text as parent_id from ${t} where ${t.id} OPERATOR(pg_catalog.=) ${id}::pg_catalog.text::pg_catalog.uuid)`,
  );
  const [row] = rowsOf(await db.execute(sql`${sql.join(lookups, sql` union all `)} limit 1`));
  if (row !== undefined)
    return { table: displayName(places[Number(row.place)]!.meta), parentId: String(row.parent_id) };
  const { shard, pgSchema, name } = events.meta;
  if (events.set !== undefined || shard === undefined) return undefined;
  const query = rowQuery(db);
  for (const other of shard.names.filter((each) => each !== name)) {
    const table = quoteQualified(pgSchema, other);
    const [exists] = await query(`SELECT pg_catalog.to_regclass($1) IS NOT NULL AS there`, [table]);
    if (exists?.there !== true && exists?.there !== "t") continue;
    const [found] = await query(
      `SELECT ${quoteIdent(COLUMNS.parentId)}::pg_catalog.text AS parent_id FROM ${table} ` +
        `WHERE ${quoteIdent(COLUMNS.id)} OPERATOR(pg_catalog.=) $1::pg_catalog.text::pg_catalog.uuid`,
      [id],
    );
    if (found !== undefined)
      return { table: displayName({ pgSchema, name: other }), parentId: String(found.parent_id) };
  }
  return undefined;
}

/**
 * Throws why `parentId` is no record of `events`: no such event, or one that is not a record's first
 * (`SpectorRecordNotFoundError`), naming the shard of a set that holds it.
 */
export async function recordNotFound(db: SpectorDatabase, events: EventsTable, parentId: string): Promise<never> {
  const found = await findEvent(db, events, parentId);
  if (found === undefined || found.parentId === parentId) {
    throw new SpectorRecordNotFoundError(displayName(events.meta), parentId, undefined);
  }
  throw new SpectorRecordNotFoundError(found.table, parentId, found.parentId);
}

/**
 * For the read helpers, which give `[]` for a record that is not there: throws
 * `SpectorRecordNotFoundError` when `parentId` is an event but not the first of its record (a mistake
 * an empty result would hide), naming its record and the shard of a set that holds it.
 */
export async function refuseLaterEvent(db: SpectorDatabase, events: EventsTable, parentId: string): Promise<void> {
  const found = await findEvent(db, events, parentId);
  if (found === undefined || found.parentId === parentId.toLowerCase()) return;
  throw new SpectorRecordNotFoundError(found.table, parentId.toLowerCase(), found.parentId, {
    reading: true,
  });
}
