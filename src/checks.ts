/**
 * The input checks every entry point uses, options and helpers alike: each one returns the checked
 * value or throws a {@link SpectorOptionError} that names the value's path, shows the value and says
 * what is expected.
 *
 * Paths follow one convention: they start from the argument the value was passed in, with its name,
 * then keys and indexes (`event.schema`, `spec[2].typed`, `tables[1]`); the keys of an options argument
 * (`OPTIONS`) are named on their own, as the README names them (`hashed`, `links[1][0]`, `maxDepth`).
 * {@link at} builds them.
 *
 * @module
 */
import { SpectorOptionError } from "./errors.js";
import { isUuid } from "./ids.js";
import { MAX_IDENTIFIER_BYTES, RESERVED_WORDS, byteLength, type DerivedName } from "./naming.js";

/** The path of an options argument: its keys are named without it. */
export const OPTIONS = "options";

/**
 * The path of `key` inside the value at `path`.
 *
 * @example
 * ```ts
 * at("event", "schema"); // "event.schema"
 * at(OPTIONS, "hashed"); // "hashed"
 * at("links", 1); // "links[1]"
 * ```
 */
export function at(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === OPTIONS ? key : `${path}.${key}`;
}

const list = (keys: readonly string[]) => keys.map((key) => `\`${key}\``).join(", ");

/**
 * Checks an object of known keys (`undefined` reads as `{}`): anything but a plain object, or a key
 * that is not one of `keys`, is refused. `noun` says what the keys are in the message.
 */
export function checkObject(
  path: string,
  value: unknown,
  keys: readonly string[],
  noun: "option" | "key" = "option",
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SpectorOptionError(path, value, `an object with ${list(keys)} (each optional)`);
  }
  const stray = Object.keys(value).find((key) => !keys.includes(key));
  if (stray !== undefined) {
    throw new SpectorOptionError(
      at(path, stray),
      (value as Record<string, unknown>)[stray],
      `left out: there is no such ${noun} (the ${noun}s are ${list(keys)})`,
    );
  }
  return value as Record<string, unknown>;
}

/** Checks a boolean option; `undefined` gives `fallback`. */
export function checkBoolean(path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new SpectorOptionError(path, value, "a boolean (`true` or `false`) or left out");
  return value;
}

/** Checks that an array has no holes (`[, "a"]`), naming the first hole. */
export function checkDenseArray(path: string, value: readonly unknown[], expected: string): void {
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw new SpectorOptionError(at(path, i), undefined, `${expected} (the array has a hole here)`);
  }
}

/** What drizzle-spector accepts as a name: what PostgreSQL makes of an unquoted identifier. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const IDENTIFIER_RULE =
  "a PostgreSQL name of lowercase letters, digits and underscores, not starting with a digit, at most 63 bytes " +
  "(drizzle-kit does not escape quotes in names, and Spector writes names unquoted, so other names are refused)";

/** Checks a table, column or schema name; `what` says which, in the message. */
export function checkName(path: string, value: unknown, what: string): string {
  if (typeof value !== "string" || !IDENTIFIER.test(value) || byteLength(value) > MAX_IDENTIFIER_BYTES) {
    throw new SpectorOptionError(path, value, `${what}: ${IDENTIFIER_RULE}`);
  }
  if (RESERVED_WORDS.has(value)) {
    throw new SpectorOptionError(
      path,
      value,
      `${what} that is not a PostgreSQL reserved word (Spector writes names unquoted)`,
    );
  }
  return value;
}

/** Checks that every name derived from `value` fits PostgreSQL's limit, reporting the longest one that does not. */
export function checkDerivedNames(path: string, value: string, derived: readonly DerivedName[]): void {
  const [longest, kind] = derived.reduce((a, b) => (byteLength(b[0]) > byteLength(a[0]) ? b : a));
  const bytes = byteLength(longest);
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new SpectorOptionError(
      path,
      value,
      `short enough that the ${kind} name \`${longest}\` (${bytes} bytes) fits PostgreSQL's ` +
        `${MAX_IDENTIFIER_BYTES}-byte limit (PostgreSQL would truncate it, and truncated names can collide)`,
    );
  }
}

/** The range of PostgreSQL's `integer`, the type of `schema`, `action` and `type`. */
const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/** Checks an integer for a PostgreSQL `integer` column, at least `min`. */
export function checkInt4(path: string, value: unknown, expected: string, min = INT4_MIN): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > INT4_MAX) {
    throw new SpectorOptionError(path, value, expected);
  }
  return value;
}

/** Checks a UUID in its canonical text form (any case). */
export function checkUuid(path: string, value: unknown): string {
  if (!isUuid(value)) {
    throw new SpectorOptionError(path, value, "a UUID such as `0192f0c1-7b3e-7cc4-9a51-0e1f5c8a3d21`");
  }
  return value;
}
