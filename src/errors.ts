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
 * Thrown when `parentId` names no record of the table: by `appendEvent` (nothing was written), by
 * `chainHead` and `verifyChain` for no such record, and by `listByParent` and `backtrace` for an id that
 * is an event but not the first of its record (an id that is no event at all reads as `[]` there). On a
 * shard set every shard is looked in, so `table` is the shard that holds the event.
 *
 * @example
 * ```ts
 * try {
 *   await appendEvent(db, events, { schema: "user", action: "update", payload: null, parentId });
 * } catch (error) {
 *   if (error instanceof SpectorRecordNotFoundError) console.log(error.table, error.parentId, error.foundParentId);
 * }
 * ```
 */
export class SpectorRecordNotFoundError extends Error {
  override name = "SpectorRecordNotFoundError";
  constructor(
    /** The events table (the shard that holds the event, on a shard set), `schema.table` outside the default schema. */
    readonly table: string,
    /** The `parentId` given, in lowercase. */
    readonly parentId: string,
    /** The `parent_id` of the event with that id, when there is one (it is not a record's first event). */
    readonly foundParentId: string | undefined,
    /** `reading`: thrown by a helper that writes nothing (the message then does not say so). */
    options: { readonly reading?: boolean } = {},
  ) {
    const tail = options.reading ? "" : "; nothing was written";
    super(
      foundParentId === undefined
        ? `drizzle-spector: no record ${parentId} in ${table}: \`parentId\` must be the id of a record's first event${tail}`
        : `drizzle-spector: ${parentId} in ${table} is not the first event of its record (that is ${foundParentId}); ` +
            `\`parentId\` must be the id of a record's first event: pass ${foundParentId} (an event row's \`parentId\`)${tail}`,
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

/** The two ends of a link the same-parent rule refused, as {@link SpectorSameParentError} gives them. */
export interface SameParentViolation {
  /** The link table, `schema.table` when not in the default schema. */
  readonly table: string;
  /** The link table's foreign key column (`ancestor_id`): the column of {@link otherId}. */
  readonly foreignKey: string;
  /** The link's `event_id` (the `from` of `link`). */
  readonly eventId: string;
  /** The `parent_id` of the `event_id` event; `undefined` when the rule found no such event. */
  readonly eventParentId: string | undefined;
  /** The link's foreign key value (the `to` of `link`). */
  readonly otherId: string;
  /** The `parent_id` of the other event; `undefined` when the rule found no such event. */
  readonly otherParentId: string | undefined;
}

/**
 * Thrown by the helpers that write links (`link`) when the database's same-parent rule refuses a link
 * whose two events belong to different records, instead of Drizzle's `DrizzleQueryError` around the
 * driver's error. `code` is the SQLSTATE, `"23514"` (`check_violation`); `cause` is the error the query
 * threw (Drizzle's `DrizzleQueryError`, whose own `cause` is the driver's error). Nothing was written.
 *
 * Plain Drizzle queries (`db.insert(event_ancestors)...`) are not helpers: they throw Drizzle's
 * `DrizzleQueryError`, with the SQLSTATE on `error.cause.code`.
 *
 * @example
 * ```ts
 * try {
 *   await link(db, event_ancestors, eventId, otherRecordsEventId);
 * } catch (error) {
 *   if (error instanceof SpectorSameParentError) console.log(error.code, error.table, error.eventParentId, error.otherParentId);
 * }
 * ```
 */
export class SpectorSameParentError extends Error implements SameParentViolation {
  override name = "SpectorSameParentError";
  /** The SQLSTATE of the violation, `check_violation`. */
  readonly code = "23514";
  readonly table: string;
  readonly foreignKey: string;
  readonly eventId: string;
  readonly eventParentId: string | undefined;
  readonly otherId: string;
  readonly otherParentId: string | undefined;
  constructor(
    violation: SameParentViolation,
    /** The error the query threw (Drizzle's `DrizzleQueryError`, the driver's error as its `cause`). */
    cause: unknown,
  ) {
    const record = (parent: string | undefined) => (parent === undefined ? "no event found" : `record ${parent}`);
    super(
      `drizzle-spector: the same-parent rule of ${violation.table} refused a link across records: ` +
        `event_id ${violation.eventId} (${record(violation.eventParentId)}), ${violation.foreignKey} ` +
        `${violation.otherId} (${record(violation.otherParentId)}); both ends of a link must belong to one ` +
        "record (SQLSTATE 23514); nothing was written",
      { cause },
    );
    this.table = violation.table;
    this.foreignKey = violation.foreignKey;
    this.eventId = violation.eventId;
    this.eventParentId = violation.eventParentId;
    this.otherId = violation.otherId;
    this.otherParentId = violation.otherParentId;
  }
}

/**
 * The version of a record: `lastId`, the id of its last event (by `id`, the order `listByParent`
 * reads), and `count`, how many events it has. What `readVersion` and `appendEvents` return, and what
 * an append's `expected` compares.
 *
 * @example
 * ```ts
 * const version: RecordVersion = { lastId: row.id, count: 3 };
 * ```
 */
export interface RecordVersion {
  readonly lastId: string;
  readonly count: number;
}

/**
 * Thrown by `appendEvents` and `appendEvent` when the record's version is not the `expected` one: a
 * writer appended to it since `expected` was read. Nothing was written. `actual` is the version the
 * append found, or `undefined` in a REPEATABLE READ or SERIALIZABLE transaction of yours that the
 * conflict made PostgreSQL fail (SQLSTATE 40001, kept as `cause`), whose snapshot cannot see the
 * version: retry that transaction. Read the record again, decide
 * again, and append with the new version.
 *
 * @example
 * ```ts
 * try {
 *   await appendEvents(db, events, { parentId, expected: version, events: [withdrawal] });
 * } catch (error) {
 *   if (error instanceof SpectorVersionConflictError) console.log(error.expected, error.actual);
 * }
 * ```
 */
export class SpectorVersionConflictError extends Error {
  override name = "SpectorVersionConflictError";
  constructor(
    /** The record (the id of its first event), in lowercase. */
    readonly parentId: string,
    /** The version the append expected. */
    readonly expected: RecordVersion,
    /** The version found, when known (see the class's description). */
    readonly actual: RecordVersion | undefined,
    /** The table, `schema.table` outside the default schema (the shard, on a shard set). */
    readonly table: string,
    cause?: unknown,
  ) {
    const found =
      actual === undefined
        ? "another writer appended to it (its version is not visible to this transaction: retry the transaction)"
        : `its version is { lastId: ${actual.lastId}, count: ${actual.count} }`;
    super(
      `drizzle-spector: record ${parentId} of ${table} is not at the expected version ` +
        `{ lastId: ${expected.lastId}, count: ${expected.count} }: ${found}; nothing was written`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * Why `redact` refused an event: `unknown-event` (no event with that id in the table), `redacted`
 * (its payload was erased already), `no-payload` (its payload is SQL `NULL` and was never redacted:
 * there is nothing to erase), `no-redactions-table` (the table's `T_redactions` does not exist: export
 * `chainRedactionTable(events)` and migrate).
 */
export type RedactionRefusal = "unknown-event" | "redacted" | "no-payload" | "no-redactions-table";

/**
 * Thrown by `redact` when it erases nothing: the event is unknown, redacted already, has no payload,
 * or the table has no redactions table. Nothing was written.
 *
 * @example
 * ```ts
 * try {
 *   await redact(db, events, eventId, { reason: "erasure request 2026-118" });
 * } catch (error) {
 *   if (error instanceof SpectorRedactionError && error.reason === "redacted") console.log("erased already");
 * }
 * ```
 */
export class SpectorRedactionError extends Error {
  override name = "SpectorRedactionError";
  constructor(
    /** The events table, `schema.table` outside the default schema. */
    readonly table: string,
    /** The event's id, in lowercase. */
    readonly eventId: string,
    /** Why nothing was erased. */
    readonly reason: RedactionRefusal,
  ) {
    const why = {
      "unknown-event": "there is no such event",
      redacted: "its payload was redacted already",
      "no-payload": "its payload is SQL NULL, and was never redacted: there is nothing to erase",
      "no-redactions-table": `the table has no redactions table: export \`chainRedactionTable(events)\` from your schema and migrate`,
    }[reason];
    super(`drizzle-spector: cannot redact event ${eventId} of ${table}: ${why}; nothing was written`);
  }
}
