/**
 * The events table: Spector's `up/1` for one table.
 *
 * @module
 */
import { foreignKey, index, primaryKey, type AnyPgColumn, type PgTable } from "drizzle-orm/pg-core";
import type { BaseAction, CodeColumn, PayloadFor, PayloadType } from "./codes.js";

export type { ByAction, PayloadFor } from "./codes.js";
import {
  eventHashColumn,
  eventIdColumn,
  eventInsertedAtColumn,
  eventLeadingColumns,
  eventParentIdColumn,
  eventPayloadColumn,
  eventUpdatedAtColumn,
} from "./columns.js";
import { SpectorOptionError } from "../errors.js";
import { COLUMNS, displayName, eventTableNames, names } from "../naming/index.js";
import { eventTableMeta, setMeta, type EventTableMeta, type EventTablePlan } from "./meta.js";
import type { CheckedOptions, EventTableOptions } from "./options.js";
import { checkEventTableOptions } from "./event-options.js";
import { checkTableName, eventTableNameLimit } from "./name-claims.js";
import {
  buildHeadsTable,
  recordChainHeads,
  recordHeads,
  type HeadsTable,
  type VersionHeadsTable,
} from "./heads-table.js";
import { buildPositionsTable } from "./positions-table.js";
import { tableFunction, type SpectorPgTable } from "./pg-table.js";

export { tableFunction, type SpectorPgTable } from "./pg-table.js";

/**
 * What the types know about an events table beyond its SQL columns: the TypeScript types of `schema`
 * and `action` (names, or plain numbers without a map), of `payload`, and the payload type per schema
 * name when the options declare `payloads`.
 */
export interface EventShape {
  readonly schema: string | number;
  readonly action: string | number;
  readonly payload: unknown;
  readonly payloads: object | undefined;
}

/** The shape of a table without maps or payload types. */
export interface PlainShape extends EventShape {
  readonly schema: number;
  readonly action: number;
  readonly payload: unknown;
  readonly payloads: undefined;
}

type SchemaNamesOf<O> = O extends { readonly schemas: infer M } ? keyof M & string : number;
type PayloadsOf<O> = O extends { readonly payloads: PayloadType<infer P extends object> } ? P : undefined;

/**
 * The {@link EventShape} the options `O` describe.
 *
 * @example
 * ```ts
 * type S = ShapeOf<{ schemas: { user: 0; post: 1 } }>["schema"]; // "user" | "post"
 * ```
 */
export type ShapeOf<O> = {
  readonly schema: SchemaNamesOf<O>;
  readonly action: O extends { readonly actions: infer M } ? (keyof M & string) | BaseAction : number;
  readonly payload: PayloadsOf<O> extends infer P extends object
    ? { [S in SchemaNamesOf<O> & string]: PayloadFor<P, S> }[SchemaNamesOf<O> & string]
    : O extends { readonly payload: PayloadType<infer P> }
      ? P
      : unknown;
  readonly payloads: PayloadsOf<O>;
};

/** The column builders of an events table, `hash` only when hashed, `updatedAt` unless turned off. */
export type EventColumns<
  THashed extends boolean,
  TUpdatedAt extends boolean,
  TShape extends EventShape = PlainShape,
> = {
  id: ReturnType<typeof eventIdColumn>;
  parentId: ReturnType<typeof eventParentIdColumn>;
  payload: ReturnType<typeof eventPayloadColumn<TShape["payload"]>>;
  schema: CodeColumn<"schema", TShape["schema"]>;
  action: CodeColumn<"action", TShape["action"]>;
} & (THashed extends true ? ReturnType<typeof eventHashColumn> : {}) &
  ReturnType<typeof eventInsertedAtColumn> &
  (TUpdatedAt extends true ? ReturnType<typeof eventUpdatedAtColumn> : {});

declare const eventShape: unique symbol;

/** The type-only mark of an events table: its {@link EventShape}. No such property exists at run time. */
export interface EventShapeMark<TShape extends EventShape> {
  readonly [eventShape]: TShape;
}

/**
 * The Drizzle type of an events table named `TName` in PostgreSQL schema `TSchema` (`undefined` for
 * the default schema).
 *
 * @example
 * ```ts
 * type Row = EventTable<"events", undefined, true, true>["$inferSelect"];
 * // { id: string; parentId: string; payload: unknown; schema: number; action: number;
 * //   hash: Buffer | null; insertedAt: string; updatedAt: string }
 * ```
 */
export type EventTable<
  TName extends string = string,
  TSchema extends string | undefined = string | undefined,
  THashed extends boolean = boolean,
  TUpdatedAt extends boolean = boolean,
  TShape extends EventShape = PlainShape,
  TCitus extends boolean = false,
> = SpectorPgTable<TName, TSchema, EventColumns<THashed, TUpdatedAt, TShape>> &
  EventShapeMark<TShape> &
  EventLayoutMark<TCitus>;

declare const eventLayout: unique symbol;

/**
 * The type-only mark of an events table's layout: `true` for `layout: "citus"` (its link tables then
 * have `parentId`). No such property exists at run time.
 */
export interface EventLayoutMark<TCitus extends boolean> {
  readonly [eventLayout]: TCitus;
}

/** `true` when the events table type `T` has the Citus layout. */
export type CitusOfTable<T> = T extends EventLayoutMark<infer C> ? ([C] extends [true] ? true : false) : false;

/** The {@link EventShape} of an events table type. */
export type ShapeOfTable<T> = T extends EventShapeMark<infer S> ? S : never;

/**
 * Any events table built by drizzle-spector, whatever its name and options: the type for a function
 * that takes one.
 *
 * @example
 * ```ts
 * function describe(table: AnyEventTable): string {
 *   return getTableName(table);
 * }
 * ```
 */
export type AnyEventTable = PgTable &
  EventShapeMark<EventShape> & {
    readonly id: AnyPgColumn;
    readonly parentId: AnyPgColumn;
    readonly payload: AnyPgColumn;
    readonly schema: AnyPgColumn;
    readonly action: AnyPgColumn;
    readonly insertedAt: AnyPgColumn;
  };

/** `true` when the options say `hashed: true` or `hashed: "record"`: the table has a `hash` column. */
export type HashedOf<O> = O extends { readonly hashed: true | "record" } ? true : false;
/** `false` when the options say `updatedAt: false`. */
export type UpdatedAtOf<O> = O extends { readonly updatedAt: false } ? false : true;
/** `true` when the options say `layout: "citus"`. */
export type CitusOf<O> = O extends { readonly layout: "citus" } ? true : false;
/** The PostgreSQL schema of the options, `undefined` for the default one. */
export type PgSchemaOf<O> = O extends { readonly pgSchema: infer S extends string }
  ? S extends "public"
    ? undefined
    : S
  : undefined;

/** Builds a checked events table. */
export function buildEventTable(plan: EventTablePlan, schema: string | undefined): AnyEventTable {
  const citus = plan.layout === "citus";
  const columns = {
    ...eventLeadingColumns(displayName({ pgSchema: schema, name: plan.name }), plan, plan.layout),
    ...(plan.hashed ? eventHashColumn() : {}),
    ...eventInsertedAtColumn(),
    ...(plan.updatedAt ? eventUpdatedAtColumn() : {}),
  };
  const table = tableFunction(schema)(plan.name, columns, (t) => [
    // Spector's layout: `id` is the key (on the column) and `parent_id` references it; the Citus
    // layout: `(parent_id, id)` is the key, and no self-reference (Citus cannot distribute one)
    citus
      ? primaryKey({ name: names.primaryKey(plan.name), columns: [t.parentId, t.id] })
      : foreignKey({
          name: names.foreignKey(plan.name, COLUMNS.parentId),
          columns: [t.parentId],
          foreignColumns: [t.id],
        }),
    index(names.index(plan.name, [COLUMNS.schema])).on(t.schema),
    index(names.index(plan.name, [COLUMNS.parentId])).on(t.parentId),
    index(names.index(plan.name, [COLUMNS.insertedAt])).on(t.insertedAt),
    ...(plan.recordIndex ? [index(names.index(plan.name, names.recordIndexColumns)).on(t.parentId, t.id)] : []),
  ]);
  const heads = plan.recordChain || plan.versioned ? { headsTable: buildHeadsTable(plan, schema) } : {};
  const positions = plan.positions ? { positionsTable: buildPositionsTable(plan, schema) } : {};
  const meta: EventTableMeta = { kind: "events", pgSchema: schema, ...plan, ...heads, ...positions };
  return setMeta(table, meta) as unknown as AnyEventTable;
}

/**
 * Defines one events table, as Spector's `up(table: name)` does: `id`, `parent_id`, `payload`,
 * `schema`, `action`, `hash` (when `hashed`), `inserted_at`, `updated_at` (unless `updatedAt: false`),
 * with Spector's primary key, self-referencing foreign key and indexes (with `layout: "citus"`:
 * `PRIMARY KEY (parent_id, id)` and no self-reference). Use {@link linkTable} to add link tables to it.
 *
 * @example
 * ```ts
 * // src/db/schema.ts
 * export const events = eventTable("events", { hashed: true });
 * export const event_ancestors = linkTable(events, ["event_ancestors", "ancestor_id"]);
 * ```
 * @throws {SpectorOptionError} for a bad name or option, before anything is built.
 */
export function eventTable<const TName extends string, const O extends EventTableOptions = {}>(
  name: TName,
  options?: O & CheckedOptions<O, keyof EventTableOptions>,
): EventTable<TName, PgSchemaOf<O>, HashedOf<O>, UpdatedAtOf<O>, ShapeOf<O>, CitusOf<O>> {
  const { pgSchema, ...rest } = checkEventTableOptions(options);
  checkTableName(
    "name",
    name,
    "an events table name",
    (table) => eventTableNames(table, rest.recordIndex, rest.layout),
    eventTableNameLimit(rest.recordIndex),
  );
  return buildEventTable({ name, ...rest, shard: undefined }, pgSchema) as never;
}

/**
 * The heads table of a record-chained events table made by {@link eventTable} (`spectorTables` returns
 * it already, as `<table>_heads`): export it from your schema file, so that drizzle-kit creates it.
 * `parent_id` (the record), `last_id` and `last_hash` (its last event), `event_count`; the record
 * chain's trigger keeps it.
 *
 * @example
 * ```ts
 * export const events = eventTable("events", { hashed: "record" });
 * export const events_heads = chainHeadTable(events);
 * ```
 * @throws {SpectorOptionError} when `events` has no record chain (`hashed: "record"`).
 */
export function chainHeadTable<const T extends AnyEventTable>(
  events: T,
): HeadsTable<`${T["_"]["name"]}_heads`, T["_"]["schema"]> {
  return recordChainHeads("events", eventTableMeta("events", events)) as never;
}

/**
 * The heads table of a `versioned: true` events table made by {@link eventTable} (`spectorTables`
 * returns it already, as `<table>_heads`): export it from your schema file, so that drizzle-kit
 * creates it. `parent_id` (the record), `last_id` (its last event), `event_count`; the record heads'
 * trigger keeps it. (For `hashed: "record"`, use {@link chainHeadTable}, whose heads hold the hash too.)
 *
 * @example
 * ```ts
 * export const orders = eventTable("orders", { versioned: true });
 * export const orders_heads = versionHeadTable(orders);
 * ```
 * @throws {SpectorOptionError} when `events` keeps no record heads, or is record-chained.
 */
export function versionHeadTable<const T extends AnyEventTable>(
  events: T,
): VersionHeadsTable<`${T["_"]["name"]}_heads`, T["_"]["schema"]> {
  const meta = eventTableMeta("events", events);
  if (meta.recordChain) {
    throw new SpectorOptionError(
      "events",
      `events table ${meta.name}`,
      'an events table made with `versioned: true` and no record chain (for `hashed: "record"`, use `chainHeadTable`)',
    );
  }
  return recordHeads("events", meta) as never;
}
