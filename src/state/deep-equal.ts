/**
 * The deep equality `verifySavepoints` compares states with.
 *
 * @module
 */

/**
 * Whether two states are equal as values: primitives by `Object.is`, arrays item by item, `Date`s by
 * time, `Map`s and `Set`s by their entries, other objects by their own enumerable keys, a key whose
 * value is `undefined` counting as absent (JSON, which a savepoint is stored as, has no `undefined`).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    return [...a].every(([key, value]) => b.has(key) && deepEqual(value, b.get(key)));
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set && b instanceof Set) || a.size !== b.size) return false;
    return [...a].every((value) => b.has(value));
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    const plain = (value: object) => [Object.prototype, null].includes(Object.getPrototypeOf(value));
    if (!plain(a) || !plain(b)) return false;
  }
  const keys = (value: object) =>
    Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
  const [ka, kb] = [keys(a), keys(b)];
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  return ka.every((key) => Object.hasOwn(rb, key) && deepEqual((a as Record<string, unknown>)[key], rb[key]));
}
