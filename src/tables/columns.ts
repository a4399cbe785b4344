/**
 * Column builders of the event and link tables. Each helper returns Drizzle builders whose types flow
 * into `pgTable` untouched; the table types in `event-table.ts` and `link-table.ts` are made of these.
 *
 * @module
 */
import { customType, integer, timestamp, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { newEventId } from "../ids.js";
import { COLUMNS } from "../naming/index.js";
import { namedCodeColumn, plainCodeColumn } from "./codes.js";
import type { EventTypingPlan, Layout } from "./meta.js";

/**
 * A `bytea` column (drizzle-orm 0.45 has no built-in one). Values read are Node.js `Buffer`s on every
 * driver: postgres.js and node-postgres hand back `Buffer`s, PGlite (and Bun) a `Uint8Array`, which is
 * wrapped without a copy, and an HTTP driver (`pg-proxy`) PostgreSQL's hex text `"\x..."`, which is
 * decoded. So `hash.toString("hex")` works whatever the driver. Values written are `Buffer`s.
 *
 * @example
 * ```ts
 * const t = pgTable("blobs", { data: bytea("data") });
 * const [row] = await db.select().from(t);
 * row?.data.toString("hex"); // "00ff"
 * ```
 */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array | string }>({
  dataType: () => "bytea",
  fromDriver: byteaFromDriver,
});

/** A `bytea` value as a driver gives it, as a `Buffer`. */
function byteaFromDriver(value: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "string" && /^\\x(?:[0-9a-fA-F]{2})*$/.test(value)) return Buffer.from(value.slice(2), "hex");
  throw new TypeError(
    `drizzle-spector: a bytea value must come from the driver as bytes or PostgreSQL's hex text "\\x...", got ${typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : typeof value} (is the server's bytea_output "escape"? set it to "hex")`,
  );
}

/** The current time in UTC, as Ecto (and so Spector) stores `timestamp` columns. */
const utcNow = () => sql`(now() AT TIME ZONE 'utc')`;

/**
 * The same, as PostgreSQL (15, and PGlite's 17) prints the column default back (`pg_get_expr`), with
 * its `::text`: `drizzle-kit push` compares the default it reads with the schema's text, and would set
 * it again on every run otherwise. The expression stored is the same as without the cast.
 */
const utcNowDefault = () => sql`(now() AT TIME ZONE 'utc'::text)`;

/**
 * A `timestamp` (without time zone, so microsecond precision) column in Drizzle's string mode:
 * PostgreSQL's own text, to the microsecond, e.g. `"2026-11-26 06:21:56.123456"` (without the
 * fraction's trailing zeros: `"2026-11-26 06:21:56.12"`, `"2026-11-26 06:21:56"`). The `date` mode
 * would drop the microseconds that order events written in the same millisecond.
 *
 * It defaults to the current UTC time twice over: in the database (for writers that leave it out,
 * such as raw SQL) and in Drizzle's inserts (so inserts also work on tables made by Spector itself,
 * which have no database default).
 */
function microsecondTimestamp<N extends string>(name: N) {
  return timestamp(name, { mode: "string" }).notNull().default(utcNowDefault()).$defaultFn(utcNow);
}

/**
 * `id`: a UUIDv7 made by the application ({@link newEventId}), as Spector's are; the primary key.
 *
 * The key is declared on the column, not as a table-level `primaryKey({ name })`: PostgreSQL then
 * names it `T_pkey` itself (Spector's name, `names.primaryKey`), and drizzle-kit 0.31's `push`, which
 * drops and re-adds a named table-level key on every run (failing on the self-referencing foreign key
 * that depends on it), sees no change.
 */
export function eventIdColumn() {
  return uuid(COLUMNS.id).primaryKey().notNull().$defaultFn(newEventId);
}

/**
 * `id` in the Citus layout: the same UUIDv7, without a key of its own (the table's primary key is
 * `(parent_id, id)`). Typed as {@link eventIdColumn}: the row types are the same.
 */
export function citusEventIdColumn(): ReturnType<typeof eventIdColumn> {
  return uuid(COLUMNS.id).notNull().$defaultFn(newEventId) as unknown as ReturnType<typeof eventIdColumn>;
}

/** `parent_id`: the first event of the record (itself for that first event). */
export function eventParentIdColumn() {
  return uuid(COLUMNS.parentId).notNull();
}

/**
 * A `jsonb` column that leaves parsing to the driver. postgres.js, PGlite and node-postgres all hand
 * back `jsonb` values parsed; Drizzle's own `jsonb` then parses any string value a second time, so a
 * payload that is the JSON string `"42"` would come back as the number 42 (drizzle-orm#3018). Writing
 * is Drizzle's: `JSON.stringify`.
 */
const drivenJsonb = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => "jsonb",
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => value,
});

/** `payload`: any JSON, typed `P | null` when the options declare `P`. */
export function eventPayloadColumn<P = unknown>() {
  return drivenJsonb(COLUMNS.payload).$type<P>();
}

/** `id`, `parent_id`, `payload`, `schema`, `action`: the leading columns, in Spector's order. */
export function eventLeadingColumns(table: string, typing: EventTypingPlan, layout: Layout = "spector") {
  return {
    id: layout === "citus" ? citusEventIdColumn() : eventIdColumn(),
    parentId: eventParentIdColumn(),
    payload: eventPayloadColumn(),
    schema: typing.schemas
      ? namedCodeColumn(COLUMNS.schema, table, "schemas", typing.schemas)
      : plainCodeColumn(COLUMNS.schema),
    action: typing.actions
      ? namedCodeColumn(COLUMNS.action, table, "actions", typing.actions)
      : plainCodeColumn(COLUMNS.action),
  };
}

/** `hash`: only on hashed tables. */
export function eventHashColumn() {
  return { hash: bytea(COLUMNS.hash) };
}

/**
 * `inserted_at`: when the event was written, in UTC. The column is `timestamp` without time zone
 * (Spector's DDL; Ecto, and so Spector, stores UTC there), filled with `now() AT TIME ZONE 'utc'` by the
 * database's default or by Drizzle's insert, so it holds UTC's wall-clock time with no offset. Rows
 * give it as PostgreSQL's text, `"2026-11-26 06:21:56.123456"`: `new Date(insertedAt)` would read that
 * as local time (off by the machine's offset); read it as UTC with
 * `new Date(insertedAt.replace(" ", "T") + "Z")` (a `Date` keeps milliseconds: compare the strings,
 * which sort in time order, to keep the microseconds).
 */
export function eventInsertedAtColumn() {
  return { insertedAt: microsecondTimestamp(COLUMNS.insertedAt) };
}

/**
 * `updated_at`: the current UTC time on insert, and set again by Drizzle on every update; text in UTC
 * without an offset, as `inserted_at` ({@link eventInsertedAtColumn}).
 */
export function eventUpdatedAtColumn() {
  return { updatedAt: microsecondTimestamp(COLUMNS.updatedAt).$onUpdateFn(utcNow) };
}

/** `event_id`: the first end of a link. */
export function linkEventIdColumn() {
  return { eventId: uuid(COLUMNS.eventId).notNull() };
}

/** The link's foreign key column, e.g. `ancestor_id`: the other end. */
export function linkForeignKeyColumn<N extends string>(name: N) {
  return uuid(name).notNull();
}

/** `parent_id` of a link in the Citus layout: the record both ends belong to (the distribution column). */
export function linkParentIdColumn() {
  return { parentId: uuid(COLUMNS.parentId).notNull() };
}

/** `type`: only on typed links. */
export function linkTypeColumn() {
  return { type: integer(COLUMNS.type).notNull() };
}
