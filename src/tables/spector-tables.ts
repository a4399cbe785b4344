/**
 * `spectorTables`: Spector's `up/1`, every table of one set of options.
 *
 * @module
 */
import {
  buildEventTable,
  type EventTable,
  type HashedOf,
  type PgSchemaOf,
  type ShapeOf,
  type UpdatedAtOf,
  type AnyEventTable,
  type CitusOf,
} from "./event-table.js";
import { buildLinkTable, type LinkTable, type TypedOf } from "./link-table.js";
import type { HeadsTable, VersionHeadsTable } from "./heads-table.js";
import type { PositionsTable } from "./positions-table.js";
import { eventTableMeta } from "./meta.js";
import type { CheckedOptions, LinkSpec, SpectorOptionsShape, TableOrShards } from "./options.js";
import { planSchema } from "./plan.js";
import { names } from "../naming/index.js";

/** The events table names of the options: `table`, or each of `shards`. */
export type EventNamesOf<O> = O extends { readonly table: infer T extends string }
  ? T
  : O extends { readonly shards: readonly (infer S extends string)[] }
    ? S
    : never;

type LinkSpecsOf<O> = O extends { readonly links: readonly (infer L extends LinkSpec)[] } ? L : never;

/** One link table of the options: its name, events table, foreign key and typedness. */
type LinkEntry<O> =
  EventNamesOf<O> extends infer E extends string
    ? E extends string
      ? LinkSpecsOf<O> extends infer L extends LinkSpec
        ? L extends LinkSpec
          ? {
              name: O extends { readonly shards: readonly string[] } ? `${E}_${L[0]}` : L[0];
              foreignKey: L[1];
              typed: TypedOf<L>;
              events: EventTable<E, PgSchemaOf<O>, HashedOf<O>, UpdatedAtOf<O>, ShapeOf<O>, CitusOf<O>>;
            }
          : never
        : never
      : never
    : never;

/**
 * What {@link spectorTables} returns for options `O`: every table it defines, keyed by its PostgreSQL
 * name, each with its exact Drizzle type.
 *
 * @example
 * ```ts
 * type T = SpectorTables<{ table: "events"; links: [["event_ancestors", "ancestor_id"]] }>;
 * // { events: EventTable<"events", ...>; event_ancestors: LinkTable<"event_ancestors", ..., "ancestor_id", false> }
 * ```
 */
export type SpectorTables<O> = {
  [E in EventNamesOf<O>]: EventTable<E, PgSchemaOf<O>, HashedOf<O>, UpdatedAtOf<O>, ShapeOf<O>, CitusOf<O>>;
} & {
  [E in EventNamesOf<O> as O extends { readonly hashed: "record" } ? `${E}_heads` : never]: HeadsTable<
    `${E}_heads`,
    PgSchemaOf<O>
  >;
} & {
  [
    E in EventNamesOf<O> as O extends { readonly hashed: "record" }
      ? never
      : O extends { readonly versioned: true }
        ? `${E}_heads`
        : never
  ]: VersionHeadsTable<`${E}_heads`, PgSchemaOf<O>>;
} & {
  [E in EventNamesOf<O> as O extends { readonly positions: true } ? `${E}_positions` : never]: PositionsTable<
    `${E}_positions`,
    PgSchemaOf<O>
  >;
} & {
  [L in LinkEntry<O> as L["name"]]: LinkTable<L["name"], PgSchemaOf<O>, L["foreignKey"], L["typed"], L["events"]>;
};

/**
 * Defines every table of Spector's `up/1` for the same options: the events table (`table`) or one
 * per shard (`shards`), and for each of `links` a link table (per shard: `<shard>_<link>`). The
 * result is keyed by PostgreSQL table name; destructure it into top-level exports of your schema
 * file, which is what drizzle-kit reads.
 *
 * | option | type | default |
 * | --- | --- | --- |
 * | `table` | `string` | one of `table`/`shards` is required |
 * | `shards` | `string[]` | (at most 256) |
 * | `foreignShards` | `number` | the number of `shards`: how many of the first shards ids not made here route over |
 * | `hashed` | `boolean \| "record"` | `false` (`"record"` adds `<table>_heads` to the result) |
 * | `versioned` | `boolean` | `false` (`true` adds `<table>_heads`: record heads, for `expected` versions) |
 * | `positions` | `boolean` | `false` (`true` adds `<table>_positions`: the order `readAll` and consumers follow) |
 * | `appendOnly` | `boolean` | `false` |
 * | `links` | `[table, foreignKey, { typed?, constrained? }?][]` | `[]` (`typed` false, `constrained` true) |
 * | `pgSchema` | `string` | the default schema (`public`) |
 * | `updatedAt` | `boolean` | `true` |
 * | `layout` | `"spector" \| "citus"` | `"spector"` (`"citus"`: keyed by record, for Citus; not with `shards`) |
 *
 * @example
 * ```ts
 * // src/db/schema.ts
 * export const { events, event_ancestors, event_links } = spectorTables({
 *   table: "events",
 *   hashed: true,
 *   links: [
 *     ["event_ancestors", "ancestor_id"],
 *     ["event_links", "linked_id", { typed: true }],
 *   ],
 * });
 * ```
 * @throws {SpectorOptionError} (a `TypeError`) for bad options, before anything is built.
 */
export function spectorTables<const O extends SpectorOptionsShape>(
  options: O & CheckedOptions<O, keyof SpectorOptionsShape> & TableOrShards<O>,
): SpectorTables<O> {
  const plan = planSchema(options);
  const tables: Record<string, unknown> = {};
  const eventTables = new Map<string, AnyEventTable>();
  for (const events of plan.events) {
    const table = buildEventTable(events, plan.pgSchema);
    eventTables.set(events.name, table);
    tables[events.name] = table;
    if (events.recordChain || events.versioned)
      tables[names.recordChain.headsTable(events.name)] = eventTableMeta("table", table).headsTable;
    if (events.positions) tables[names.positions.table(events.name)] = eventTableMeta("table", table).positionsTable;
  }
  for (const link of plan.links) tables[link.name] = buildLinkTable(link, eventTables.get(link.events)!, plan.pgSchema);
  return tables as SpectorTables<O>;
}
