/**
 * Event ids: UUIDv7, made by the application as Spector makes them.
 *
 * @module
 */
import { v7 as uuidv7 } from "uuid";

/**
 * A new event id: a UUIDv7 (a millisecond timestamp, then a counter, then random bits). Ids made in
 * one process are strictly increasing, also for many ids in the same millisecond and when the clock
 * steps back: the counter carries on from the last id (the `uuid` package keeps this state), so
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
  return uuidv7();
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
