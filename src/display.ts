/**
 * How error messages show what they were given: a value, an option path, a failed query's parameters,
 * each in at most {@link SHOWN_CHARACTERS} characters. A message names the value it refuses, but a
 * payload can be megabytes long: the error keeps the value itself (`error.value`), and its message
 * shows the beginning of it, an ellipsis and its size.
 *
 * @module
 */
import { DrizzleQueryError } from "drizzle-orm";
import { byteLength } from "./naming/index.js";

/** At most this many characters of a value (or a path, or a query parameter) appear in an error message. */
export const SHOWN_CHARACTERS = 200;

/**
 * A value as error messages show it: its beginning in backticks (JSON-like), then what it is, with its
 * size when it was shown in part.
 *
 * @example
 * ```ts
 * showValue("Events"); // '`"Events"` (string of 6 bytes)'
 * showValue("x".repeat(1e6)); // '`"xxx…xxx…` (string of 1000000 bytes, first 200 characters shown)'
 * ```
 */
export function showValue(value: unknown): string {
  if (value === null) return "`null`";
  const shown = preview(value);
  const suffix = shown.cut ? `, first ${SHOWN_CHARACTERS} characters shown` : "";
  return `\`${shown.text}${shown.cut ? "…" : ""}\` (${kindOf(value, shown.cut)}${suffix})`;
}

/**
 * A text (an option path, a query) cut to {@link SHOWN_CHARACTERS} characters, with an ellipsis and its
 * length when it was longer.
 *
 * @example
 * ```ts
 * showText("event.payload.items[3]"); // unchanged
 * ```
 */
export function showText(text: string): string {
  if (text.length <= SHOWN_CHARACTERS) return text;
  return `${cutAt(text, SHOWN_CHARACTERS)}… (${text.length} characters)`;
}

/** What a value is, for the parentheses after it; with its size when only part of it was shown. */
function kindOf(value: unknown, cut: boolean): string {
  if (typeof value === "string") return `string of ${count(byteLength(value), "byte")}`;
  if (Array.isArray(value)) return cut ? `array of ${count(value.length, "item")}` : "array";
  if (typeof value !== "object" || value === null) return typeof value;
  const name = className(value);
  if (name !== undefined) return name;
  return cut ? `object of ${count(Object.keys(value).length, "key")}` : "object";
}

/** `1 byte`, `2 bytes`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** The class of an object that is not plain (`Date`, `Map`, ...), else `undefined`. */
function className(value: object): string | undefined {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  if (proto === null || proto === Object.prototype) return undefined;
  const name = proto.constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object of an unnamed class";
}

/** `text` cut to at most `length` characters, never between the two halves of a surrogate pair. */
function cutAt(text: string, length: number): string {
  const end = /[\uD800-\uDBFF]/.test(text.charAt(length - 1)) ? length - 1 : length;
  return text.slice(0, end);
}

/**
 * The beginning of `value` written JSON-like, built piece by piece until {@link SHOWN_CHARACTERS}
 * characters are there: a 20 MB payload is never written out whole (nor walked whole) to show 200
 * characters of it. Cycles show as `[Circular]`.
 */
function preview(value: unknown): { text: string; cut: boolean } {
  const out = new Preview();
  out.value(value);
  return { text: out.text, cut: out.full };
}

class Preview {
  text = "";
  /** Set once the text holds {@link SHOWN_CHARACTERS} characters and something is left out. */
  full = false;
  private readonly open = new Set<object>();

  /** Appends `piece`, or as much of it as fits. */
  write(piece: string): void {
    if (this.full) return;
    const room = SHOWN_CHARACTERS - this.text.length;
    if (piece.length <= room) {
      this.text += piece;
    } else {
      this.text += cutAt(piece, room);
      this.full = true;
    }
  }

  value(value: unknown): void {
    if (this.full) return;
    switch (typeof value) {
      case "string":
        // only the beginning is quoted: escaping a 20 MB string to keep 200 characters is waste
        return this.write(JSON.stringify(cutAt(value, SHOWN_CHARACTERS + 1)));
      case "number":
        return this.write(Object.is(value, -0) ? "-0" : String(value));
      case "bigint":
        return this.write(`${value}n`);
      case "function":
        return this.write(value.name ? `[Function ${value.name}]` : "[Function]");
      case "object":
        return value === null ? this.write("null") : this.object(value);
      default:
        return this.write(String(value));
    }
  }

  private object(value: object): void {
    if (this.open.has(value)) return this.write("[Circular]");
    if (value instanceof Date) return this.write(Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString());
    if (value instanceof Map || value instanceof Set) return this.write(`${className(value)}(${value.size})`);
    this.open.add(value);
    try {
      if (Array.isArray(value)) this.items(value);
      else this.entries(value);
    } catch {
      this.write("[unreadable]"); // a getter that throws, a revoked proxy
    } finally {
      this.open.delete(value);
    }
  }

  private items(array: readonly unknown[]): void {
    this.write("[");
    for (let i = 0; i < array.length && !this.full; i++) {
      if (i > 0) this.write(",");
      if (i in array) this.value(array[i]);
    }
    this.write("]");
  }

  private entries(object: object): void {
    const name = className(object);
    this.write(name === undefined ? "{" : `${name} {`);
    let first = true;
    for (const key in object) {
      if (this.full) break;
      if (!Object.hasOwn(object, key)) continue;
      this.write(first ? "" : ",");
      first = false;
      this.value(key);
      this.write(":");
      this.value((object as Record<string, unknown>)[key]);
    }
    this.write("}");
  }
}

/**
 * Shortens the message of a failed query's error (Drizzle's `DrizzleQueryError`, which writes every
 * parameter out in full: a 20 MB payload would make a 20 MB message): each parameter is shown in
 * part, in Drizzle's own format otherwise. The error is the same object, with its `query`, `params`
 * and `cause` (the driver's error, with the SQLSTATE) untouched; any other error is returned as is.
 *
 * @example
 * ```ts
 * try {
 *   await db.insert(events).values(row);
 * } catch (error) {
 *   throw shortenQueryError(error);
 * }
 * ```
 */
export function shortenQueryError(error: unknown): unknown {
  if (!(error instanceof DrizzleQueryError)) return error;
  const long = error.message;
  error.message = `Failed query: ${error.query}\nparams: ${error.params.map(showParam).join(",")}`;
  // V8 writes the stack's first line when `stack` is first read; should it have been read already, it
  // still holds the long message
  if (error.stack?.startsWith(`${error.name}: ${long}`)) {
    error.stack = `${error.name}: ${error.message}${error.stack.slice(error.name.length + 2 + long.length)}`;
  }
  return error;
}

/** A query parameter as Drizzle's message shows it (`null` as nothing), in part when long. */
function showParam(param: unknown): string {
  if (param === null || param === undefined) return "";
  if (ArrayBuffer.isView(param)) return `<${param.byteLength} bytes>`;
  return showText(typeof param === "string" ? param : String(param));
}
