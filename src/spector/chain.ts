/**
 * Spector's hash chain (`hashed: true`): what one event's hash is. The bytes are those of
 * `SPECTOR_FACTS.md`, checked on the 30 events of `spector-hash-vectors.json` (made with Elixir):
 *
 *     [<previous hash, 64 lowercase hex digits> ":"] <schema module> "." <action name> <payload JSON>
 *
 * with no prefix for the first event of a chain, the schema as Elixir prints its module
 * (`Elixir.MyApp.User`), the action's atom name, and the payload as `spector/json.ts` encodes it. That
 * text is then UTF-8 encoded **twice** before SHA-256 (each byte of its UTF-8 form is read as a
 * Latin-1 character and encoded again), as Spector does: an ASCII text hashes as itself, but `é`
 * (`C3 A9`) is hashed as `C3 83 C2 A9`. The vectors hold eleven such events.
 *
 * @module
 */
import * as crypto from "node:crypto";

/** A character beyond ASCII: a text without any hashes as its plain UTF-8 bytes. */
const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * The SHA-256 digest (32 bytes) Spector stores in `hash` for an event whose payload encodes to
 * `payloadJson`, chained from `previous`: the hash of the chain's last event (its 32 bytes, or them as
 * 64 lowercase hex digits), or `null` for the first event.
 *
 * @example
 * ```ts
 * const first = spectorHash(null, "Elixir.MyApp.User", "insert", '{"__version__":0,"name":"Alice"}');
 * const second = spectorHash(first, "Elixir.MyApp.Post", "update", "{}");
 * ```
 */
export function spectorHash(
  previous: Uint8Array | string | null,
  schemaModule: string,
  actionName: string,
  payloadJson: string,
): Buffer {
  const prefix =
    previous === null ? null : typeof previous === "string" ? previous : Buffer.from(previous).toString("hex");
  return Buffer.from(spectorHashHex(prefix, schemaModule, actionName, payloadJson), "hex");
}

/**
 * {@link spectorHash} as 64 hex digits, from the previous hash as hex: what verification compares,
 * computed without a `Hash` object per event where Node.js has `crypto.hash` (20.12 and later).
 */
export function spectorHashHex(
  previousHex: string | null,
  schemaModule: string,
  actionName: string,
  payloadJson: string,
): string {
  // the text whose UTF-8 bytes Spector hashes: a non-ASCII tail as the Latin-1 reading of its UTF-8
  // bytes, which UTF-8 then encodes a second time
  const tail = `${schemaModule}.${actionName}${payloadJson}`;
  const text = `${previousHex === null ? "" : `${previousHex}:`}${NON_ASCII.test(tail) ? Buffer.from(tail, "utf8").toString("latin1") : tail}`;
  return ONE_SHOT ? ONE_SHOT("sha256", text, "hex") : crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** `crypto.hash` (Node.js 20.12+), or `undefined` on runtimes without it. */
const ONE_SHOT = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

/**
 * The bytes Spector hashes after the previous hash's prefix: `<schema module>.<action><payload JSON>`,
 * UTF-8 encoded twice (the prefix, 64 hex digits and `:`, is ASCII, which the second encoding leaves as
 * it is, so a hash is SHA-256 of the prefix's bytes followed by these). `appendEvent` sends them to the
 * database, which adds the prefix of the chain's last hash under the lock.
 *
 * @example
 * ```ts
 * spectorHashTail("Elixir.MyApp.User", "insert", '{"name":"é"}').toString(); // 'Elixir.MyApp.User.insert{"name":"Ã©"}'
 * ```
 */
export function spectorHashTail(schemaModule: string, actionName: string, payloadJson: string): Buffer {
  const text = `${schemaModule}.${actionName}${payloadJson}`;
  return NON_ASCII.test(text)
    ? Buffer.from(Buffer.from(text, "utf8").toString("latin1"), "utf8")
    : Buffer.from(text, "latin1");
}

/** An Elixir alias: dot-separated segments, each a capital letter then letters, digits or `_`. */
const ELIXIR_ALIAS = /^[A-Z][A-Za-z0-9_]*(\.[A-Z][A-Za-z0-9_]*)*$/;

/**
 * The module name as Elixir prints it (`:"Elixir.MyApp.User"`), from an alias as Elixir code writes it
 * (`MyApp.User`, or already `Elixir.MyApp.User`); `undefined` for a name that is no Elixir alias.
 *
 * @example
 * ```ts
 * elixirModule("MyApp.User"); // "Elixir.MyApp.User"
 * elixirModule("my_app.user"); // undefined
 * ```
 */
export function elixirModule(alias: string): string | undefined {
  const bare = alias.startsWith("Elixir.") ? alias.slice("Elixir.".length) : alias;
  return ELIXIR_ALIAS.test(bare) ? `Elixir.${bare}` : undefined;
}
