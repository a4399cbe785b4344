/**
 * Typed event queries: append an event, read a record in order, walk links. Each helper takes any
 * Drizzle PostgreSQL database or transaction, an events table or link table made by drizzle-spector
 * (or a {@link ShardSet} of them, routed by `parentId`), checks its input before any SQL runs, and
 * returns rows typed from the table's options.
 *
 * @module
 */
import { and, asc, eq, getTableColumns, lte, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { PayloadFor, EventShape, ShapeOfTable, AnyEventTable, EventTable } from "./event-table.js";
import { eventTableMeta } from "./event-table.js";
import { SpectorOptionError } from "./errors.js";
import { checkUuid, newEventId } from "./ids.js";
import type { AnyLinkTable, EventsOfLink, LinkTable } from "./link-table.js";
import { checkCodeName, checkInt4, type CodeMap } from "./codes.js";
import { getMeta, type EventTableMeta, type LinkTableMeta } from "./meta.js";
import { COLUMNS, camelCase, displayName, preparedStatementName } from "./naming.js";
import { isShardSet, shardFor, type ShardSet } from "./shards.js";

/**
 * Any Drizzle PostgreSQL database or transaction: `drizzle()` of postgres.js, PGlite or node-postgres,
 * and the `tx` of `db.transaction(async (tx) => ...)`.
 *
 * @example
 * ```ts
 * async function handler(db: SpectorDatabase) {
 *   await db.transaction(async (tx) => appendEvent(tx, events, { schema: "user", action: "insert", payload: null }));
 * }
 * ```
 */
export type SpectorDatabase = PgDatabase<PgQueryResultHKT, any, any>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * A row of events table `T` as the helpers return it. With `payloads` declared per schema name it is
 * a union over the schema names, so narrowing on `schema` narrows `payload`.
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
          [K in S["schema"] & string]: Simplify<
            Omit<T["$inferSelect"], "schema" | "payload"> & { schema: K; payload: PayloadFor<P, K> | null }
          >;
        }[S["schema"] & string]
      : T["$inferSelect"]
    : never;

/**
 * The input of {@link appendEvent} for events table `T`: `schema`, `action` and `payload`, and
 * `parentId` to add to an existing record (leave it out to start one).
 *
 * @example
 * ```ts
 * const input: NewEvent<typeof events> = { schema: "post", action: "insert", payload: { title: "Hello" } };
 * ```
 */
export type NewEvent<T extends AnyEventTable> = (ShapeOfTable<T> extends infer S extends EventShape
  ? S["payloads"] extends infer P extends object
    ? {
        [K in S["schema"] & string]: {
          schema: K;
          action: S["action"];
          payload: PayloadFor<P, K> | null;
          parentId?: string;
        };
      }[S["schema"] & string]
    : { schema: S["schema"]; action: S["action"]; payload: S["payload"] | null; parentId?: string }
  : never) &
  ("hash" extends keyof T["$inferSelect"] ? { hash?: Uint8Array | null } : {});

/**
 * An event as the link helpers need it: its `id`, and its `parentId` to find its shard. Any event row
 * will do.
 *
 * @example
 * ```ts
 * const ref: EventRef = await appendEvent(db, events, { schema: "user", action: "insert", payload: null });
 * ```
 */
export interface EventRef {
  readonly id: string;
  readonly parentId: string;
}

/**
 * An event given to a link helper: an id or an event (with a shard set, an event: its `parentId` routes).
 *
 * @example
 * ```ts
 * const byId: EventArg<typeof event_ancestors> = user.id;
 * const byEvent: EventArg<typeof ancestorShards> = user; // a shard set needs the parentId
 * ```
 */
export type EventArg<Target> = Target extends ShardSet<unknown> ? EventRef : string | EventRef;

/**
 * A link table, or a shard set of link tables.
 *
 * @example
 * ```ts
 * const targets: LinkTarget[] = [event_ancestors, shardSet([events_0_ancestors, events_1_ancestors])];
 * ```
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
 * The extra input of {@link link}: `{ type }` for a typed link table, nothing otherwise.
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
 * A link with the event at its other end, as {@link linked} returns it.
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
 * An ancestor found by {@link ancestors}: the event and its distance from the start (1 for a direct link).
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
 * Thrown by {@link appendEvent} when `parentId` names no record of the table (no event with that id,
 * or an event that is not the first of its record). Nothing was written.
 *
 * @example
 * ```ts
 * try {
 *   await appendEvent(db, events, { schema: "user", action: "update", payload: null, parentId });
 * } catch (error) {
 *   if (error instanceof SpectorRecordNotFoundError) console.log(error.table, error.parentId);
 * }
 * ```
 */
export class SpectorRecordNotFoundError extends Error {
  override name = "SpectorRecordNotFoundError";
  constructor(
    /** The events table, `schema.table` outside the default schema. */
    readonly table: string,
    /** The `parentId` given. */
    readonly parentId: string,
    /** The `parent_id` of the event with that id, when there is one (it is not a record's first event). */
    readonly foundParentId: string | undefined,
  ) {
    super(
      foundParentId === undefined
        ? `drizzle-spector: no record ${parentId} in ${table}: \`parentId\` must be the id of a record's first event; nothing was written`
        : `drizzle-spector: ${parentId} in ${table} is not the first event of its record (that is ${foundParentId}); ` +
            "`parentId` must be the id of a record's first event; nothing was written",
    );
  }
}

// The helpers build their queries on one concrete table type: a function generic over Drizzle table
// types does not type-check, and the result types come from the caller's table type instead.
type Events = EventTable<"events", undefined, false, false>;
type Links = LinkTable<"links", undefined, "other_id", true>;

interface ResolvedEvents {
  readonly table: Events;
  readonly meta: EventTableMeta;
}

interface ResolvedLinks {
  readonly table: Links;
  readonly meta: LinkTableMeta;
  readonly other: PgColumn;
  readonly events: ResolvedEvents;
}

function resolveEvents(option: string, target: unknown, parentId: string | undefined): ResolvedEvents {
  let table = target;
  if (isShardSet(target)) {
    if (parentId === undefined)
      throw new SpectorOptionError(
        option,
        target,
        "an events table (a shard set needs the record's `parentId` to route)",
      );
    table = shardFor(parentId, target);
  }
  const meta = eventTableMeta(option, table);
  if (parentId !== undefined) checkHomeShard(option, meta, parentId);
  return { table: table as Events, meta };
}

/**
 * The shard a record lives in when `meta` is one shard of a `shards` list and the record routes to
 * another one (it is not in `meta`'s table), else `undefined`.
 */
function otherShard(meta: EventTableMeta, parentId: string): string | undefined {
  if (meta.shard === undefined) return undefined;
  const home = shardFor(parentId, meta.shard.names);
  return home === meta.name ? undefined : home;
}

/** Refuses one shard given alone for a record of another: a read would find nothing, a write would hide it. */
function checkHomeShard(option: string, meta: EventTableMeta, parentId: string): void {
  const home = otherShard(meta, parentId);
  if (home !== undefined) {
    throw new SpectorOptionError(
      option,
      `events table ${meta.name}`,
      `the shard of record ${parentId}, which is ${home} (pass the shard set to route by itself)`,
    );
  }
}

function resolveLinks(option: string, target: unknown, parentId: string | undefined): ResolvedLinks {
  let table = target;
  if (isShardSet(target)) {
    if (parentId === undefined)
      throw new SpectorOptionError(option, target, "a link table (a shard set needs the events' `parentId` to route)");
    table = shardFor(parentId, target);
  }
  const meta = getMeta(table);
  if (meta?.kind !== "link" || meta.eventsTable === undefined) {
    throw new SpectorOptionError(
      option,
      meta ? `${meta.kind} table ${meta.name}` : table,
      "a link table made by `spectorTables` or `linkTable`",
    );
  }
  const other = (table as unknown as Record<string, PgColumn>)[camelCase(meta.foreignKey)]!;
  const eventsMeta = eventTableMeta(option, meta.eventsTable);
  if (parentId !== undefined) checkHomeShard(option, eventsMeta, parentId);
  return { table: table as Links, meta, other, events: { table: meta.eventsTable as Events, meta: eventsMeta } };
}

/** Checks a `schema` or `action` value: one of the map's names, or an integer without a map. */
function checkCode(option: string, value: unknown, map: CodeMap | undefined, mapOption: string, table: string): void {
  if (map === undefined)
    checkInt4(option, value, `an integer that fits PostgreSQL's \`integer\` (declare \`${mapOption}\` to use names)`);
  else checkCodeName(option, value, map, mapOption, table);
}

/** Refuses keys other than `known` in an options object, naming the first stray one. */
function checkKeys(option: string, value: object, known: readonly string[]): void {
  const stray = Object.keys(value).find((key) => !known.includes(key));
  if (stray !== undefined) {
    throw new SpectorOptionError(
      `${option}.${stray}`,
      (value as Record<string, unknown>)[stray],
      `left out: the keys are ${known.map((k) => `\`${k}\``).join(", ")}`,
    );
  }
}

interface CheckedEvent {
  readonly schema: unknown;
  readonly action: unknown;
  readonly payload: unknown;
  readonly hash: Uint8Array | null | undefined;
  readonly parentId: string | undefined;
}

function checkNewEvent(event: unknown, meta: EventTableMeta): CheckedEvent {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new SpectorOptionError("event", event, "an object `{ schema, action, payload, parentId? }`");
  }
  checkKeys(
    "event",
    event,
    meta.hashed ? ["schema", "action", "payload", "parentId", "hash"] : ["schema", "action", "payload", "parentId"],
  );
  const { schema, action, payload, parentId, hash } = event as Record<string, unknown>;
  const table = displayName(meta);
  checkCode("event.schema", schema, meta.schemas, "schemas", table);
  checkCode("event.action", action, meta.actions, "actions", table);
  if (!("payload" in event))
    throw new SpectorOptionError("event.payload", undefined, "the event's payload (any JSON value, or `null`)");
  if (hash !== undefined && hash !== null && !(hash instanceof Uint8Array)) {
    throw new SpectorOptionError("event.hash", hash, "a `Uint8Array` (a `Buffer` will do), `null`, or left out");
  }
  return {
    schema,
    action,
    payload,
    hash,
    parentId: parentId === undefined ? undefined : checkUuid("event.parentId", parentId),
  };
}

/**
 * Appends an event and returns the inserted row. Without `parentId` it starts a record: the event's
 * id is a new UUIDv7 and its `parent_id` is itself. With `parentId` (the id of the record's first
 * event) the event joins that record, in one `INSERT ... SELECT` that writes nothing when the record
 * does not exist. Given a {@link ShardSet}, the record's shard is chosen from its id, so a record's
 * events always land in one shard. On a `hashed` table, `hash` is stored as given (Spector's hash chain
 * is not computed here); without it the column is `NULL`.
 *
 * @example
 * ```ts
 * const user = await appendEvent(db, events, { schema: "user", action: "insert", payload: { name: "Ada" } });
 * const renamed = await appendEvent(db, events, {
 *   schema: "user",
 *   action: "update",
 *   payload: { name: "Ada L." },
 *   parentId: user.id,
 * });
 * ```
 * @throws {SpectorOptionError} for bad input (a `parentId` that is not a UUID, an unknown schema or
 * action name, a missing payload), before any SQL runs.
 * @throws {SpectorRecordNotFoundError} when `parentId` is not the first event of a record of the table.
 */
export async function appendEvent<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  event: NewEvent<T>,
): Promise<EventRow<T>> {
  const first = isShardSet(table) ? eventTableMeta("table.tables[0]", table.tables[0]) : eventTableMeta("table", table);
  const input = checkNewEvent(event, first);
  const id =
    input.parentId === undefined && first.shard !== undefined && !isShardSet(table) ? idInShard(first) : newEventId();
  const { table: t, meta } = resolveEvents("table", table, input.parentId ?? id);
  const values = {
    schema: input.schema,
    action: input.action,
    payload: input.payload ?? null,
    ...(input.hash === undefined ? {} : { hash: input.hash }),
  } as Events["$inferInsert"];
  if (input.parentId === undefined) {
    const [row] = await db
      .insert(t)
      .values({ ...values, id, parentId: id })
      .returning();
    return row as unknown as EventRow<T>;
  }
  const parentId = input.parentId;
  const parent = sql.identifier("spector_parent");
  // Every column in table order: the new values, the parent's id, and each column's own default.
  const columns = Object.entries(getTableColumns(t) as Record<string, PgColumn>).map(([key, column]): SQL => {
    const type = sql.raw(column.getSQLType());
    if (key === "id") return sql`${id}::uuid`;
    if (key === "parentId") return sql`${parent}.${sql.identifier(COLUMNS.id)}`;
    if (key in values) {
      const value = values[key as keyof typeof values];
      return sql`${value === null ? null : column.mapToDriverValue(value)}::${type}`;
    }
    const fallback = column.defaultFn?.();
    return fallback === undefined ? sql`null::${type}` : sql`${fallback}::${type}`;
  });
  const rows = await db
    .insert(t)
    .select(
      sql`select ${sql.join(columns, sql`, `)} from ${t} as ${parent} where ${parent}.${sql.identifier(COLUMNS.id)} = ${parentId}::uuid and ${parent}.${sql.identifier(COLUMNS.parentId)} = ${parent}.${sql.identifier(COLUMNS.id)}`,
    )
    .returning();
  if (rows.length === 1) return rows[0] as unknown as EventRow<T>;
  const [found] = await db.select({ parentId: t.parentId }).from(t).where(eq(t.id, parentId));
  throw new SpectorRecordNotFoundError(displayName(meta), parentId, found?.parentId);
}

/** A new event id that routes to shard `meta` of its `shards` list (a record started in that shard). */
function idInShard(meta: EventTableMeta): string {
  for (;;) {
    const id = newEventId();
    if (shardFor(id, meta.shard!.names) === meta.name) return id;
  }
}

/**
 * The events of one record, in the order they were appended (by `id`, a UUIDv7; ids are unique, so
 * there are no ties).
 *
 * @example
 * ```ts
 * const history = await listByParent(db, events, user.id);
 * history.map((event) => event.action); // ["insert", "update"]
 * ```
 * @throws {SpectorOptionError} when `parentId` is not a UUID or the table is not an events table.
 */
export async function listByParent<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
): Promise<EventRow<T>[]> {
  checkUuid("parentId", parentId);
  const { table: t } = resolveEvents("table", table, parentId);
  const query = prepared(db, t, "list", () =>
    db
      .select()
      .from(t)
      .where(eq(t.parentId, sql.placeholder("parentId")))
      .orderBy(asc(t.id)),
  );
  return (await query.execute({ parentId })) as unknown as EventRow<T>[];
}

interface ReadQuery {
  execute(values: Record<string, unknown>): Promise<unknown>;
}

/** Each database's (or transaction's) prepared read queries, per table and helper. */
const READ_QUERIES = new WeakMap<object, WeakMap<object, Map<string, ReadQuery>>>();

/**
 * The read query `helper` on table `t`, built once per database object and table and prepared under a
 * name of its own: building a Drizzle query costs about as much as running a small one, and a
 * prepared statement skips parsing and planning on drivers that prepare (postgres.js, node-postgres;
 * a postgres.js client made with `prepare: false`, e.g. behind PgBouncer, still runs it unprepared).
 */
function prepared(
  db: SpectorDatabase,
  t: Events,
  helper: string,
  build: () => { prepare(name: string): ReadQuery; toSQL(): { sql: string } },
): ReadQuery {
  let tables = READ_QUERIES.get(db);
  if (!tables) READ_QUERIES.set(db, (tables = new WeakMap()));
  let queries = tables.get(t);
  if (!queries) tables.set(t, (queries = new Map()));
  let query = queries.get(helper);
  if (!query) {
    const builder = build();
    queries.set(helper, (query = builder.prepare(preparedStatementName(helper, builder.toSQL().sql))));
  }
  return query;
}

/**
 * The events of `event`'s record up to and including `event`, in order: the record as it stood when
 * `event` was appended (Spector's backtrace).
 *
 * @example
 * ```ts
 * const before = await backtrace(db, events, renamed); // [user, renamed]
 * ```
 * @throws {SpectorOptionError} when `event` has no UUID `id` and `parentId`.
 */
export async function backtrace<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  event: EventRef,
): Promise<EventRow<T>[]> {
  const ref = checkRef("event", event, true);
  const { table: t } = resolveEvents("table", table, ref.parentId);
  const query = prepared(db, t, "backtrace", () =>
    db
      .select()
      .from(t)
      .where(and(eq(t.parentId, sql.placeholder("parentId")), lte(t.id, sql.placeholder("id"))))
      .orderBy(asc(t.id)),
  );
  return (await query.execute({ parentId: ref.parentId, id: ref.id })) as unknown as EventRow<T>[];
}

function checkRef(option: string, value: unknown, needParent: boolean): { id: string; parentId: string | undefined } {
  if (typeof value === "string" && !needParent) return { id: checkUuid(option, value), parentId: undefined };
  if (typeof value !== "object" || value === null) {
    throw new SpectorOptionError(
      option,
      value,
      needParent ? "an event `{ id, parentId }` (any event row)" : "an event id, or an event `{ id, parentId }`",
    );
  }
  const { id, parentId } = value as Record<string, unknown>;
  return { id: checkUuid(`${option}.id`, id), parentId: checkUuid(`${option}.parentId`, parentId) };
}

/** Resolves a link target and the two events of a link, checking that they share a shard. */
function resolveLinkEnds(target: unknown, from: unknown, to: unknown) {
  const sharded = isShardSet(target);
  const a = checkRef("from", from, sharded);
  const b = checkRef("to", to, sharded);
  if (sharded && shardFor(a.parentId!, target) !== shardFor(b.parentId!, target)) {
    throw new SpectorOptionError(
      "to",
      b,
      `an event in the same shard as \`from\` (record ${a.parentId} lives in ${getMeta(shardFor(a.parentId!, target))?.name}, record ${b.parentId} in ${getMeta(shardFor(b.parentId!, target))?.name}): a link table joins events of one shard`,
    );
  }
  const links = resolveLinks("table", target, a.parentId ?? b.parentId);
  // one shard's link table given alone: both ends must live in its shard
  const home =
    a.parentId !== undefined && b.parentId !== undefined ? otherShard(links.events.meta, b.parentId) : undefined;
  if (home !== undefined) {
    throw new SpectorOptionError(
      "to",
      b,
      `an event of shard ${links.events.meta.name}, but record ${b.parentId} lives in ${home}: a link table joins events of one shard`,
    );
  }
  return { a, b, links };
}

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
  const [inserted] = await db
    .insert(links.table)
    .values(row as Links["$inferInsert"])
    .returning();
  return inserted as LinkOf<Target>["$inferSelect"];
}

/**
 * The links of an event with the event at their other end, ordered by that event's id (then by link
 * type). `direction: "out"` (the default) follows links from `event_id` to the foreign key (for
 * `event_ancestors`: the event's ancestors); `"in"` follows them back (the events that name it). On a
 * typed link table, `type` keeps the links of that type only.
 *
 * @example
 * ```ts
 * const parents = await linked(db, event_ancestors, renamed); // [{ link, event: user }]
 * const children = await linked(db, event_ancestors, user, { direction: "in" }); // [{ link, event: renamed }]
 * ```
 * @throws {SpectorOptionError} for an id that is not a UUID, a bad `direction`, a `type` on an untyped
 * table, or an unknown option.
 */
export async function linked<Target extends LinkTarget>(
  db: SpectorDatabase,
  table: Target,
  event: EventArg<Target>,
  options: WalkOptions = {},
): Promise<LinkedEvent<LinkOf<Target>>[]> {
  const { ref, direction, links, type } = startWalk(table, event, options, ["direction", "type"]);
  const { table: l, other } = links;
  const e = links.events.table;
  const [near, far] = direction === "out" ? [l.eventId, other] : [other, l.eventId];
  const rows = await db
    .select({ link: getTableColumns(l), event: getTableColumns(e) })
    .from(l)
    .innerJoin(e, eq(e.id, far))
    .where(and(eq(near, ref.id), type === undefined ? undefined : eq(l.type, type)))
    .orderBy(asc(e.id), ...(links.meta.typed ? [asc(l.type)] : []));
  return rows as unknown as LinkedEvent<LinkOf<Target>>[];
}

/**
 * Options of {@link linked} and {@link ancestors}.
 *
 * @example
 * ```ts
 * const options: WalkOptions = { direction: "in", type: 1, maxDepth: 3 };
 * ```
 */
export interface WalkOptions {
  /** `"out"` (the default): from `event_id` to the foreign key; `"in"`: back. */
  readonly direction?: "out" | "in";
  /** On a typed link table: follow only links of this type. Default: every type. */
  readonly type?: number;
  /** {@link ancestors} only: stop after this many links. Default: no limit. */
  readonly maxDepth?: number;
}

/** Checks the input of {@link linked} and {@link ancestors} (`known`: the options it takes) and finds the link table. */
function startWalk(table: unknown, event: unknown, options: unknown, known: readonly (keyof WalkOptions)[]) {
  const ref = checkRef("event", event, isShardSet(table));
  const { direction, maxDepth } = checkWalkOptions(options, known);
  const links = resolveLinks("table", table, ref.parentId);
  return { ref, direction, maxDepth, links, type: checkType(links.meta, options, false) };
}

function checkWalkOptions(
  options: unknown,
  known: readonly (keyof WalkOptions)[],
): { direction: "out" | "in"; maxDepth: number | undefined } {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SpectorOptionError(
      "options",
      options,
      `an object with optional keys ${known.map((k) => `\`${k}\``).join(", ")}`,
    );
  }
  checkKeys("options", options, known);
  const { direction = "out", maxDepth } = options as WalkOptions;
  if (direction !== "out" && direction !== "in")
    throw new SpectorOptionError("options.direction", direction, '`"out"` or `"in"`');
  if (maxDepth !== undefined)
    checkInt4(
      "options.maxDepth",
      maxDepth,
      "a positive integer that fits PostgreSQL's `integer`, or left out for no limit",
      1,
    );
  return { direction, maxDepth };
}

/**
 * Checks the `type` of a link: required by {@link link} on a typed link table, optional for the walks
 * (a filter), refused on an untyped table.
 */
function checkType(meta: LinkTableMeta, options: unknown, required: boolean): number | undefined {
  const type = (options as { type?: unknown } | undefined)?.type;
  if (!meta.typed) {
    if (required ? options !== undefined : type !== undefined) {
      throw new SpectorOptionError(
        required ? "options" : "options.type",
        required ? options : type,
        `left out: ${meta.name} is not a typed link table`,
      );
    }
    return undefined;
  }
  if (type === undefined && !required) return undefined;
  if (required && (typeof options !== "object" || options === null)) {
    throw new SpectorOptionError(
      "options.type",
      undefined,
      `an integer that fits PostgreSQL's \`integer\`: ${meta.name} is a typed link table`,
    );
  }
  if (required) checkKeys("options", options as object, ["type"]);
  return checkInt4(
    "options.type",
    type,
    `an integer that fits PostgreSQL's \`integer\`${required ? `: ${meta.name} is a typed link table` : ""}`,
  );
}

/**
 * Every event reachable from `event` by following links (`"out"`, the default: from `event_id` to the
 * foreign key; `"in"`: back), each once, with its depth (the fewest links from `event`), ordered by
 * depth then id. One recursive query walks the graph a level at a time and never revisits an event,
 * so it ends on cycles; `event` itself is not returned. `maxDepth` stops the walk after that many levels;
 * on a typed link table `type` follows links of that type only.
 *
 * @example
 * ```ts
 * const all = await ancestors(db, event_ancestors, renamed); // [{ event: user, depth: 1 }]
 * const near = await ancestors(db, event_ancestors, renamed, { maxDepth: 2 });
 * ```
 * @throws {SpectorOptionError} for an id that is not a UUID, a `maxDepth` that is not a positive
 * integer, a `type` on an untyped table, or an unknown option.
 */
export async function ancestors<Target extends LinkTarget>(
  db: SpectorDatabase,
  table: Target,
  event: EventArg<Target>,
  options: WalkOptions = {},
): Promise<Ancestor<LinkOf<Target>>[]> {
  const { ref, direction, maxDepth, links, type } = startWalk(table, event, options, ["direction", "type", "maxDepth"]);
  const ofType = type === undefined ? sql`` : sql` and l.${sql.identifier(COLUMNS.type)} = ${type}`;
  const e = links.events.table;
  const [near, far] =
    direction === "out"
      ? [sql.identifier(COLUMNS.eventId), sql.identifier(links.meta.foreignKey)]
      : [sql.identifier(links.meta.foreignKey), sql.identifier(COLUMNS.eventId)];
  const limit = maxDepth === undefined ? sql`` : sql` and walk.depth < ${maxDepth}`;
  const walk = sql`(
    with recursive walk(frontier, seen, depth) as (
      select start.ids, start.ids, 0 from (select array[${ref.id}::uuid] as ids) as start
      union all
      select step.next, walk.seen || step.next, walk.depth + 1
      from walk cross join lateral (
        select array_agg(distinct l.${far}) as next
        from ${links.table} as l
        where l.${near} = any (walk.frontier) and l.${far} <> all (walk.seen)${ofType}
      ) as step
      where step.next is not null${limit}
    )
    select found.id, walk.depth from walk cross join lateral unnest(walk.frontier) as found(id) where walk.depth > 0
  ) as spector_walk`;
  const rows = await db
    .select({ event: getTableColumns(e), depth: sql<number>`spector_walk.depth`.mapWith(Number) })
    .from(e)
    .innerJoin(walk, sql`spector_walk.id = ${e.id}`)
    .orderBy(sql`spector_walk.depth`, asc(e.id));
  return rows as unknown as Ancestor<LinkOf<Target>>[];
}
