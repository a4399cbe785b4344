/**
 * The errors drizzle-spector throws: bad input (before anything is built or written), an integer a
 * table's map has no name for, a `parentId` that is no record, and a failed `drizzle-spector` command.
 *
 * @module
 */
import { showText, showValue } from "./display.js";

/**
 * Thrown for bad options and bad helper input, before anything is built or written. It is a
 * `TypeError`; `option` is the path of the offending value and `value` the value that was given.
 *
 * A path starts from the argument the value was passed in: its name, then keys and indexes
 * (`event.schema`, `spec[2].typed`, `tables[1]`). The keys of an options argument are named on their
 * own, as the README names them (`hashed`, `links[1][0]`, `maxDepth`).
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
    // the path and the value are shown in part when long (a payload can be megabytes); the error keeps both whole
    super(`drizzle-spector: expected \`${showText(option)}\` to be ${expected}, got ${showValue(value)}`);
  }
}

/**
 * Thrown when a row holds a `schema` or `action` integer that the table's map has no name for
 * (another service wrote it, or the map lost a name). The read fails as a whole rather than hand back
 * a row that lies; select with `rawCodes(table)` to read the integers instead.
 *
 * @example
 * ```ts
 * try {
 *   await listByParent(db, events, parentId);
 * } catch (error) {
 *   if (error instanceof SpectorUnknownCodeError) console.log(error.table, error.column, error.code);
 * }
 * ```
 */
export class SpectorUnknownCodeError extends Error {
  override name = "SpectorUnknownCodeError";
  constructor(
    /** The table read, `schema.table` when not in the default schema. */
    readonly table: string,
    /** The column: `schema` or `action`. */
    readonly column: string,
    /** The integer found. */
    readonly code: unknown,
    /** The names the map has, with their integers. */
    known: Iterable<readonly [name: string, code: number]>,
  ) {
    super(
      `drizzle-spector: ${table}.${column} holds ${showText(String(code))}, which has no name in the table's \`${column}s\` map ` +
        `(${[...known].map(([name, value]) => `${name} = ${value}`).join(", ")}). Another service may have written it: ` +
        `add its name to the map, or select \`rawCodes(table)\` to read the integers.`,
    );
  }
}

/**
 * Thrown by `appendEvent` when `parentId` names no record of the table (no event with that id, or an
 * event that is not the first of its record). Nothing was written.
 *
 * @example
 * ```ts
 * try {
 *   await appendEvent(db, events, { schema: "user", action: "update", payload: null, parentId });
 * } catch (error) {
 *   if (error instanceof SpectorRecordNotFoundError) console.log(error.table, error.parentId);
 * }
 * ```
 */
export class SpectorRecordNotFoundError extends Error {
  override name = "SpectorRecordNotFoundError";
  constructor(
    /** The events table, `schema.table` outside the default schema. */
    readonly table: string,
    /** The `parentId` given, in lowercase. */
    readonly parentId: string,
    /** The `parent_id` of the event with that id, when there is one (it is not a record's first event). */
    readonly foundParentId: string | undefined,
  ) {
    super(
      foundParentId === undefined
        ? `drizzle-spector: no record ${parentId} in ${table}: \`parentId\` must be the id of a record's first event; nothing was written`
        : `drizzle-spector: ${parentId} in ${table} is not the first event of its record (that is ${foundParentId}); ` +
            "`parentId` must be the id of a record's first event; nothing was written",
    );
  }
}

/**
 * A failure of a `drizzle-spector` command that the command reports in one message (exit 1), without
 * a stack trace: bad config, unusable schema, drizzle-kit trouble.
 *
 * @example
 * ```ts
 * try {
 *   await generate({ config: "drizzle.config.ts" });
 * } catch (error) {
 *   if (error instanceof GenerateError) console.error(error.message);
 * }
 * ```
 */
export class GenerateError extends Error {
  override name = "GenerateError";
}
