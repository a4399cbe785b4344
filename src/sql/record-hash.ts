/**
 * What a record chain's hash covers (`hashed: "record"`), as SQL: an event's digest and its hash, which
 * the trigger computes on insert and verification recomputes.
 *
 * @module
 */
import { COLUMNS, names, type TableName } from "../naming/index.js";
import { quoteIdent, quoteLiteral } from "./quote.js";

/**
 * The text format of `inserted_at` in format 1's hashed bytes: `to_char` does not depend on `DateStyle` (nor,
 * for a `timestamp` without time zone, on `TimeZone`), so every session hashes the same bytes.
 */
export const RECORD_HASH_TIME_FORMAT = "YYYY-MM-DD HH24:MI:SS.US";

/**
 * The record chain's format, the version of what its hashes cover: 1 hashed the SHA-256 of the fields'
 * text and the payload's text; 2 (this version's) hashes the fields' binary form and the 32 bytes of
 * the SHA-256 of the payload's text in its place, so that a payload can be erased (`redact`) while its
 * event keeps its hash, and no text is built per event ({@link recordDigest}). `drizzle-spector generate` moves a table chained in
 * format 1 to format 2 (`sql/record-chain-format.ts`).
 *
 * @example
 * ```ts
 * const hashed = `record chain format ${RECORD_CHAIN_FORMAT}`; // "record chain format 2"
 * ```
 */
export const RECORD_CHAIN_FORMAT = 2;

/** A record chain format: {@link RECORD_CHAIN_FORMAT}, or 1, which generate migrates from. */
export type RecordChainFormat = 1 | 2;

/** One event's columns as SQL expressions, for {@link recordDigest}. */
export interface HashedColumns {
  readonly id: string;
  readonly parentId: string;
  readonly schema: string;
  readonly action: string;
  readonly insertedAt: string;
  readonly payload: string;
  /**
   * Format 2: the payload's digest (`bytea`, `NULL` for none) when it does not come from `payload`
   * itself (a redacted event's is kept in `T_redactions`); {@link payloadDigest} of `payload` when absent.
   */
  readonly payloadDigest?: string;
}

/** SQL for the SHA-256 of the UTF-8 of a `jsonb` payload's text (`NULL` for SQL `NULL`). */
export function payloadDigest(payload: string): string {
  return `pg_catalog.sha256(pg_catalog.convert_to(${payload}::pg_catalog.text, 'UTF8'))`;
}

/**
 * SQL for `inserted_at` as the digest writes it: {@link RECORD_HASH_TIME_FORMAT}, then ` BC` for a year
 * before 1 (which `to_char` does not mark), and PostgreSQL's `infinity` / `-infinity` for those.
 */
function insertedAtText(expression: string): string {
  const bc = `CASE WHEN ${expression} OPERATOR(pg_catalog.<) '0001-01-01'::pg_catalog.timestamp THEN ' BC' ELSE '' END`;
  return `coalesce(pg_catalog.to_char(${expression}, ${quoteLiteral(RECORD_HASH_TIME_FORMAT)}) ${CAT} ${bc}, ${expression}::pg_catalog.text)`;
}

/** `||` as PostgreSQL's own, whatever the caller's `search_path`. */
const CAT = "OPERATOR(pg_catalog.||)";

/**
 * SQL for what an event's hash covers after its record's previous hash (its "digest"). Format 2: the
 * event's fields in PostgreSQL's binary form (what `COPY ... BINARY` and the wire protocol send, which
 * no session setting changes), then its payload's digest: `id` and `parent_id` (16 bytes each,
 * `uuid_send`), `schema` and `action` (4 bytes each, big-endian, `int4send`), `inserted_at` (8 bytes,
 * big-endian signed microseconds since 2000-01-01 00:00:00, `timestamp_send`), then the 32 bytes of
 * the SHA-256 of the UTF-8 of PostgreSQL's text of the `jsonb` payload (nothing for SQL `NULL`): 80
 * bytes, 48 without a payload. No field is printed as text, and an event costs two SHA-256 calls (its
 * payload's and its hash), as in format 1. Format 1 (before it): the SHA-256 of the UTF-8 of
 * `id "\n" parent_id "\n" schema "\n" action "\n" inserted_at "\n" payload`, the ids as PostgreSQL
 * prints a `uuid`, the integers in decimal, `inserted_at` as {@link RECORD_HASH_TIME_FORMAT} gives it
 * (with ` BC` before year 1, `infinity` as such) and the payload's text itself (empty for SQL `NULL`).
 * Every function, operator and type is named with its schema, `pg_catalog`, so that the caller's
 * `search_path` cannot change it. An event's hash is {@link recordHash} of its record's previous hash
 * and this: it depends on the event's row alone, so verification computes it in parallel.
 *
 * @example
 * ```ts
 * recordDigest(hashedColumnsOf("NEW")); // "pg_catalog.uuid_send(NEW.\"id\") OPERATOR(pg_catalog.||) ..."
 * ```
 */
export function recordDigest(row: HashedColumns, format: RecordChainFormat = RECORD_CHAIN_FORMAT): string {
  if (format === 1) {
    const text = (expression: string) => `${expression}::pg_catalog.text`;
    const fields = [
      text(row.id),
      text(row.parentId),
      text(row.schema),
      text(row.action),
      insertedAtText(row.insertedAt),
      `coalesce(${text(row.payload)}, '')`,
    ];
    return `pg_catalog.sha256(pg_catalog.convert_to(${fields.join(` ${CAT} E'\\n' ${CAT} `)}, 'UTF8'))`;
  }
  const fields = [
    `pg_catalog.uuid_send(${row.id})`,
    `pg_catalog.uuid_send(${row.parentId})`,
    `pg_catalog.int4send(${row.schema})`,
    `pg_catalog.int4send(${row.action})`,
    `pg_catalog.timestamp_send(${row.insertedAt})`,
    `coalesce(${row.payloadDigest ?? payloadDigest(row.payload)}, ''::pg_catalog.bytea)`,
  ];
  return `(${fields.join(` ${CAT} `)})`;
}

/**
 * SQL for an event's hash: the SHA-256 of its record's previous hash (32 bytes; none, `NULL`, for the
 * record's first event) followed by its digest ({@link recordDigest}: 80 or 48 bytes in format 2, 32 in
 * format 1).
 *
 * @example
 * ```ts
 * recordHash("v_last_hash", recordDigest(hashedColumnsOf("NEW")));
 * ```
 */
export function recordHash(previousHash: string, digest: string): string {
  return `pg_catalog.sha256(coalesce(${previousHash}, ''::pg_catalog.bytea) ${CAT} ${digest})`;
}

/** The {@link HashedColumns} of a row (`NEW`, or a table alias). */
export function hashedColumnsOf(row: string): HashedColumns {
  const column = (name: string) => `${row}.${quoteIdent(name)}`;
  return {
    id: column(COLUMNS.id),
    parentId: column(COLUMNS.parentId),
    schema: column(COLUMNS.schema),
    action: column(COLUMNS.action),
    insertedAt: column(COLUMNS.insertedAt),
    payload: column(COLUMNS.payload),
  };
}

/** The heads table of events table `table`. */
export function headsTableOf(table: TableName): TableName {
  return { pgSchema: table.pgSchema, name: names.recordChain.headsTable(table.name) };
}
