/**
 * The identifiers every other name is made from: the fixed column names of the tables, PostgreSQL's
 * identifier limit (and how it counts), the camelCase TypeScript key of a database name, a table's
 * `schema.table` key and display name, and the short fingerprint that keeps derived names short.
 *
 * @module
 */

/** The fixed column names of the event and link tables (the link's foreign key is the user's). */
export const COLUMNS = {
  id: "id",
  parentId: "parent_id",
  payload: "payload",
  schema: "schema",
  action: "action",
  hash: "hash",
  insertedAt: "inserted_at",
  updatedAt: "updated_at",
  eventId: "event_id",
  type: "type",
} as const;

/** The columns of a record chain's heads table (`T_heads`): one row per record. */
export const HEAD_COLUMNS = {
  parentId: "parent_id",
  lastId: "last_id",
  lastHash: "last_hash",
  eventCount: "event_count",
} as const;

/** Column names of a record chain's redactions table (`T_redactions`, `redact`). */
export const REDACTION_COLUMNS = {
  eventId: "event_id",
  payloadDigest: "payload_digest",
  redactedAt: "redacted_at",
  reason: "reason",
} as const;

/** Column names of the positions table of an events table (`positions: true`: `T_positions`, `readAll`). */
export const POSITION_COLUMNS = {
  id: "id",
  position: "position",
  ids: "ids",
  queued: "queued",
} as const;

/** Column names of a checkpoints table (`consumerTable`): one row per consumer name. */
export const CONSUMER_COLUMNS = {
  name: "name",
  log: "log",
  cursor: "cursor",
  updatedAt: "updated_at",
} as const;

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1); longer names are silently truncated. */
export const MAX_IDENTIFIER_BYTES = 63;

const utf8 = new TextEncoder();

/** The length of a name in bytes, as PostgreSQL counts it. */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/**
 * Converts a snake_case database name to the camelCase TypeScript key drizzle-spector uses for it:
 * each `_` followed by a lowercase letter becomes that letter in upper case.
 *
 * @example
 * ```ts
 * camelCase("ancestor_id"); // "ancestorId"
 * camelCase("v_2");         // "v_2" (only letters are raised, so the mapping stays one-to-one)
 * ```
 */
export function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase()) as CamelCase<S>;
}

/**
 * The type-level twin of `camelCase`: the TypeScript key of a column, e.g. `CamelCase<"linked_event_id">`
 * is `"linkedEventId"`.
 */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer C}${infer Rest}`
  ? Uppercase<C> extends C
    ? `${Head}_${CamelCase<`${C}${Rest}`>}`
    : `${Head}${Uppercase<C>}${CamelCase<Rest>}`
  : S;

/** A table as names need it: its PostgreSQL schema (`undefined` for the default one) and its name. */
export interface TableName {
  readonly pgSchema: string | undefined;
  readonly name: string;
}

/**
 * `schema.table`, the key a table is known by in migration markers and messages (`public` when no
 * schema is given, as drizzle-kit writes it).
 *
 * @example
 * ```ts
 * tableKey({ pgSchema: undefined, name: "events" }); // "public.events"
 * ```
 */
export function tableKey(table: TableName): string {
  return `${table.pgSchema ?? "public"}.${table.name}`;
}

/**
 * A table's name as messages show it: `schema.table` outside the default schema, `table` in it.
 *
 * @example
 * ```ts
 * displayName({ pgSchema: "audit", name: "events" }); // "audit.events"
 * displayName({ pgSchema: undefined, name: "events" }); // "events"
 * ```
 */
export function displayName(table: TableName): string {
  return table.pgSchema === undefined ? table.name : `${table.pgSchema}.${table.name}`;
}

/**
 * A short, stable fingerprint of a text (cyrb53, 14 hex digits): tells whether a rule's SQL changed,
 * and keeps derived names short.
 *
 * @example
 * ```ts
 * fingerprint("public.events"); // the same 14 hex digits in every process
 * ```
 */
export function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}
