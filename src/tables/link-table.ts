/**
 * Link tables: Spector's `link_up/2`.
 *
 * @module
 */
import { foreignKey, index, uniqueIndex, type AnyPgColumn, type PgTable } from "drizzle-orm/pg-core";
import { linkEventIdColumn, linkForeignKeyColumn, linkParentIdColumn, linkTypeColumn } from "./columns.js";
import { at } from "../checks.js";
import { COLUMNS, camelCase, eventTableNames, linkTableNames, names, type CamelCase } from "../naming/index.js";
import type { AnyEventTable, CitusOfTable } from "./event-table.js";
import { tableFunction, type SpectorPgTable } from "./pg-table.js";
import { eventTableMeta, setMeta, type LinkTableMeta, type LinkTablePlan } from "./meta.js";
import type { LinkSpec, LiteralLinkFlags } from "./options.js";
import { checkLinkSpec } from "./link-spec.js";
import { claimNames } from "./name-claims.js";

/**
 * The column builders of a link table with foreign key `TForeignKey`, `type` only when typed,
 * `parentId` only in the Citus layout (`TCitus`).
 */
export type LinkColumns<
  TForeignKey extends string,
  TTyped extends boolean,
  TCitus extends boolean = false,
> = ReturnType<typeof linkEventIdColumn> & {
  [K in CamelCase<TForeignKey>]: ReturnType<typeof linkForeignKeyColumn<TForeignKey>>;
} & (TTyped extends true ? ReturnType<typeof linkTypeColumn> : {}) &
  ([TCitus] extends [true] ? ReturnType<typeof linkParentIdColumn> : {});

/**
 * The Drizzle type of a link table named `TName` whose foreign key column is `TForeignKey`.
 *
 * @example
 * ```ts
 * type Row = LinkTable<"event_links", undefined, "linked_id", true>["$inferSelect"];
 * // { eventId: string; linkedId: string; type: number }
 * ```
 */
export type LinkTable<
  TName extends string = string,
  TSchema extends string | undefined = string | undefined,
  TForeignKey extends string = string,
  TTyped extends boolean = boolean,
  TEvents = AnyEventTable,
> = SpectorPgTable<TName, TSchema, LinkColumns<TForeignKey, TTyped, CitusOfTable<TEvents>>> & LinkEventsMark<TEvents>;

declare const linkEvents: unique symbol;

/** The type-only mark of a link table: the events table both ends point at. No such property exists at run time. */
export interface LinkEventsMark<TEvents> {
  readonly [linkEvents]: TEvents;
}

/** The events table type of a link table type. */
export type EventsOfLink<T> = T extends LinkEventsMark<infer E> ? E : never;

/**
 * Any link table built by drizzle-spector, whatever its name, foreign key and options.
 *
 * @example
 * ```ts
 * function linkTableName(table: AnyLinkTable): string {
 *   return getTableName(table);
 * }
 * ```
 */
export type AnyLinkTable = PgTable & LinkEventsMark<AnyEventTable> & { readonly eventId: AnyPgColumn };

/** `true` when a link spec says `typed: true`. */
export type TypedOf<L> = L extends readonly [string, string, { readonly typed: true }] ? true : false;

/** Builds a checked link table pointing at `events`. */
export function buildLinkTable(plan: LinkTablePlan, events: AnyEventTable, schema: string | undefined): LinkTable {
  const foreignKeyKey = camelCase(plan.foreignKey);
  const citus = plan.layout === "citus";
  const columns = {
    ...linkEventIdColumn(),
    [foreignKeyKey]: linkForeignKeyColumn(plan.foreignKey),
    ...(plan.typed ? linkTypeColumn() : {}),
    ...(citus ? linkParentIdColumn() : {}),
  } as ReturnType<typeof linkEventIdColumn> & { other: ReturnType<typeof linkForeignKeyColumn> } & Partial<
      ReturnType<typeof linkTypeColumn> & ReturnType<typeof linkParentIdColumn>
    >;
  const table = tableFunction(schema)(plan.name, columns, (t) => {
    const other = (t as unknown as Record<string, typeof t.eventId>)[foreignKeyKey]!;
    const unique = names.linkUniqueColumns(plan);
    // the Citus layout: both ends are keyed by record, `(parent_id, end)` -> events `(parent_id, id)`,
    // so that a link between two records cannot exist (the same-parent rule, with no trigger)
    const end = (name: string, column: typeof t.eventId) =>
      citus
        ? foreignKey({ name, columns: [t.parentId!, column], foreignColumns: [events.parentId, events.id] })
        : foreignKey({ name, columns: [column], foreignColumns: [events.id] });
    const uniqueColumns = [
      ...(citus ? [t.parentId!] : []),
      t.eventId,
      other,
      ...(plan.typed ? [t.type!] : []),
    ] as unknown as [typeof t.eventId, ...(typeof t.eventId)[]];
    return [
      end(names.foreignKey(plan.name, COLUMNS.eventId), t.eventId).onDelete("cascade"),
      end(names.foreignKey(plan.name, plan.foreignKey), other).onDelete("cascade"),
      index(names.index(plan.name, [COLUMNS.eventId])).on(t.eventId),
      index(names.index(plan.name, [plan.foreignKey])).on(other),
      uniqueIndex(names.index(plan.name, unique)).on(...uniqueColumns),
    ];
  });
  const meta: LinkTableMeta = { kind: "link", pgSchema: schema, ...plan, eventsTable: events };
  return setMeta(table, meta) as unknown as LinkTable;
}

/**
 * Defines one link table on an existing events table, as Spector's `link_up/2`: `event_id` and the
 * foreign key column (both `uuid`, both cascading on delete), `type` when `typed`, Spector's indexes,
 * and (when `constrained`, the default) the same-parent rule, whose SQL `spectorTriggerSql` and the
 * `drizzle-spector generate` command write. The link table lives in the events table's schema. On an
 * events table with `layout: "citus"` the link table follows it: a `parent_id` column, foreign keys
 * `(parent_id, event_id)` and `(parent_id, <fk>)` to the events' `(parent_id, id)` (no trigger), and the
 * unique index led by `parent_id`.
 *
 * @example
 * ```ts
 * export const events = eventTable("events");
 * export const event_links = linkTable(events, ["event_links", "linked_id", { typed: true }]);
 * // later: one link table per shard, named your way
 * export const { events_0, events_1 } = spectorTables({ shards: ["events_0", "events_1"] });
 * export const ancestors_of_0 = linkTable(events_0, ["ancestors_of_0", "ancestor_id"]);
 * ```
 * @throws {SpectorOptionError} for a bad spec, or when `events` was not made by drizzle-spector.
 */
export function linkTable<const TEvents extends AnyEventTable, const L extends LinkSpec>(
  events: TEvents,
  spec: L & LiteralLinkFlags<L>,
): LinkTable<L[0], TEvents["_"]["schema"], L[1], TypedOf<L>, TEvents> {
  const eventsMeta = eventTableMeta("events", events);
  const layout = eventsMeta.layout === "citus" ? "citus" : "spector"; // metadata written by hand may lack it
  const plan = checkLinkSpec("spec", spec, eventsMeta.name, eventsMeta.appendOnly, undefined, layout);
  claimNames([
    {
      option: "events",
      value: eventsMeta.name,
      names: eventTableNames(eventsMeta.name, eventsMeta.recordIndex, layout),
    },
    { option: at("spec", 0), value: plan.name, names: linkTableNames(plan) },
  ]);
  return buildLinkTable(plan, events, eventsMeta.pgSchema) as never;
}
