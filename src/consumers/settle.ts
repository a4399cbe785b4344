/**
 * A promise's outcome as a value, for statements a batch sends without waiting for their answers.
 *
 * @module
 */

/** What a promise came to: its value, or its error. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * `promise`'s outcome as a value that never rejects: a rejection nobody awaits yet is not an unhandled
 * one, and the caller decides when its error counts.
 *
 * @example
 * ```ts
 * const read = settle(readWindow(tx, log, cursor, 1000, undefined));
 * const outcome = await read; // { ok: true, value } or { ok: false, error }
 * ```
 */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
