/**
 * `jsonText`: a payload given as JSON text, sent as written.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";

const JSON_TEXT = Symbol.for("drizzle-spector.jsonText");

/** A payload given as JSON text (made by {@link jsonText}). */
export interface JsonText {
  readonly [JSON_TEXT]: string;
}

/**
 * A payload given as JSON text, which `appendEvent` sends as written instead of writing a value with
 * `JSON.stringify`: for what JavaScript values cannot say, such as a float written `1.0` (which
 * Spector decodes as a float, where `1` is an integer) or an integer beyond 2^53. The text is checked
 * to be one JSON value before anything is sent. It takes the place of any payload type.
 *
 * @example
 * ```ts
 * await appendEvent(db, events, { schema: "user", action: "update", payload: jsonText('{"score": 1.0}'), parentId });
 * ```
 * @throws {SpectorOptionError} when `text` is not a string.
 */
export function jsonText<P = never>(text: string): P {
  if (typeof text !== "string") throw new SpectorOptionError("text", text, "a JSON text (a string)");
  return Object.freeze({ [JSON_TEXT]: text }) as unknown as P;
}

/** The text of a {@link jsonText} payload, `undefined` for any other value. */
export function jsonTextOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as Partial<JsonText>)[JSON_TEXT];
}
