/**
 * Event ids: UUIDv7, made by the application as Spector makes them.
 *
 * @module
 */
import { v7 as uuidv7 } from "uuid";
import { SpectorOptionError } from "./errors.js";

/**
 * A new event id: a UUIDv7 (a millisecond timestamp, then a counter, then random bits). Ids made in
 * one process are strictly increasing, also for many ids in the same millisecond and when the clock
 * steps back: the counter carries on from the last id (as the `uuid` package's `v7` does), so
 * ordering a record's events by `id` orders them as their ids were made. That is not commit order:
 * an id made first can be committed last, by a transaction that stays open longer.
 *
 * @example
 * ```ts
 * const a = newEventId();
 * const b = newEventId();
 * a < b; // true
 * ```
 */
export function newEventId(): string {
  const now = Date.now();
  if (now > v7State.msecs) {
    const random = randomBytes();
    v7State.msecs = now;
    // a new millisecond: the counter starts at a random value (31 bits), as the `uuid` package's does
    v7State.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    return uuidv7({ msecs: v7State.msecs, seq: v7State.seq, random });
  }
  // the same millisecond, or the clock stepped back: the counter carries on; past its end, the next millisecond
  v7State.seq = (v7State.seq + 1) | 0;
  if (v7State.seq === 0) v7State.msecs++;
  return uuidv7({ msecs: v7State.msecs, seq: v7State.seq, random: randomBytes() });
}

/** The last id's millisecond and counter: the next id is made after it. */
const v7State = { msecs: -Infinity, seq: 0 };

/** Random bytes drawn from the system's generator 4 KiB at a time (one call per id costs more than the id). */
const RANDOM_POOL = new Uint8Array(4096);
let randomUsed = RANDOM_POOL.length;

/** 16 fresh random bytes for one id. */
function randomBytes(): Uint8Array {
  if (randomUsed + 16 > RANDOM_POOL.length) {
    globalThis.crypto.getRandomValues(RANDOM_POOL);
    randomUsed = 0;
  }
  randomUsed += 16;
  return RANDOM_POOL.subarray(randomUsed - 16, randomUsed);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `true` for a UUID in its canonical text form (`8-4-4-4-12` hexadecimal digits, any case).
 *
 * @example
 * ```ts
 * isUuid("0192f0c1-7b3e-7cc4-9a51-0e1f5c8a3d21"); // true
 * isUuid("42"); // false
 * ```
 */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/**
 * The marker of a record id made by {@link newRecordId}: the 6 hexadecimal digits before the last two
 * (bits 96 to 119 of the UUID, part of UUIDv7's `rand_b`).
 */
export const RECORD_ID_MARKER = "d5ec70";

/** The most shards a `shards` list may have: the shard index is one byte of the record id. */
export const MAX_SHARDS = 256;

/**
 * A new record id (the id of a record's first event) that carries shard index `shard` (0 to 255): a
 * UUIDv7 from {@link newEventId} whose last 32 bits (bytes 12 to 15, part of `rand_b`) are replaced by
 * the marker `d5ec70` and the index as one byte, so the id ends with `d5ec70` and two hex digits:
 *
 * ```
 * 019abcde-f012-7345-8678-9abcd5ec7002   a record started in shard 2
 * └ 48-bit ms ┘ │└12┘ │└────┘└ marker ┘└ shard index (byte 15)
 *          version 7 │ counter, random
 *          variant 10xx
 * ```
 *
 * Timestamp, version, variant and the counter are untouched, so ids stay ordered as `newEventId`
 * orders them. {@link recordIdShard} reads the index back.
 *
 * @example
 * ```ts
 * const id = newRecordId(2); // "019abcde-f012-7345-8678-9abcd5ec7002"
 * recordIdShard(id); // 2
 * ```
 * @throws {SpectorOptionError} when `shard` is not an integer from 0 to 255.
 */
export function newRecordId(shard: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= MAX_SHARDS) {
    throw new SpectorOptionError("shard", shard, `a shard index, an integer from 0 to ${MAX_SHARDS - 1}`);
  }
  return `${newEventId().slice(0, 28)}${RECORD_ID_MARKER}${shard.toString(16).padStart(2, "0")}`;
}

/**
 * The shard index a record id made by {@link newRecordId} carries, or `undefined` for any other id (a
 * UUID of another version or variant, or a UUIDv7 without the marker: an id made by another service,
 * or by `newEventId`). In any language: the id is a UUIDv7 (`id[14] == '7'`, `id[19]` one of `89ab`)
 * whose hex digits 28 to 33 (0-based, hyphens counted) are `d5ec70`, any case; the index is digits 34
 * and 35.
 *
 * @example
 * ```ts
 * recordIdShard("019abcde-f012-7345-8678-9abcd5ec7002"); // 2
 * recordIdShard("019abcde-f012-7345-8678-9abcdef01234"); // undefined
 * ```
 */
export function recordIdShard(id: string): number | undefined {
  if (!isUuid(id) || id[14] !== "7" || !"89abAB".includes(id[19]!)) return undefined;
  if (id.slice(28, 34).toLowerCase() !== RECORD_ID_MARKER) return undefined;
  return parseInt(id.slice(34), 16);
}
