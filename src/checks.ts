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
import { showText } from "./display.js";
import { SpectorOptionError } from "./errors.js";
import { isUuid } from "./ids.js";
import { MAX_IDENTIFIER_BYTES, RESERVED_WORDS, byteLength, type DerivedName } from "./naming/index.js";

/** The path of an options argument: its keys are named without it. */
export const OPTIONS = "options";

/** A key a path can name after a dot; others are quoted in brackets, so that a path reads one way only. */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The path of `key` inside the value at `path`.
 *
 * @example
 * ```ts
 * at("event", "schema"); // "event.schema"
 * at(OPTIONS, "hashed"); // "hashed"
 * at("links", 1); // "links[1]"
 * at("event.payload", "first name"); // 'event.payload["first name"]'
 * ```
 */
export function at(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${path === OPTIONS ? "" : path}[${JSON.stringify(key)}]`;
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
export function checkBoolean(
  path: string,
  value: unknown,
  fallback: boolean,
  expected = "a boolean (`true` or `false`)",
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new SpectorOptionError(path, value, `${expected} or left out`);
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
/** The rule of names: PostgreSQL's byte limit is in it unless a tighter one is said up front. */
const identifierRule = (withLimit: boolean) =>
  "a PostgreSQL name of lowercase letters, digits and underscores, not starting with a digit" +
  `${withLimit ? `, at most ${MAX_IDENTIFIER_BYTES} bytes` : ""} ` +
  "(drizzle-kit does not escape quotes in names, and Spector writes names unquoted, so other names are refused)";

/** A byte limit tighter than PostgreSQL's, and why: the names derived from the name must fit too. */
export interface NameLimit {
  readonly bytes: number;
  readonly why: string;
}

/**
 * Checks a table, column or schema name; `what` says which, in the message; `limit` is a tighter byte
 * limit, said up front (`an events table name of at most 45 bytes (...)`).
 */
export function checkName(path: string, value: unknown, what: string, limit?: NameLimit): string {
  const maxBytes = limit?.bytes ?? MAX_IDENTIFIER_BYTES;
  if (typeof value !== "string" || !IDENTIFIER.test(value) || byteLength(value) > maxBytes) {
    const expected = limit ? `${what} of at most ${limit.bytes} bytes (${limit.why})` : what;
    throw new SpectorOptionError(path, value, `${expected}: ${identifierRule(limit === undefined)}`);
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

/**
 * Checks a UUID in its canonical text form (any case) and returns it in lowercase, as PostgreSQL
 * prints it: ids the helpers compare (or hash to pick a shard) are then compared as the database
 * compares them, whatever case the caller wrote.
 */
export function checkUuid(path: string, value: unknown): string {
  if (!isUuid(value)) {
    throw new SpectorOptionError(path, value, "a UUID such as `0192f0c1-7b3e-7cc4-9a51-0e1f5c8a3d21`");
  }
  return value.toLowerCase();
}

/** How deep arrays and objects may nest in a payload; the payload itself is level 1. */
export const MAX_PAYLOAD_DEPTH = 1000;

const JSON_VALUE = "a JSON value (a plain object, an array, a string, a finite number, a boolean or `null`)";

/**
 * Checks a payload and returns its JSON text: the one serialization of it that is sent, written while
 * it is checked (a getter is read once, and what was checked is what is stored).
 *
 * Accepted: `null`, booleans, finite numbers (`-0` is written `0`), strings, arrays without holes, and
 * plain objects (`{}` or `Object.create(null)`) of those, at most {@link MAX_PAYLOAD_DEPTH} levels deep
 * and without cycles. Refused, where `JSON.stringify` would drop, change or fail on them: `undefined`
 * (also as an object's property: leave the key out or write `null`), functions, symbols (also as
 * keys), `BigInt`s, `NaN` and `±Infinity`, holes, and objects of a class (`Date`, `Map`, `Set`,
 * `Buffer`, boxed strings, ...: `toJSON` is not called; convert them first). Strings (keys too) may not
 * hold the NUL character or a lone UTF-16 surrogate, which PostgreSQL's `jsonb` cannot store.
 */
export function checkPayload(path: string, value: unknown): string {
  const writer = new PayloadWriter(path);
  writer.write(value);
  return writer.parts.join("");
}

/** Why a value of each type that is no JSON value is refused. */
const NOT_JSON = {
  undefined: ": `undefined` is none (leave the key out, or write `null`)",
  bigint: ": JSON has no `BigInt` (pass it as a string or a number)",
  function: ": a function is none",
  symbol: ": a symbol is none",
} as const;

/** Why a class instance is refused, and what to pass instead, for the classes payloads meet most. */
const CONVERSIONS: readonly [new (...args: never[]) => object, string][] = [
  [Date, "pass `date.toISOString()`"],
  [Map, "pass `Object.fromEntries(map)`"],
  [Set, "pass `[...set]`"],
  [Uint8Array, 'pass it encoded, e.g. `Buffer.from(bytes).toString("base64")`'],
];

/** Writes a payload's JSON text while walking it; `keys` is the path from the payload to the value at hand. */
class PayloadWriter {
  readonly parts: string[] = [];
  private readonly keys: (string | number)[] = [];
  /** The arrays and objects being written: meeting one again is a cycle. */
  private readonly open = new Set<object>();

  constructor(private readonly root: string) {}

  write(value: unknown): void {
    if (value === null || typeof value === "boolean") this.parts.push(String(value));
    else if (typeof value === "string") this.parts.push(this.text(value));
    else if (typeof value === "number") this.parts.push(this.number(value));
    else if (typeof value === "object") this.container(value);
    else this.refuse(value, NOT_JSON[typeof value as keyof typeof NOT_JSON]);
  }

  private number(value: number): string {
    if (!Number.isFinite(value)) this.refuse(value, ": JSON has no `NaN` or `Infinity`");
    return JSON.stringify(value);
  }

  private container(value: object): void {
    if (this.open.has(value)) this.refuse(value, ": this one contains itself (a cycle), which JSON cannot write");
    if (this.open.size >= MAX_PAYLOAD_DEPTH) {
      this.refuse(value, ` nested at most ${MAX_PAYLOAD_DEPTH} arrays or objects deep (this one is deeper)`);
    }
    this.open.add(value);
    if (Array.isArray(value)) this.array(value);
    else this.object(value);
    this.open.delete(value);
  }

  private array(array: readonly unknown[]): void {
    this.parts.push("[");
    for (let i = 0; i < array.length; i++) {
      if (i > 0) this.parts.push(",");
      this.keys.push(i);
      if (!(i in array)) this.refuse(undefined, ": the array has a hole here (`JSON.stringify` would write `null`)");
      this.write(array[i]);
      this.keys.pop();
    }
    this.parts.push("]");
  }

  private object(object: object): void {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) this.refuse(object, `: ${classAdvice(object)}`);
    const symbol = Object.getOwnPropertySymbols(object).find((key) =>
      Object.prototype.propertyIsEnumerable.call(object, key),
    );
    if (symbol !== undefined)
      this.refuse(object, `: it has a symbol key (${showText(String(symbol))}), which JSON has no place for`);
    this.parts.push("{");
    let first = true;
    for (const key of Object.keys(object)) {
      this.parts.push(first ? "" : ",");
      first = false;
      this.keys.push(key);
      this.parts.push(this.text(key), ":");
      this.write((object as Record<string, unknown>)[key]);
      this.keys.pop();
    }
    this.parts.push("}");
  }

  /** The JSON text of a string or a key, refused when PostgreSQL's `jsonb` cannot store it. */
  private text(text: string): string {
    if (text.includes("\u0000")) {
      this.refuse(text, ": a string without the NUL character `\\u0000` (PostgreSQL's `jsonb` cannot store it)");
    }
    if (LONE_SURROGATE.test(text)) {
      this.refuse(
        text,
        ": a string of whole characters (it holds a lone UTF-16 surrogate, which PostgreSQL's `jsonb` refuses)",
      );
    }
    return JSON.stringify(text);
  }

  private refuse(value: unknown, why: string): never {
    const path = this.keys.reduce<string>((path, key) => at(path, key), this.root);
    throw new SpectorOptionError(path, value, `${JSON_VALUE}${why}`);
  }
}

/** A high surrogate without a low one after it, or a low one without a high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What to say of an object of a class: which class, and how to pass what it holds. */
function classAdvice(object: object): string {
  const conversion = CONVERSIONS.find(([type]) => object instanceof type);
  const name = (object.constructor as { name?: unknown } | undefined)?.name;
  const what = typeof name === "string" && name !== "" ? `a \`${name}\`` : "an object of a class";
  return `${what} is not a plain object (\`toJSON\` is not called): ${conversion?.[1] ?? "copy what it holds into a plain object"}`;
}
