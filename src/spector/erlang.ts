/**
 * The two Erlang functions Spector's integers and hashes depend on, ported: `erlang:phash2/1` of an
 * atom (a custom action's integer) and `float_to_binary(F, [short])` (how Elixir's JSON encoder writes
 * a float). Both are pinned by vectors made with Erlang/OTP 25 (`test/fixtures/erlang-*.json`,
 * made by `test/fixtures/erlang-reference.escript`).
 *
 * @module
 */

/** `phash2/1`'s range: 2^27 values, documented by Erlang as stable across versions. */
const PHASH2_RANGE_MASK = (1 << 27) - 1;

/**
 * `erlang:phash2(Atom)` for the atom named `name`: the atom table's `hashpjw` (the ELF hash) over the
 * name's UTF-8 bytes, with Erlang's "latin1 clutch" (a two-byte UTF-8 sequence of a Latin-1 character
 * is hashed as that one byte), masked to 27 bits, as `make_hash2` returns an atom's hash unmixed.
 *
 * @example
 * ```ts
 * phash2Atom("archive"); // 9040037, Spector's integer for a custom action `:archive`
 * ```
 */
export function phash2Atom(name: string): number {
  const bytes = new TextEncoder().encode(name);
  let h = 0;
  for (let i = 0; i < bytes.length; i++) {
    let v = bytes[i]!;
    if (i + 1 < bytes.length && (v & 0xfe) === 0xc2 && (bytes[i + 1]! & 0xc0) === 0x80) {
      v = ((v << 6) | (bytes[i + 1]! & 0x3f)) & 0xff;
      i++;
    }
    h = ((h << 4) + v) >>> 0;
    const g = h & 0xf0000000;
    if (g !== 0) h = (h ^ (g >>> 24) ^ g) >>> 0;
  }
  return h & PHASH2_RANGE_MASK;
}

/** 2^53: from here on, Erlang writes every float in scientific notation. */
const FIXED_LIMIT = 2 ** 53;

/**
 * A finite float as Erlang's `float_to_binary(F, [short])` writes it: the shortest digits that read
 * back as the same float (JavaScript's own shortest digits, from `toExponential()`), laid out in the
 * shorter of fixed notation (always with a fractional part, `1230.0`) and scientific notation (`e`, no
 * `+`, at least one fractional digit: `1.0e3`), fixed on a tie. Floats outside (-2^53, 2^53) are always
 * scientific, as Erlang's documentation says. `-0.0` keeps its sign.
 *
 * @example
 * ```ts
 * erlangShortFloat(1000); // "1.0e3"
 * erlangShortFloat(0.0001); // "0.0001"
 * erlangShortFloat(0.000123); // "1.23e-4"
 * ```
 */
export function erlangShortFloat(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`drizzle-spector: ${value} is no finite float`);
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const scientific = `${digits[0]}.${digits.length > 1 ? digits.slice(1) : "0"}e${exponent}`;
  let fixed: string;
  if (exponent < 0) fixed = `0.${"0".repeat(-exponent - 1)}${digits}`;
  else if (digits.length <= exponent + 1) fixed = `${digits}${"0".repeat(exponent + 1 - digits.length)}.0`;
  else fixed = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  if (Math.abs(value) >= FIXED_LIMIT) return sign + scientific;
  return sign + (scientific.length < fixed.length ? scientific : fixed);
}
