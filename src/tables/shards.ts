/**
 * Shard routing: which shard of an ordered list holds a record, in a way that survives appending
 * shards to the list.
 *
 * A record's shard is chosen once, when the record starts, and written into its id: `appendEvent` on a
 * shard set starts a record with {@link newRecordId}, a UUIDv7 whose last 32 bits are the marker
 * `d5ec70` and the shard index (one byte). Routing reads the index back, so appending shards never
 * moves a record, and new records spread uniformly over every shard of the list they were started with.
 *
 * Ids without the marker (another service's records, Spector's own UUIDv7s, UUIDv4s, and every id
 * made before drizzle-spector put the shard in the id) are "foreign": they route over the first
 * `foreignShards` shards (default: all of them; set it to the original count before appending), by a
 * hash of all 16 bytes, simple enough to port to any language:
 *
 * 1. the 16 bytes of the UUID, in their text order (hex digits in pairs, hyphens skipped);
 * 2. 32-bit FNV-1a over them: `h = 0x811c9dc5`, then for each byte `h = (h XOR byte) * 0x01000193 mod 2^32`;
 * 3. MurmurHash3's 32-bit finaliser: `h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16`
 *    (multiplications mod 2^32, shifts unsigned);
 * 4. shard index = `h mod foreignShards`.
 *
 * An id with the marker and an index beyond the list is refused (a process with a longer `shards`
 * list started it, or a foreign UUIDv7 carries the marker by chance, once in 2^24).
 *
 * @module
 */
import { checkUuid } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { recordIdShard } from "../ids.js";
import type { CodeMap } from "./codes.js";
import { getMeta, type EventTableMeta, type SpectorMeta } from "./meta.js";

/**
 * The 32-bit routing hash of a UUID (see the module notes for the exact algorithm). `option` names the
 * argument in the error for an id that is not a UUID.
 *
 * @example
 * ```ts
 * shardHash("00000000-0000-0000-0000-000000000000"); // the same number in every process and language
 * ```
 * @throws {SpectorOptionError} when `id` is not a UUID.
 */
export function shardHash(id: string, option = "id"): number {
  checkUuid(option, id);
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length;) {
    if (id.charCodeAt(i) === 45 /* - */) {
      i++;
      continue;
    }
    h = Math.imul(h ^ parseInt(id.slice(i, i + 2), 16), 0x01000193);
    i += 2;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

declare const shardSetBrand: unique symbol;

/**
 * An ordered set of shard tables (events tables, or the link tables of one link spec, one per shard),
 * made by {@link shardSet}. The helpers (`appendEvent`, `listByParent`, `link`, ...) accept one and
 * pick the table of a record themselves.
 */
export interface ShardSet<T> {
  readonly tables: readonly T[];
  readonly [shardSetBrand]?: T;
}

/** Every set made by {@link shardSet}, with the metadata of its tables, in order. */
const SHARD_SETS = new WeakMap<object, readonly SpectorMeta[]>();
/** Where each events table stands in the events shard set it was last put in. */
const EVENTS_POSITION = new WeakMap<object, { readonly index: number; readonly size: number }>();

/**
 * The index of the shard that holds record `parentId` in a list of `count` shards whose ids not made
 * by drizzle-spector route over the first `foreignShards` (see the module notes): the index a record
 * id carries ({@link recordIdShard}), else `shardHash(parentId) mod foreignShards`.
 *
 * @example
 * ```ts
 * shardIndex(newRecordId(2), 3); // 2, and still 2 with 4 shards
 * shardIndex("0192f0c1-7b3e-7cc4-9a51-0e1f5c8a3d21", 3, 2); // 1: shardHash(id) % 2, whatever the count
 * ```
 * @throws {SpectorOptionError} when `parentId` is not a UUID, or carries a shard index of `count` or more.
 */
export function shardIndex(parentId: string, count: number, foreignShards = count, option = "parentId"): number {
  const id = checkUuid(option, parentId);
  const own = recordIdShard(id);
  if (own === undefined) return shardHash(id, option) % foreignShards;
  if (own >= count) {
    throw new SpectorOptionError(
      option,
      parentId,
      `the id of a record in one of the ${count} shards, but it was started in shard ${own} (by a process with a longer \`shards\` list?)`,
    );
  }
  return own;
}

/** Options of {@link shardFor}. */
export interface ShardForOptions {
  /**
   * How many of the first shards ids not made by drizzle-spector route over. Default: the
   * `foreignShards` of the tables' `spectorTables` options when the list holds them (or is their shard
   * set), else the length of the list.
   */
  readonly foreignShards?: number;
}

/**
 * Picks the shard of a record from the ordered list of shards (table objects, names, anything):
 * deterministic, the same for every process and for the Elixir side if it ports the routing, stable
 * when shards are appended to the list, and uniform over the records `appendEvent` starts.
 *
 * @example
 * ```ts
 * shardFor(parentId, ["events_0", "events_1", "events_2", "events_3"]); // e.g. "events_2"
 * shardFor(parentId, eventShards); // the table object
 * shardFor(parentId, ["events_0", "events_1", "events_2"], { foreignShards: 2 }); // grown from 2 shards
 * ```
 * @throws {SpectorOptionError} when `parentId` is not a UUID or carries an index beyond the list, the
 * list is empty, or `foreignShards` is not an integer from 1 to the list's length.
 */
export function shardFor<T>(parentId: string, shards: readonly T[] | ShardSet<T>, options: ShardForOptions = {}): T {
  const list = isShardSet(shards) ? shards.tables : shards;
  if (!Array.isArray(list) || list.length === 0) {
    throw new SpectorOptionError("shards", shards, "a non-empty array of shards, or a shard set made by `shardSet`");
  }
  const known = isShardSet(shards) ? shardSetForeign(shards) : eventsShard(getMeta(list[0]))?.foreign;
  const foreign = options.foreignShards ?? known ?? list.length;
  if (!Number.isInteger(foreign) || foreign < 1 || foreign > list.length) {
    throw new SpectorOptionError(
      "options.foreignShards",
      foreign,
      `an integer from 1 to the number of shards (${list.length})`,
    );
  }
  return list[shardIndex(parentId, list.length, foreign)] as T;
}

/** `true` when two code maps give the same names the same integers. */
function sameCodes(a: CodeMap | undefined, b: CodeMap | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.byName.size === b.byName.size && [...a.byName].every(([name, code]) => b.byName.get(name) === code);
}

/** The metadata of the tables of a set made by {@link shardSet}, in order (checked when it was made). */
export function shardSetMetas(set: ShardSet<unknown>): readonly SpectorMeta[] {
  return SHARD_SETS.get(set)!;
}

/**
 * How many of the first shards of a set made by {@link shardSet} foreign ids route over: the
 * `foreignShards` of its tables' `spectorTables` options, else all of them.
 */
export function shardSetForeign(set: ShardSet<unknown>): number {
  const metas = shardSetMetas(set);
  return eventsShard(metas[0])?.foreign ?? metas.length;
}

/** The place in its `shards` list of an events table, or of a link table's events table. */
function eventsShard(meta: SpectorMeta | undefined): EventTableMeta["shard"] {
  if (meta === undefined) return undefined;
  if (meta.kind === "events") return meta.shard;
  if (meta.kind === "heads") return undefined;
  const events = getMeta(meta.eventsTable);
  return events?.kind === "events" ? events.shard : undefined;
}

/** `true` for a set made by {@link shardSet}. */
export function isShardSet(value: unknown): value is ShardSet<unknown> {
  return typeof value === "object" && value !== null && SHARD_SETS.has(value);
}

/**
 * Groups shard tables for the helpers, in the order of the factory's `shards` list: the events tables
 * (`[events_0, events_1]`), or one link spec's tables (`[events_0_ancestors, events_1_ancestors]`).
 * Tables made by `spectorTables({ shards })` are checked against that list, so a set in another order
 * (which would route records to the wrong shard) is refused.
 *
 * @example
 * ```ts
 * export const { events_0, events_1, events_0_ancestors, events_1_ancestors } = spectorTables({
 *   shards: ["events_0", "events_1"],
 *   links: [["ancestors", "ancestor_id"]],
 * });
 * export const eventShards = shardSet([events_0, events_1]);
 * export const ancestorShards = shardSet([events_0_ancestors, events_1_ancestors]);
 * ```
 * @throws {SpectorOptionError} for an empty list, tables not made by drizzle-spector, a mix of kinds,
 * link tables of different specs or on one events table, a table given twice, tables out of the
 * `shards` order (or, for link tables, out of their events tables' set), or events tables whose
 * `schemas` / `actions` differ.
 */
export function shardSet<const T extends object>(tables: readonly T[]): ShardSet<T> {
  if (!Array.isArray(tables) || tables.length === 0) {
    throw new SpectorOptionError("tables", tables, "a non-empty array of events tables, or of link tables of one spec");
  }
  const metas = tables.map((table, i) => {
    const meta = getMeta(table);
    if (!meta || meta.kind === "heads")
      throw new SpectorOptionError(
        `tables[${i}]`,
        table,
        "a table made by `spectorTables`, `eventTable` or `linkTable`",
      );
    return meta;
  });
  const first = metas[0]!;
  const seen = new Set<object>();
  metas.forEach((meta, i) => {
    const option = `tables[${i}]`;
    if (meta.kind !== first.kind)
      throw new SpectorOptionError(
        option,
        meta.name,
        `${first.kind === "events" ? "an events" : "a link"} table, as \`tables[0]\` is`,
      );
    if (seen.has(tables[i]!)) throw new SpectorOptionError(option, meta.name, "a table not already in the set");
    seen.add(tables[i]!);
    if (meta.kind === "link" && first.kind === "link") {
      if (
        meta.foreignKey !== first.foreignKey ||
        meta.typed !== first.typed ||
        meta.constrained !== first.constrained
      ) {
        throw new SpectorOptionError(
          option,
          meta.name,
          `a link table of the same spec as \`tables[0]\` (${first.name}: foreign key ${first.foreignKey})`,
        );
      }
      const events = metas.findIndex((m) => m.kind === "link" && m.eventsTable === meta.eventsTable);
      if (events !== i)
        throw new SpectorOptionError(
          option,
          meta.name,
          `a link table on another events table than \`tables[${events}]\` (one link table per shard)`,
        );
      const position = meta.eventsTable && EVENTS_POSITION.get(meta.eventsTable);
      if (position && (position.index !== i || position.size !== tables.length)) {
        throw new SpectorOptionError(
          option,
          meta.name,
          `the link table of shard ${i}, but its events table ${getMeta(meta.eventsTable)?.name} is shard ${position.index} of ${position.size} in its shard set (list link tables in the events tables' order)`,
        );
      }
    }
    if (meta.kind === "events" && first.kind === "events") {
      if (!sameCodes(meta.schemas, first.schemas) || !sameCodes(meta.actions, first.actions)) {
        throw new SpectorOptionError(
          option,
          meta.name,
          `an events table with the same \`schemas\` and \`actions\` as \`tables[0]\` (${first.name})`,
        );
      }
      if (
        meta.hashed !== first.hashed ||
        meta.recordChain !== first.recordChain ||
        meta.updatedAt !== first.updatedAt
      ) {
        throw new SpectorOptionError(
          option,
          meta.name,
          `an events table with the same columns as \`tables[0]\` (${first.name}): the same \`hashed\` and \`updatedAt\``,
        );
      }
      if (Boolean(meta.versioned) !== Boolean(first.versioned)) {
        throw new SpectorOptionError(
          option,
          meta.name,
          `an events table with record heads as \`tables[0]\` (${first.name}) has them, or without as it has none: the same \`versioned\``,
        );
      }
      if (Boolean(meta.positions) !== Boolean(first.positions)) {
        throw new SpectorOptionError(
          option,
          meta.name,
          `an events table with positions as \`tables[0]\` (${first.name}) has them, or without as it has none: the same \`positions\``,
        );
      }
    }
  });
  metas.forEach((meta, i) => {
    const option = `tables[${i}]`;
    const shard = eventsShard(meta);
    if (shard && shard.names.length !== tables.length) {
      // a shard left out (or one too many): name what is missing, not a table that is in its place
      const given = metas.map((m) => (m.kind === "link" ? (getMeta(m.eventsTable)?.name ?? m.name) : m.name));
      const missing = shard.names.filter((name) => !given.includes(name));
      throw new SpectorOptionError(
        "tables",
        metas.map((m) => m.name),
        `one table for each of the ${shard.names.length} shards of \`shards\` (${shard.names.map((n) => JSON.stringify(n)).join(", ")}), in that order` +
          (missing.length > 0
            ? `, but the shard${missing.length === 1 ? "" : "s"} ${missing.map((n) => JSON.stringify(n)).join(", ")} ${missing.length === 1 ? "is" : "are"} missing`
            : ""),
      );
    }
    if (shard && shard.index !== i) {
      throw new SpectorOptionError(
        option,
        meta.name,
        `the table of shard ${JSON.stringify(shard.names[i] ?? "(none)")}: a shard set lists one table per shard, in the order of \`shards\` (${shard.names.map((n) => JSON.stringify(n)).join(", ")})`,
      );
    }
  });
  const set: ShardSet<T> = Object.freeze({ tables: Object.freeze([...tables]) });
  SHARD_SETS.set(set, Object.freeze(metas));
  if (first.kind === "events")
    tables.forEach((table, index) => EVENTS_POSITION.set(table, { index, size: tables.length }));
  return set;
}
