/**
 * A reimplementation of the record chain's hash (`hashed: "record"`) in TypeScript, from a row's columns
 * as PostgreSQL prints them, written from the definition rather than from the trigger's SQL: the tests
 * compare what the database stores with it.
 *
 * - format 2's digest = `id` and `parent_id` (16 bytes each), `schema` and `action` (4 bytes
 *   each, big-endian), `inserted_at` (8 bytes, big-endian microseconds since 2000-01-01, from its text as
 *   `to_char(inserted_at, 'YYYY-MM-DD HH24:MI:SS.US')` prints it, with ` BC` before year 1), then the
 *   32 bytes of the SHA-256 of the UTF-8 of `payload::text` (a redacted event's from `T_redactions`;
 *   nothing for SQL `NULL`);
 * - format 1's digest = SHA-256 of the UTF-8 of `id "\n" parent_id "\n" schema "\n" action "\n" inserted_at "\n" payload`
 *   (the same texts, and `payload::text` itself, or nothing for SQL `NULL`);
 * - hash = SHA-256 of the record's previous hash (32 bytes; nothing for its first event) then the digest
 *   (80 bytes, 48 without a payload, in format 2; 32 in format 1).
 */
import { createHash } from "node:crypto";

/** One event's columns as PostgreSQL prints them (see {@link RECORD_ROW_COLUMNS}). */
export interface RecordRow {
  readonly id: string;
  readonly parentId: string;
  readonly schema: string;
  readonly action: string;
  /** `to_char(inserted_at, 'YYYY-MM-DD HH24:MI:SS.US')`, then ` BC` before year 1; `infinity` as such. */
  readonly insertedAt: string;
  /** `payload::text`, or `null` for SQL `NULL`. */
  readonly payload: string | null;
  /** The stored hash in hex, or `null`. */
  readonly hash: string | null;
}

/** The select list that reads {@link RecordRow}s from an events table aliased `e`. */
export const RECORD_ROW_COLUMNS = `e.id::text AS "id", e.parent_id::text AS "parentId", e.schema::text AS "schema",
  e.action::text AS "action",
  coalesce(to_char(e.inserted_at, 'YYYY-MM-DD HH24:MI:SS.US') || CASE WHEN e.inserted_at < '0001-01-01' THEN ' BC' ELSE '' END,
           e.inserted_at::text) AS "insertedAt",
  e.payload::text AS "payload", encode(e.hash, 'hex') AS "hash"`;

/** The query that reads every row of `table` (or of record `$1` with `oneRecord`), by record then id. */
export function recordRowsSql(table: string, oneRecord = false): string {
  return `SELECT ${RECORD_ROW_COLUMNS} FROM ${table} AS e${oneRecord ? " WHERE e.parent_id = $1::uuid" : ""} ORDER BY e.parent_id, e.id`;
}

/** A record chain format: 2 hashes the payload's digest, 1 (before it) its text. */
export type Format = 1 | 2;

/** The SHA-256 of the UTF-8 of a payload's text, as 64 lowercase hex digits. */
export function referencePayloadDigest(payload: string): string {
  return createHash("sha256").update(Buffer.from(payload, "utf8")).digest("hex");
}

/** 2000-01-01, PostgreSQL's epoch for `timestamp_send`, in days from 1970-01-01. */
const PG_EPOCH_DAYS = 10_957n;

/** Days from 1970-01-01 to a proleptic Gregorian date (astronomical year: 0 is 1 BC), as in Howard Hinnant's `days_from_civil`. */
function daysFromCivil(year: bigint, month: bigint, day: bigint): bigint {
  const y = month <= 2n ? year - 1n : year;
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yoe = y - era * 400n;
  const doy = (153n * (month > 2n ? month - 3n : month + 9n) + 2n) / 5n + day - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146_097n + doe - 719_468n;
}

/**
 * `inserted_at` as `timestamp_send` writes it: 8 bytes, big-endian, signed microseconds since
 * 2000-01-01 00:00:00 (`infinity` and `-infinity`: the largest and smallest 64-bit integers), from
 * its text as {@link RecordRow.insertedAt} holds it (` BC` after a year before 1).
 */
export function timestampBytes(text: string): Buffer {
  const bytes = Buffer.alloc(8);
  if (text === "infinity" || text === "-infinity") {
    bytes.writeBigInt64BE(text === "infinity" ? (1n << 63n) - 1n : -(1n << 63n));
    return bytes;
  }
  const match = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})( BC)?$/.exec(text);
  if (match === null) throw new Error(`not a timestamp as to_char prints it: ${text}`);
  const [, y, mo, d, h, mi, sec, us, bc] = match as unknown as [string, ...string[]];
  const year = bc === undefined ? BigInt(y!) : 1n - BigInt(y!);
  const days = daysFromCivil(year, BigInt(mo!), BigInt(d!)) - PG_EPOCH_DAYS;
  const seconds = days * 86_400n + BigInt(h!) * 3_600n + BigInt(mi!) * 60n + BigInt(sec!);
  bytes.writeBigInt64BE(seconds * 1_000_000n + BigInt(us!));
  return bytes;
}

/** An integer as `int4send` writes it: 4 bytes, big-endian, signed. */
function int4Bytes(text: string): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(Number(text));
  return bytes;
}

/** A uuid as `uuid_send` writes it: its 16 bytes. */
function uuidBytes(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, ""), "hex");
}

/**
 * What one event's hash covers after the previous hash: in format 2 its 80 bytes (48 without a
 * payload), in format 1 its digest (32 bytes). In format 2 a redacted event (`payload` `null`) is hashed with
 * `payloadDigest`, the digest its redaction kept (hex).
 */
export function referenceDigest(
  row: Omit<RecordRow, "hash"> & { readonly payloadDigest?: string | null },
  format: Format = 2,
): Buffer {
  if (format === 1) {
    const text = [row.id, row.parentId, row.schema, row.action, row.insertedAt, row.payload ?? ""].join("\n");
    return createHash("sha256").update(Buffer.from(text, "utf8")).digest();
  }
  // the fields' binary form, then the payload's 32-byte digest (nothing for SQL NULL)
  const payload =
    row.payload === null
      ? Buffer.from(row.payloadDigest ?? "", "hex")
      : createHash("sha256").update(Buffer.from(row.payload, "utf8")).digest();
  return Buffer.concat([
    uuidBytes(row.id),
    uuidBytes(row.parentId),
    int4Bytes(row.schema),
    int4Bytes(row.action),
    timestampBytes(row.insertedAt),
    payload,
  ]);
}

/** The hash of an event from its record's previous hash (hex or bytes; `null` for a first event) and its digest. */
export function referenceHash(previous: string | Buffer | null, digest: Buffer): Buffer {
  const prev =
    previous === null ? Buffer.alloc(0) : typeof previous === "string" ? Buffer.from(previous, "hex") : previous;
  if (prev.length !== 0 && prev.length !== 32) throw new Error(`a previous hash is 32 bytes, not ${prev.length}`);
  return createHash("sha256")
    .update(Buffer.concat([prev, digest]))
    .digest();
}

/** The rows of each record, in `id` order (UUIDs compare as their lowercase hex text does). */
export function byRecord<R extends { id: string; parentId: string }>(rows: readonly R[]): Map<string, R[]> {
  const records = new Map<string, R[]>();
  for (const row of rows) {
    const list = records.get(row.parentId) ?? [];
    list.push(row);
    records.set(row.parentId, list);
  }
  for (const list of records.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return records;
}

/**
 * Each record's chain recomputed from its rows alone, from its first event: every event's hash (hex),
 * by id, and each record's head (last id, last hash, count).
 */
export function referenceChains(
  rows: readonly (Omit<RecordRow, "hash"> & { readonly payloadDigest?: string | null })[],
  format: Format = 2,
): {
  readonly hashes: Map<string, string>;
  readonly heads: Map<string, { lastId: string; lastHash: string; eventCount: number }>;
} {
  const hashes = new Map<string, string>();
  const heads = new Map<string, { lastId: string; lastHash: string; eventCount: number }>();
  for (const [parentId, events] of byRecord(rows)) {
    let previous: Buffer | null = null;
    for (const event of events) {
      previous = referenceHash(previous, referenceDigest(event, format));
      hashes.set(event.id, previous.toString("hex"));
    }
    heads.set(parentId, { lastId: events.at(-1)!.id, lastHash: previous!.toString("hex"), eventCount: events.length });
  }
  return { hashes, heads };
}

/**
 * What verification expects of event `id`: its hash from its own (possibly edited) columns and the
 * stored hash of the event before it in its record, by id (`null` hash before: a first event).
 */
export function expectedStoredHash(rows: readonly RecordRow[], id: string, format: Format = 2): string {
  const event = rows.find((row) => row.id === id);
  if (event === undefined) throw new Error(`no event ${id}`);
  const events = byRecord(rows).get(event.parentId)!;
  const before = events[events.indexOf(event) - 1];
  return referenceHash(before === undefined ? null : before.hash, referenceDigest(event, format)).toString("hex");
}

/** `uuid` plus `n` (as the 128-bit number it is), as PostgreSQL prints a uuid. */
export function uuidPlus(uuid: string, n: number | bigint): string {
  const value = (BigInt(`0x${uuid.replace(/-/g, "")}`) + BigInt(n)) & ((1n << 128n) - 1n);
  const hex = value.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
