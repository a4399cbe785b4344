/**
 * The options of the factories, as users write them: `spectorTables(options)`, `eventTable(name,
 * options)` and `linkTable(events, spec)`. Their checks are in `plan.ts`, `event-options.ts`,
 * `link-spec.ts` and `name-claims.ts`.
 *
 * @module
 */
import type { ReservedWord } from "../naming/index.js";
import type { BaseAction, ByAction, PayloadFor, PayloadType } from "./codes.js";
import type { Upcaster } from "./upcast.js";

/**
 * Options of one link (the third element of a link spec).
 */
export interface LinkOptions {
  /** Add an integer `type` column (part of the unique index) to tell relationship kinds apart. Default `false`. */
  readonly typed?: boolean;
  /** Enforce that both ends of a link belong to the same record (same `parent_id`). Default `true`. */
  readonly constrained?: boolean;
}

/**
 * One link table: `[linkTable, foreignKey]` or `[linkTable, foreignKey, options]`, as Spector's
 * `{"event_ancestors", :ancestor_id, typed: true}`.
 *
 * @example
 * ```ts
 * const ancestors: LinkSpec = ["event_ancestors", "ancestor_id"];
 * const typedLinks: LinkSpec = ["event_links", "linked_id", { typed: true }];
 * ```
 */
export type LinkSpec =
  readonly [table: string, foreignKey: string] | readonly [table: string, foreignKey: string, options: LinkOptions];

/**
 * Options shared by {@link spectorTables} and {@link eventTable}.
 *
 * @example
 * ```ts
 * const common = { hashed: true, pgSchema: "audit", updatedAt: false } as const satisfies EventTableOptions;
 * eventTable("events", common);
 * ```
 */
export interface EventTableOptions {
  /**
   * Add a nullable `hash bytea` column holding a hash chain. Default `false`.
   * - `true`: Spector's chain, one per table: `appendEvent` fills it (with `schemaModules` declared),
   *   and an Elixir service using Spector can share the table.
   * - `"record"`: a chain per record, kept by the database itself: the migration `drizzle-spector
   *   generate` writes adds a trigger that fills `hash` on every insert, by any writer, and a heads
   *   table `T_heads` (one row per record, exported with the events table). See docs/record-chains.md.
   */
  readonly hashed?: boolean | "record";
  /**
   * Keep a head per record in `T_heads` (last id, event count), moved by a trigger on every insert, so
   * that `appendEvents` can append at an expected version (`expected`) on this table. `hashed:
   * "record"` implies it (its heads are these, with the hash); `true` adds the heads and the trigger
   * without a hash column. Not with `hashed: true` or `layout: "citus"`. Default `false`. See
   * docs/state.md.
   */
  readonly versioned?: boolean;
  /**
   * Give every event a position once committed (`T_positions`, kept by a trigger for every writer), a
   * total order that `readAll` and consumers follow without skipping or repeating. Not with `layout:
   * "citus"`. Default `false`. See docs/consumers.md.
   */
  readonly positions?: boolean;
  /**
   * Refuse `UPDATE`, `DELETE` and `TRUNCATE` on the events table and its link tables, with SQLSTATE
   * `2F002`: a guard the `drizzle-spector generate` migration installs, which only a role that may
   * alter the table can lift. Default `false`.
   */
  readonly appendOnly?: boolean;
  /**
   * On a `hashed` table, the Elixir module of each schema, which Spector's hash covers:
   * `{ user: "MyApp.User" }` with a `schemas` map (every schema needs one), or `{ 0: "MyApp.User" }`
   * with plain integers. Default: none, and `appendEvent` then refuses to append to the table.
   */
  readonly schemaModules?: Readonly<Record<string | number, string>>;
  /** PostgreSQL schema holding the tables. Default: none given, i.e. `public` (the search path). */
  readonly pgSchema?: string;
  /** Add the `updated_at` column (the seed lists it; Spector 0.6+ leaves it out). Default `true`. */
  readonly updatedAt?: boolean;
  /**
   * Names for the `schema` integers, e.g. `{ user: 0, post: 1 }`: rows then read and write the names.
   * Default: none, `schema` is a plain number.
   */
  readonly schemas?: Readonly<Record<string, number>>;
  /**
   * Names for the `action` integers beyond Spector's four base actions, `insert: 1, update: 2,
   * delete: 3, savepoint: 4` (`BASE_ACTIONS`), which every map includes: e.g. `{ archive: 10 }`, or
   * `{}` for the base four only. Default: none, `action` is a plain number.
   */
  readonly actions?: Readonly<Record<string, number>>;
  /**
   * Add an index on `(parent_id, id)`, `T_parent_id_id_index`, next to Spector's: `backtrace` and
   * `listByParent` then read a record in order from the index, without a sort (faster on long records:
   * see docs/benchmarks.md). Default `false`: Spector's layout.
   */
  readonly recordIndex?: boolean;
  /**
   * The tables' keys, for the engine they run on. Default `"spector"`: Spector's DDL (`PRIMARY KEY
   * (id)`, the self-referencing `parent_id` key, the same-parent rule as triggers).
   * - `"citus"`: a layout keyed by record, which Citus (distributed PostgreSQL) can distribute by
   *   `parent_id`: events get `PRIMARY KEY (parent_id, id)` and no self-referencing key; link tables get
   *   a `parent_id` column, foreign keys `(parent_id, event_id)` and `(parent_id, <fk>)` to the events'
   *   `(parent_id, id)` (the same-parent rule, made structural: no trigger), and a unique index led by
   *   `parent_id`. It is plain PostgreSQL too; the migration `drizzle-spector generate` writes distributes
   *   the tables where the `citus` extension is installed. Exclusive with `shards`, `hashed`,
   *   `appendOnly` and `recordIndex`. See docs/citus.md.
   */
  readonly layout?: "spector" | "citus";
  /** The type of every event's `payload`: `payloadType<T>()`. Default `unknown`. */
  readonly payload?: PayloadType<unknown>;
  /** The type of `payload` per schema name: `payloadType<{ user: U; post: P }>()`. Needs `schemas`. */
  readonly payloads?: PayloadType<object>;
  /**
   * Per schema name (per `schema` integer without `schemas`), a function `(payload, version, action)
   * => payload` that turns a payload written by an older version of the schema (`version` is its
   * `__version__`, as Spector writes it, or 0) into the current type. Every read helper (`listByParent`,
   * `backtrace`, `linked`, `ancestors`, `aggregate`) returns payloads through it; savepoints and `NULL`
   * payloads are returned as stored. Default: none, payloads are returned as stored.
   */
  readonly upcast?: Readonly<Record<string | number, Upcaster>>;
}

/**
 * Options of {@link spectorTables}, the port of Spector's `Spector.Migration.up/1`: exactly one of
 * `table` and `shards`, plus `hashed`, `links`, `pgSchema`, `updatedAt` and `recordIndex` (the DDL), and
 * `schemas`, `actions`, `payload` and `payloads` (the TypeScript types only).
 *
 * @example
 * ```ts
 * // inline, or as a constant `as const satisfies SpectorOptions`, so the types see every literal
 * // (a variable typed `SpectorOptions` hides whether `hash` and `type` exist, and is refused)
 * const single = { table: "events", links: [["event_ancestors", "ancestor_id"]] } as const satisfies SpectorOptions;
 * const sharded = { shards: ["events_0", "events_1"], hashed: true } as const satisfies SpectorOptions;
 * spectorTables(single);
 * ```
 */
export type SpectorOptions = EventTableOptions & {
  /** Link tables to create; with `shards`, each shard gets its own, named `<shard>_<link>`. */
  readonly links?: readonly LinkSpec[];
} & (
    | { readonly table: string; readonly shards?: undefined; readonly foreignShards?: undefined }
    | {
        readonly shards: readonly string[];
        readonly table?: undefined;
        /**
         * How many of the first `shards` the records whose ids drizzle-spector did not make (another
         * service's, ids from before shards carried their index) route over. Default: all of them. When
         * appending shards, set it to the count before the first append, and keep it.
         */
        readonly foreignShards?: number;
      }
  );

/**
 * The shape `spectorTables` infers its options against: {@link SpectorOptions} with `table` and
 * `shards` both optional, so that a call giving both (or neither) is still inferred, and refused by
 * {@link TableOrShards} with a message that names the cause.
 */
export type SpectorOptionsShape = EventTableOptions & {
  readonly links?: readonly LinkSpec[];
  readonly table?: string;
  readonly shards?: readonly string[];
  readonly foreignShards?: number;
};

/**
 * Requires exactly one of `table` and `shards`, and `foreignShards` only with `shards`: a mistake
 * shows up as a missing property that says what to do.
 *
 * @example
 * ```ts
 * spectorTables({ table: "events", shards: ["events_0"] }); // type error: `table` or `shards`, not both
 * ```
 */
export type TableOrShards<O> = O extends { readonly table: string }
  ? O extends { readonly shards: readonly string[] }
    ? {
        readonly "drizzle-spector: give `table` (one events table) or `shards` (one events table per shard), not both":
          "table" | "shards";
      }
    : O extends { readonly foreignShards: number }
      ? {
          readonly "drizzle-spector: leave `foreignShards` out with `table` (it counts the shards of a `shards` list)": "foreignShards";
        }
      : unknown
  : O extends { readonly shards: readonly string[] }
    ? unknown
    : {
        readonly "drizzle-spector: give `table` (one events table) or `shards` (one events table per shard)":
          "table" | "shards";
      };

/** The names options `O` give tables, columns and schemas: `table`, `shards`, each link's name and foreign key, `pgSchema`. */
type GivenNames<O> =
  | (O extends { readonly table: infer T extends string } ? T : never)
  | (O extends { readonly shards: readonly (infer S extends string)[] } ? S : never)
  | (O extends { readonly links: readonly (infer L)[] }
      ? L extends readonly [infer N extends string, infer F extends string, ...unknown[]]
        ? N | F
        : never
      : never)
  | (O extends { readonly pgSchema: infer P extends string } ? P : never);

/**
 * Refuses a PostgreSQL reserved word (`order`, `user`, `table`, ...) as a table, column or schema
 * name: Spector writes names unquoted, so the migration would fail. The word shows up as a missing
 * property that says to rename it.
 *
 * @example
 * ```ts
 * spectorTables({ table: "order" }); // type error: a reserved word; e.g. `orders`
 * ```
 */
export type UnreservedNames<O> = [Extract<GivenNames<O>, ReservedWord>] extends [never]
  ? unknown
  : {
      readonly "drizzle-spector: a PostgreSQL reserved word cannot name a table, column or schema (Spector writes names unquoted): rename it, e.g. `orders` for `order`, `users` for `user`": Extract<
        GivenNames<O>,
        ReservedWord
      >;
    };

/** The names of the options of `O` typed `boolean` rather than `true` or `false`. */
type WideFlags<O> =
  | ("hashed" extends keyof O ? (boolean extends O["hashed" & keyof O] ? "hashed" : never) : never)
  | ("hashed" extends keyof O ? (string extends O["hashed" & keyof O] ? "hashed" : never) : never)
  | ("updatedAt" extends keyof O ? (boolean extends O["updatedAt" & keyof O] ? "updatedAt" : never) : never)
  | ("versioned" extends keyof O ? (boolean extends O["versioned" & keyof O] ? "versioned" : never) : never)
  | ("positions" extends keyof O ? (boolean extends O["positions" & keyof O] ? "positions" : never) : never)
  | ("layout" extends keyof O ? (string extends O["layout" & keyof O] ? "layout" : never) : never)
  | ("layout" extends keyof O ? ("spector" | "citus" extends O["layout" & keyof O] ? "layout" : never) : never)
  | (O extends { readonly links: readonly (infer L)[] } ? WideTyped<L> : never)
  | ("schemas" extends keyof O ? (string extends keyof O["schemas" & keyof O] ? "schemas" : never) : never)
  | ("actions" extends keyof O ? (string extends keyof O["actions" & keyof O] ? "actions" : never) : never);

type WideTyped<L> = L extends readonly [string, string, infer Options]
  ? "typed" extends keyof Options
    ? boolean extends Options["typed" & keyof Options]
      ? "typed"
      : never
    : never
  : never;

/**
 * Requires the options that shape the row types (`hashed`, `updatedAt`, `typed`) to be literal `true`
 * or `false`, and `schemas` / `actions` maps to have names the types can see: with a `boolean`
 * variable the types could not tell whether the column exists, and with a `Record<string, number>`
 * every string would pass for a name. A wide option shows up as a missing property that says so.
 *
 * @example
 * ```ts
 * declare const hashed: boolean;
 * spectorTables({ table: "events", hashed }); // type error: pass it as a literal
 * spectorTables({ table: "events", hashed: true }); // fine
 * ```
 */
export type LiteralFlags<O> = [WideFlags<O>] extends [never]
  ? unknown
  : {
      readonly "drizzle-spector: these options shape the row types, so pass them as literals (true or false, maps with known names), inline or `as const satisfies SpectorOptions`": WideFlags<O>;
    };

/** The same for a single link spec. */
export type LiteralLinkFlags<L> = [WideTyped<L>] extends [never]
  ? unknown
  : readonly ["drizzle-spector: pass `typed` as a literal true or false"];

/**
 * Refuses keys of `O` that are not options (`Known`, e.g. `keyof SpectorOptions`): a misspelt option
 * (`hased: true`) would otherwise pass the type check, as excess keys of an inferred type do, and be
 * refused only at run time. A stray key shows up as a missing property that names it.
 *
 * @example
 * ```ts
 * spectorTables({ table: "events", hased: true }); // type error: `hased` is no option
 * spectorTables({ table: "events", hashed: true }); // fine
 * ```
 */
export type KnownOptions<O, Known extends PropertyKey> = [Exclude<keyof O, Known>] extends [never]
  ? unknown
  : {
      readonly "drizzle-spector: no such option (check its spelling; the options are listed in SpectorOptions / EventTableOptions)": Exclude<
        keyof O,
        Known
      >;
    };

/**
 * Refuses a `payloads` type with a key that is not a schema name of `schemas` (or `payloads` without
 * `schemas`): the payload type of a misspelt name would silently be `unknown`. The stray keys show up
 * as a missing property that names them.
 *
 * @example
 * ```ts
 * spectorTables({ table: "events", schemas: { user: 0 }, payloads: payloadType<{ usr: U }>() }); // type error
 * spectorTables({ table: "events", schemas: { user: 0 }, payloads: payloadType<{ user: U }>() }); // fine
 * ```
 */
export type PayloadNames<O> = O extends { readonly payloads: PayloadType<infer P> }
  ? [Exclude<keyof P, O extends { readonly schemas: infer M } ? keyof M : never>] extends [never]
    ? unknown
    : {
        readonly "drizzle-spector: every key of `payloads` must be a name of `schemas`; these are not": Exclude<
          keyof P,
          O extends { readonly schemas: infer M } ? keyof M : never
        >;
      }
  : unknown;

/** The keys of a `ByAction` map in `payloads` that are not action names (every key, without `actions`). */
type BadActionKeys<O> = O extends { readonly payloads: PayloadType<infer P> }
  ? {
      [K in keyof P]: P[K] extends ByAction<infer M>
        ? Exclude<keyof M, O extends { readonly actions: infer A } ? keyof A | BaseAction : never>
        : never;
    }[keyof P]
  : never;

/**
 * Refuses a `ByAction` map of `payloads` keyed by a name that is not an action of the table (one of
 * `actions` or a base action; a table without `actions` has no names to key it by): the payload type
 * of a misspelt action would silently never apply. The stray keys show up as a missing property.
 *
 * @example
 * ```ts
 * spectorTables({ table: "events", schemas: { order: 0 }, actions: { ship: 20 },
 *   payloads: payloadType<{ order: ByAction<{ shipp: S }> }>() }); // type error: `shipp` is no action
 * ```
 */
export type ActionPayloadNames<O> = [BadActionKeys<O>] extends [never]
  ? unknown
  : {
      readonly "drizzle-spector: every key of a `ByAction` map must be an action name (of `actions`, or insert, update, delete, savepoint); these are not": BadActionKeys<O>;
    };

/** The payload type options `O` declare for schema `K` (any of its actions). */
type DeclaredPayload<O, K> = O extends { readonly payloads: PayloadType<infer P> }
  ? PayloadFor<P, K>
  : O extends { readonly payload: PayloadType<infer P> }
    ? P
    : unknown;

/** The keys of `upcast` whose function does not return its schema's payload type, or that name no schema. */
type BadUpcasts<O, U> = {
  [K in keyof U]: U[K] extends (...args: any[]) => infer R
    ? [R] extends [DeclaredPayload<O, K>]
      ? O extends { readonly schemas: infer M }
        ? K extends keyof M
          ? never
          : K
        : never
      : K
    : K;
}[keyof U];

/**
 * Refuses an `upcast` function whose result is not its schema's payload type (as `payloads` or
 * `payload` declare it), or keyed by a name that is not one of `schemas`: the keys show up as a
 * missing property that names them.
 *
 * @example
 * ```ts
 * spectorTables({ table: "events", schemas: { user: 0 }, payloads: payloadType<{ user: { name: string } }>(),
 *   upcast: { user: (payload) => ({ name: String(payload.name) }) } }); // fine
 * spectorTables({ table: "events", schemas: { user: 0 }, payloads: payloadType<{ user: { name: string } }>(),
 *   upcast: { user: () => 1 } }); // type error: `user` does not return its payload type
 * ```
 */
export type UpcastTypes<O> = O extends { readonly upcast: infer U }
  ? [BadUpcasts<O, U>] extends [never]
    ? unknown
    : {
        readonly "drizzle-spector: each `upcast` function must return its schema's payload type, under a name of `schemas`; these do not": BadUpcasts<
          O,
          U
        >;
      }
  : unknown;

/**
 * Every compile-time check of an options argument: {@link LiteralFlags}, {@link KnownOptions} (with
 * the option names `Known`), {@link PayloadNames}, {@link ActionPayloadNames}, {@link UpcastTypes} and
 * {@link UnreservedNames}.
 *
 * @example
 * ```ts
 * declare function f<const O extends SpectorOptions>(options: O & CheckedOptions<O, keyof SpectorOptions>): void;
 * ```
 */
export type CheckedOptions<O, Known extends PropertyKey> = LiteralFlags<O> &
  KnownOptions<O, Known> &
  PayloadNames<O> &
  ActionPayloadNames<O> &
  UpcastTypes<O> &
  UnreservedNames<O>;
