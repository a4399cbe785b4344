/**
 * The redactions table of a record chain (`T_redactions`): one row per event whose payload `redact`
 * erased, holding the payload's digest (which the chain covers in its place), when, and why.
 *
 * @module
 */
import { text, timestamp, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { SpectorOptionError } from "../errors.js";
import { MAX_IDENTIFIER_BYTES, REDACTION_COLUMNS, byteLength, names, type TableName } from "../naming/index.js";
import { bytea } from "../tables/columns.js";
import type { AnyEventTable } from "../tables/event-table.js";
import { recordChainHeads } from "../tables/heads-table.js";
import { eventTableMeta, type EventTableMeta } from "../tables/meta.js";
import { tableFunction, type SpectorPgTable } from "../tables/pg-table.js";

/** The column builders of a redactions table. */
function redactionsColumns() {
  return {
    eventId: uuid(REDACTION_COLUMNS.eventId).primaryKey().notNull(),
    payloadDigest: bytea(REDACTION_COLUMNS.payloadDigest).notNull(),
    redactedAt: timestamp(REDACTION_COLUMNS.redactedAt, { mode: "string" })
      .notNull()
      .default(sql`(now() AT TIME ZONE 'utc'::text)`),
    reason: text(REDACTION_COLUMNS.reason).notNull(),
  };
}

/**
 * The Drizzle type of the redactions table `TName` of a record-chained events table.
 *
 * @example
 * ```ts
 * type Redaction = RedactionsTable<"events_redactions", undefined>["$inferSelect"];
 * // { eventId: string; payloadDigest: Buffer; redactedAt: string; reason: string }
 * ```
 */
export type RedactionsTable<
  TName extends string = string,
  TSchema extends string | undefined = string | undefined,
> = SpectorPgTable<TName, TSchema, ReturnType<typeof redactionsColumns>>;

/** One redactions table per events table: a second call returns the first's, as drizzle-kit needs one object. */
const BUILT = new WeakMap<object, RedactionsTable>();

/**
 * The redactions table of a record-chained events table (`hashed: "record"`): export it from your schema
 * file, so that drizzle-kit creates it, to let {@link redact} erase payloads of that table. `event_id`
 * (primary key), `payload_digest` (the SHA-256 of the erased payload's text, which the chain covers),
 * `redacted_at`, `reason`. Only `redact` writes it; grant nothing on it.
 *
 * @example
 * ```ts
 * export const { events, events_heads } = spectorTables({ table: "events", hashed: "record" });
 * export const events_redactions = chainRedactionTable(events);
 * ```
 * @throws {SpectorOptionError} when `events` has no record chain, or the table's name is too long.
 */
export function chainRedactionTable<const T extends AnyEventTable>(
  events: T,
): RedactionsTable<`${T["_"]["name"]}_redactions`, T["_"]["schema"]> {
  const meta = eventTableMeta("events", events);
  recordChainHeads("events", meta);
  const built = BUILT.get(events);
  if (built !== undefined) return built as never;
  const { name } = redactionsTableOf(meta);
  if (byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new SpectorOptionError(
      "events",
      `events table ${meta.name}`,
      `a table whose redactions table's name, ${name}, fits PostgreSQL's ${MAX_IDENTIFIER_BYTES} bytes`,
    );
  }
  const table = tableFunction(meta.pgSchema)(name, redactionsColumns()) as unknown as RedactionsTable;
  BUILT.set(events, table);
  return table as never;
}

/**
 * The redactions table of events table `table` (`T_redactions`).
 *
 * @example
 * ```ts
 * redactionsTableOf({ pgSchema: undefined, name: "events" }); // { pgSchema: undefined, name: "events_redactions" }
 * ```
 */
export function redactionsTableOf(table: TableName | EventTableMeta): TableName {
  return { pgSchema: table.pgSchema, name: names.recordChain.redactionsTable(table.name) };
}
