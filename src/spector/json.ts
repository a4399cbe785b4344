/**
 * Spector's payload bytes: the JSON that Spector hashes for an event, re-encoded from the payload as
 * PostgreSQL stores it. This module is the only place that knows the encoding:
 *
 * - a number is first normalised as `jsonb` stores it (PostgreSQL's `numeric`: the digits kept exactly,
 *   the exponent folded in, `1.0e-5` -> `0.000010`, `1e3` -> `1000`, `-0` -> `0`); then a number whose
 *   stored text has a `.` is a float, written as Erlang's `float_to_binary(F, [short])`, and any other
 *   is an integer, written with all its digits (any size);
 * - strings escape only `"`, `\` and U+0000..U+001F (`\b \t \n \f \r`, the others `\u00XX` in
 *   uppercase hex); everything else is written as it is, in UTF-8;
 * - the keys of every object are sorted by their UTF-8 bytes (that is, by code point), with no
 *   whitespace anywhere; a key given twice keeps its last value, as `jsonb` does.
 *
 * Because the numbers are normalised first, the JSON text a writer sends and the text PostgreSQL gives
 * back for the stored value encode to the same bytes: the hash of an event can be computed before it
 * is written.
 *
 * @module
 */
import { erlangShortFloat } from "./erlang.js";

/**
 * Why a JSON text has no Spector encoding: it is no JSON, or it holds a number that Spector's decoder
 * cannot read back (a float too large for a double, or too many digits for PostgreSQL's `numeric`).
 *
 * @example
 * ```ts
 * try {
 *   spectorJson("[1e400.5]");
 * } catch (error) {
 *   if (error instanceof SpectorEncodingError) console.log(error.message);
 * }
 * ```
 */
export class SpectorEncodingError extends Error {
  override name = "SpectorEncodingError";
}

/** PostgreSQL's `numeric` keeps at most this many digits after the point (`NUMERIC_DSCALE_MAX`). */
const MAX_SCALE = 16383;
/** Exponents larger than this are refused before any string is built from them. */
const MAX_EXPONENT = 131072;

/**
 * Encodes a JSON text (as a writer sends it, or as PostgreSQL's `jsonb` output gives it back) the way
 * Spector encodes the stored payload before hashing it. `null` stands for an SQL `NULL` payload and
 * encodes as `null`, as Elixir encodes `nil`.
 *
 * @example
 * ```ts
 * spectorJson('{"b": [1, 2.5, 1e-05], "a": 1.0}'); // '{"a":1.0,"b":[1,2.5,1.0e-5]}'
 * ```
 * @throws {SpectorEncodingError} for a text that is no JSON, or a number Spector cannot decode.
 */
export function spectorJson(text: string | null): string {
  if (text === null) return "null";
  const reader = new Reader(text);
  const out: string[] = [];
  reader.value(out);
  reader.end();
  return out.join("");
}

/** An array or object being read: what it holds so far. */
type Frame =
  | { readonly array: true; readonly items: string[] }
  | { readonly array: false; readonly members: Map<string, string>; key: string };

/**
 * A reader of one JSON text that writes Spector's encoding as it goes. It keeps the arrays and objects
 * it is inside on a stack of its own, not JavaScript's, and has no depth limit: Spector's encoder (on
 * the BEAM, whose stack grows on the heap) encodes a payload of any depth PostgreSQL's `jsonb` stores,
 * which depends on the server's `max_stack_depth` (test/fixtures/erlang-deep.escript).
 */
class Reader {
  private i = 0;
  constructor(private readonly text: string) {}

  value(out: string[]): void {
    const stack: Frame[] = [];
    for (;;) {
      // a value starts: a scalar, an empty array or object, or the first member of one
      this.space();
      const c = this.text.charCodeAt(this.i);
      let done: string;
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        this.i++;
        this.space();
        if (this.text.charCodeAt(this.i) === c + 2 /* } or ] */) {
          this.i++;
          done = c === 0x7b ? "{}" : "[]";
        } else {
          stack.push(c === 0x7b ? { array: false, members: new Map(), key: this.key() } : { array: true, items: [] });
          continue;
        }
      } else if (c === 0x22 /* " */) done = escape(this.string());
      else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) done = this.number();
      else if (this.text.startsWith("true", this.i)) done = this.literal("true");
      else if (this.text.startsWith("false", this.i)) done = this.literal("false");
      else if (this.text.startsWith("null", this.i)) done = this.literal("null");
      else this.fail("a JSON value");
      // a value is done: it goes into the array or object it is in, which may be done in turn
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          out.push(done);
          return;
        }
        if (top.array) top.items.push(done);
        else {
          top.members.delete(top.key); // a repeated key keeps its last value, in the last place (the order is sorted anyway)
          top.members.set(top.key, done);
        }
        this.space();
        const next = this.text.charCodeAt(this.i++);
        if (next === 0x2c /* , */) {
          if (!top.array) top.key = this.key();
          break;
        }
        if (next !== (top.array ? 0x5d /* ] */ : 0x7d) /* } */)
          this.fail(top.array ? "`,` or `]`" : "`,` or `}`", this.i - 1);
        stack.pop();
        done = top.array ? `[${joined(top.items)}]` : members(top.members);
      }
    }
  }

  end(): void {
    this.space();
    if (this.i !== this.text.length) this.fail("the end of the text");
  }

  private literal(word: string): string {
    this.i += word.length;
    return word;
  }

  /** Reads an object's key and the `:` after it. */
  private key(): string {
    this.space();
    if (this.text.charCodeAt(this.i) !== 0x22) this.fail("a key");
    const key = this.string();
    this.space();
    if (this.text.charCodeAt(this.i) !== 0x3a /* : */) this.fail("`:`");
    this.i++;
    return key;
  }

  /** Reads a string token and returns its value. */
  private string(): string {
    const start = ++this.i;
    const text = this.text;
    // the common case: no escapes
    for (let j = start; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x22) {
        this.i = j + 1;
        return text.slice(start, j);
      }
      if (c === 0x5c || c < 0x20) break;
    }
    let value = "";
    let j = start;
    for (;;) {
      if (j >= text.length) this.fail("the end of a string", j);
      const c = text.charCodeAt(j);
      if (c === 0x22) break;
      if (c < 0x20) this.fail("no control character in a string (JSON escapes them)", j);
      if (c !== 0x5c) {
        value += text[j];
        j++;
        continue;
      }
      const e = text[j + 1];
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        j += 2;
      } else if (e === "u" && /^[0-9A-Fa-f]{4}$/.test(text.slice(j + 2, j + 6))) {
        value += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16));
        j += 6;
      } else {
        this.fail("a JSON escape", j);
      }
    }
    this.i = j + 1;
    return value;
  }

  /** Reads a number token and returns its encoding. */
  private number(): string {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (m === null) this.fail("a JSON number");
    this.i = NUMBER.lastIndex;
    return encodeNumber(m[0], m[1] === "-", m[2]!, m[3] ?? "", m[4] === undefined ? 0 : Number(m[4]));
  }

  private space(): void {
    const text = this.text;
    let c = text.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.i);
  }

  private fail(expected: string, at = this.i): never {
    const near = JSON.stringify(this.text.slice(at, at + 20));
    throw new SpectorEncodingError(
      `drizzle-spector: expected ${expected} at offset ${at} of the payload's JSON, found ${near}`,
    );
  }
}

const NUMBER = /(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?/y;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/**
 * A number as `jsonb` stores it, then as Spector re-encodes it. `numeric` keeps the value exactly,
 * with `max(0, fraction digits - exponent)` digits after the point; zero has no sign.
 */
function encodeNumber(token: string, negative: boolean, whole: string, fraction: string, exponent: number): string {
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    throw new SpectorEncodingError(
      `drizzle-spector: the payload's number ${token.slice(0, 40)} is out of PostgreSQL's range`,
    );
  }
  // the common case: an integer (its digits, without any `e0`: jsonb stores `5e0` as `5`)
  if (fraction === "" && exponent === 0) return whole === "0" ? "0" : (negative ? "-" : "") + whole;
  const digits = whole + fraction;
  const point = whole.length + exponent; // where the decimal point falls in `digits`
  const scale = Math.max(0, fraction.length - exponent);
  if (scale > MAX_SCALE) {
    throw new SpectorEncodingError(
      `drizzle-spector: the payload's number ${token.slice(0, 40)} has more digits than PostgreSQL's numeric keeps`,
    );
  }
  let integer: string;
  let decimals: string;
  if (point <= 0) [integer, decimals] = ["0", "0".repeat(-point) + digits];
  else if (point >= digits.length) [integer, decimals] = [digits + "0".repeat(point - digits.length), ""];
  else [integer, decimals] = [digits.slice(0, point), digits.slice(point)];
  integer = integer.replace(/^0+(?=.)/, "");
  const zero = integer === "0" && !/[1-9]/.test(decimals);
  const sign = negative && !zero ? "-" : "";
  if (scale === 0) return sign + integer; // stored without a point: Spector decodes an integer
  const value = Number(`${sign}${integer}.${decimals}`);
  if (!Number.isFinite(value)) {
    throw new SpectorEncodingError(
      `drizzle-spector: the payload's number ${token.slice(0, 40)} is too large for a float, which Spector cannot decode`,
    );
  }
  return erlangShortFloat(value);
}

/** An object's members, keys sorted by their UTF-8 bytes. */
function members(map: ReadonlyMap<string, string>): string {
  const keys = [...map.keys()].sort(byCodePoint);
  return `{${joined(keys.map((key) => `${escape(key)}:${map.get(key)!}`))}}`;
}

/**
 * `parts` joined by commas, by concatenation: V8 then links the parts (a rope) instead of copying them,
 * as `Array.prototype.join` does, so that a value nested N levels deep costs O(N), not O(N²).
 */
function joined(parts: readonly string[]): string {
  let text = parts[0] ?? "";
  for (let i = 1; i < parts.length; i++) text += "," + parts[i]!;
  return text;
}

/** A string as Elixir's JSON encoder writes it. */
function escape(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  return `"${value.replace(NEEDS_ESCAPE_ALL, escapeChar)}"`;
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE_ALL = /["\\\u0000-\u001f]/g;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
};

function escapeChar(c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Orders strings by code point, which is the order of their UTF-8 bytes. JavaScript's `<` compares
 * UTF-16 code units, which differs only where a surrogate (a character beyond U+FFFF) meets a unit
 * from U+E000 up.
 */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 code unit's place in code-point order: surrogates after U+E000..U+FFFF. */
function codeUnitRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}
