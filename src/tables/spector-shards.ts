/**
 * `spectorShards`: every table of a sharded log and the shard sets the helpers take, from one call.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";
import { OPTIONS, at } from "../checks.js";
import { names } from "../naming/index.js";
import type { CheckedOptions, LinkSpec, SpectorOptions, SpectorOptionsShape } from "./options.js";
import { shardSet, type ShardSet } from "./shards.js";
import { spectorTables, type EventNamesOf, type SpectorTables } from "./spector-tables.js";

/** The options of {@link spectorShards}: those of `spectorTables` with `shards` (not `table`). */
export type SpectorShardsOptions = SpectorOptionsShape & { readonly shards: readonly string[] };

/**
 * Requires `shards` and refuses `table` in the options of {@link spectorShards}, saying to call
 * `spectorTables` for one events table.
 */
type ShardsOnly<O> = O extends { readonly table: string }
  ? {
      readonly "drizzle-spector: spectorShards makes a sharded log from `shards`: leave `table` out (for one events table, call spectorTables)": "table";
    }
  : O extends { readonly shards: readonly string[] }
    ? unknown
    : {
        readonly "drizzle-spector: spectorShards makes a sharded log: give `shards`, the events tables' names": "shards";
      };

/** The names of the link specs of options `O` (`"ancestors"` for `links: [["ancestors", "ancestor_id"]]`). */
type LinkNamesOf<O> = O extends { readonly links: readonly (infer L extends LinkSpec)[] } ? L[0] : never;

/** The table named `K` (each of a union) of options `O`, with its exact type. */
type TableOf<O, K> = K extends keyof SpectorTables<O> ? SpectorTables<O>[K] : never;

/**
 * What {@link spectorShards} returns for options `O`: `tables`, every table keyed by its PostgreSQL
 * name (what `spectorTables` returns), `events`, the events tables as a shard set, and `links`, one
 * shard set per link spec, keyed by the spec's name.
 *
 * @example
 * ```ts
 * type S = SpectorShards<{ shards: ["log_0", "log_1"]; links: [["ancestors", "ancestor_id"]] }>;
 * // S["events"]: ShardSet<EventTable<"log_0", ...> | EventTable<"log_1", ...>>
 * // S["links"]["ancestors"]: ShardSet<LinkTable<"log_0_ancestors", ...> | LinkTable<"log_1_ancestors", ...>>
 * ```
 */
export interface SpectorShards<O> {
  /** Every table, keyed by its PostgreSQL name: destructure it into the schema file's exports. */
  readonly tables: SpectorTables<O>;
  /** The events tables, in the order of `shards`: what `appendEvent`, `listByParent`, ... take. */
  readonly events: ShardSet<TableOf<O, EventNamesOf<O>>>;
  /** Each link spec's tables (one per shard, in the order of `shards`), keyed by the spec's name. */
  readonly links: { readonly [L in LinkNamesOf<O>]: ShardSet<TableOf<O, `${EventNamesOf<O>}_${L}`>> };
}

/**
 * Defines a sharded log in one call: the tables of `spectorTables({ shards, ... })` (an events table
 * per shard, its link tables `<shard>_<link>`, its heads table with `hashed: "record"`), and the shard
 * sets the helpers take, built from the same list, so that no list of tables is kept in step by hand.
 *
 * drizzle-kit reads only the tables a schema file exports by name, so `tables` is destructured into
 * exports; the rest pattern with `satisfies` makes a table left out of that list a type error (and
 * `drizzle-spector generate`, `push` and `check` refuse it too). Growing works as with `spectorTables`:
 * append to `shards`, set `foreignShards` to the count before the first append, and add the new
 * shard's tables to the export list (the type error names them).
 *
 * @example
 * ```ts
 * // src/db/orders.ts
 * const orders = spectorShards({
 *   shards: ["orders_0", "orders_1"],
 *   links: [["ancestors", "ancestor_id"]],
 * });
 * export const { orders_0, orders_1, orders_0_ancestors, orders_1_ancestors, ...unexported } = orders.tables;
 * unexported satisfies Record<string, never>; // a table left out of the list above does not compile
 * export const orderShards = orders.events; // appendEvent(db, orderShards, ...), listByParent, ...
 * export const ancestorShards = orders.links.ancestors; // link(db, ancestorShards, ...), ancestors, ...
 * ```
 * @throws {SpectorOptionError} (a `TypeError`) for bad options (as `spectorTables`), and for `table`
 * instead of `shards`, before anything is built.
 */
export function spectorShards<const O extends SpectorOptionsShape>(
  options: O & CheckedOptions<O, keyof SpectorOptions> & ShardsOnly<O>,
): SpectorShards<O> {
  const given = options as unknown as { table?: unknown; shards?: unknown; links?: readonly LinkSpec[] };
  if (given.table !== undefined) {
    throw new SpectorOptionError(
      at(OPTIONS, "table"),
      given.table,
      "left out: `spectorShards` makes a sharded log from `shards` (for one events table, call `spectorTables`)",
    );
  }
  if (given.shards === undefined) {
    throw new SpectorOptionError(
      at(OPTIONS, "shards"),
      undefined,
      "a list of events table names: `spectorShards` makes a sharded log (for one events table, call `spectorTables`)",
    );
  }
  const tables = spectorTables(options as never) as unknown as Record<string, object>;
  const shards = given.shards as readonly string[];
  const links = Object.fromEntries(
    (given.links ?? []).map(([link]) => [
      link,
      shardSet(shards.map((shard) => tables[names.shardLinkTable(shard, link)]!)),
    ]),
  );
  return Object.freeze({
    tables: tables as SpectorTables<O>,
    events: shardSet(shards.map((shard) => tables[shard]!)),
    links: Object.freeze(links),
  }) as unknown as SpectorShards<O>;
}
