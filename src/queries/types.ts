/**
 * The types of the helpers' inputs and results: the database they take, the rows they return (typed
 * from the table's options), the events and tables they are given.
 *
 * @module
 */
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { RecordVersion } from "../errors.js";
import type { ByAction, PayloadFor } from "../tables/codes.js";
import type { AnyEventTable, CitusOfTable, EventShape, ShapeOfTable } from "../tables/event-table.js";
import type { AnyLinkTable, EventsOfLink } from "../tables/link-table.js";
import type { ShardSet } from "../tables/shards.js";

/**
 * Any Drizzle PostgreSQL database or transaction: `drizzle()` of postgres.js, PGlite, node-postgres,
 * `@neondatabase/serverless` (neon-serverless and neon-http, and neon-http's `$withAuth(token)` view),
 * `pg-proxy` and others, and the `tx` of `db.transaction(async (tx) => ...)`. It is what the helpers
 * call: `select`, `insert` and `execute` (neon-http's `$withAuth()` keeps no more).
 *
 * @example
 * ```ts
 * async function handler(db: SpectorDatabase) {
 *   return appendEvent(db, events, { schema: "user", action: "insert", payload: null });
 * }
 * ```
 */
export type SpectorDatabase = Pick<PgDatabase<PgQueryResultHKT, any, any>, "select" | "insert" | "execute">;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * A row of events table `T` as the helpers return it. With `payloads` declared per schema name it is
 * a union over the schema names, so narrowing on `schema` narrows `payload`; for a schema whose
 * payloads are declared per action (`ByAction`), a union over its actions too, so narrowing on `schema`
 * and `action` narrows `payload` to that action's type.
 *
 * `insertedAt` (and `updatedAt`) is PostgreSQL's text of a `timestamp` without time zone that holds
 * UTC, e.g. `"2026-11-26 06:21:56.123456"` (the fraction without its trailing zeros), with no offset:
 * `new Date(row.insertedAt)` would read it as local time. Read it with
 * `new Date(row.insertedAt.replace(" ", "T") + "Z")`.
 *
 * @example
 * ```ts
 * const [first] = await listByParent(db, events, parentId);
 * if (first?.schema === "user") first.payload?.name; // string
 * ```
 */
export type EventRow<T extends AnyEventTable> =
  ShapeOfTable<T> extends infer S extends EventShape
    ? S["payloads"] extends infer P extends object
      ? {
          [K in S["schema"] & string]: K extends keyof P
            ? P[K] extends ByAction<object>
              ? {
                  [A in S["action"]]: Simplify<
                    Omit<T["$inferSelect"], "schema" | "action" | "payload"> & {
                      schema: K;
                      action: A;
                      payload: PayloadFor<P, K, A> | null;
                    }
                  >;
                }[S["action"]]
              : SchemaRow<T, K, PayloadFor<P, K>>
            : SchemaRow<T, K, unknown>;
        }[S["schema"] & string]
      : T["$inferSelect"]
    : never;

/** A row of schema `K` whose payload is `P` (whatever its action). */
type SchemaRow<T extends AnyEventTable, K, P> = Simplify<
  Omit<T["$inferSelect"], "schema" | "payload"> & { schema: K; payload: P | null }
>;

/**
 * The input of `appendEvent` for events table `T`: `schema`, `action` and `payload`, and
 * `parentId` to add to an existing record (leave it out to start one), and `expected`, the record's
 * version to append at (see `appendEvents`). There is no `hash`: on a hashed table `appendEvent`
 * computes it.
 */
export type NewEvent<T extends AnyEventTable> =
  ShapeOfTable<T> extends infer S extends EventShape
    ? S["payloads"] extends infer P extends object
      ? {
          [K in S["schema"] & string]: K extends keyof P
            ? P[K] extends ByAction<object>
              ? {
                  [A in S["action"]]: {
                    schema: K;
                    action: A;
                    payload: PayloadFor<P, K, A> | null;
                    parentId?: string;
                    expected?: RecordVersion | "any";
                  };
                }[S["action"]]
              : {
                  schema: K;
                  action: S["action"];
                  payload: PayloadFor<P, K> | null;
                  parentId?: string;
                  expected?: RecordVersion | "any";
                }
            : { schema: K; action: S["action"]; payload: unknown; parentId?: string; expected?: RecordVersion | "any" };
        }[S["schema"] & string]
      : {
          schema: S["schema"];
          action: S["action"];
          payload: S["payload"] | null;
          parentId?: string;
          expected?: RecordVersion | "any";
        }
    : never;

/**
 * One event of `appendEvents` for events table `T`: `schema`, `action` and `payload`, as
 * {@link NewEvent} takes them (the record is the call's `parentId`).
 *
 * @example
 * ```ts
 * const shipped: EventInput<typeof events> = { schema: "order", action: "update", payload: { shipped: true } };
 * ```
 */
export type EventInput<T extends AnyEventTable> =
  NewEvent<T> extends infer E ? (E extends unknown ? Omit<E, "parentId" | "expected"> : never) : never;

/**
 * An event given as a row: its `id`, and its `parentId` (its record). Any event row will do.
 */
export interface EventRef {
  readonly id: string;
  readonly parentId: string;
}

/**
 * An event given to a link helper: its id, or the event (any row with `id` and `parentId`). On a shard
 * set both route: a row by its `parentId`, a record's id by the shard it carries, any other event's id
 * by a lookup in the set's events tables (a row saves that query).
 *
 * @example
 * ```ts
 * const byId: EventArg<typeof event_ancestors> = user.id;
 * const byEvent: EventArg<typeof ancestorShards> = user; // routes without a lookup
 * ```
 */
// (`Target` stays for callers that name it: every target takes the same now)
export type EventArg<Target> = Target extends unknown ? string | EventRef : never;

/**
 * The event `linked` and `ancestors` start from: an {@link EventArg} (an id or a row, also on a shard
 * set), but always an event (with its `parentId`) on a link table of the Citus layout, whose queries
 * are held to the event's record.
 *
 * @example
 * ```ts
 * const start: WalkStart<typeof event_ancestors> = user.id; // Spector's layout: an id will do
 * const routed: WalkStart<typeof citus_ancestors> = user; // the Citus layout: an event
 * ```
 */
export type WalkStart<Target> = [CitusOfTable<EventsOfLink<LinkOf<Target>>>] extends [true]
  ? EventRef
  : EventArg<Target>;

/**
 * A link table, or a shard set of link tables.
 */
export type LinkTarget = AnyLinkTable | ShardSet<AnyLinkTable>;

/**
 * The link table type of a {@link LinkTarget}.
 *
 * @example
 * ```ts
 * type L = LinkOf<ShardSet<typeof events_0_ancestors>>; // typeof events_0_ancestors
 * ```
 */
export type LinkOf<Target> =
  Target extends ShardSet<infer L extends AnyLinkTable> ? L : Target extends AnyLinkTable ? Target : never;

/**
 * The extra input of `link`: `{ type }` for a typed link table, nothing otherwise.
 *
 * @example
 * ```ts
 * type Typed = LinkOptionsOf<typeof event_links>; // [options: { type: number }]
 * type Untyped = LinkOptionsOf<typeof event_ancestors>; // []
 * ```
 */
export type LinkOptionsOf<L extends AnyLinkTable> = string extends keyof L["$inferSelect"]
  ? [options?: { type: number }]
  : "type" extends keyof L["$inferSelect"]
    ? [options: { type: number }]
    : [];

/**
 * A link with the event at its other end, as `linked` returns it.
 *
 * @example
 * ```ts
 * const [first] = await linked(db, event_links, event);
 * first?.link.type; first?.event.payload;
 * ```
 */
export interface LinkedEvent<L extends AnyLinkTable> {
  readonly link: L["$inferSelect"];
  readonly event: EventRow<EventsOfLink<L>>;
}

/**
 * An ancestor found by `ancestors`: the event and its distance from the start (1 for a direct link).
 *
 * @example
 * ```ts
 * for (const { event, depth } of await ancestors(db, event_ancestors, event)) console.log(depth, event.id);
 * ```
 */
export interface Ancestor<L extends AnyLinkTable> {
  readonly event: EventRow<EventsOfLink<L>>;
  readonly depth: number;
}

/**
 * Options of `linked` and `ancestors`.
 */
export interface WalkOptions {
  /** `"out"` (the default): from `event_id` to the foreign key; `"in"`: back. */
  readonly direction?: "out" | "in";
  /** On a typed link table: follow only links of this type. Default: every type. */
  readonly type?: number;
  /** `ancestors` only: stop after this many links. Default: no limit. */
  readonly maxDepth?: number;
}
