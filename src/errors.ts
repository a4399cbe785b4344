/**
 * The error for bad input to the factories and helpers.
 *
 * @module
 */

/**
 * Thrown for bad options, before anything is built or written. It is a `TypeError`; `option` is the
 * path of the offending option (e.g. `links[1][1]`) and `value` the value that was given.
 *
 * @example
 * ```ts
 * try {
 *   spectorTables({ table: "events", links: [["event_links", "id"]] });
 * } catch (error) {
 *   if (error instanceof SpectorOptionError) console.log(error.option); // "links[0][1]"
 * }
 * ```
 */
export class SpectorOptionError extends TypeError {
  override name = "SpectorOptionError";
  constructor(
    /** Path of the option, as the caller wrote it. */
    readonly option: string,
    /** The value that was given. */
    readonly value: unknown,
    expected: string,
  ) {
    super(`drizzle-spector: expected \`${option}\` to be ${expected}, got ${show(value)}`);
  }
}

function show(value: unknown): string {
  if (typeof value === "string") return `\`${JSON.stringify(value)}\` (string of ${byteLength(value)} bytes)`;
  if (value === null) return "`null`";
  if (Array.isArray(value)) return `\`${safeJson(value)}\` (array)`;
  return `\`${typeof value === "object" ? safeJson(value) : String(value)}\` (${typeof value})`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const utf8 = new TextEncoder();
/** The length of a name in bytes, as PostgreSQL counts it. */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}
