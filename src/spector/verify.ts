/**
 * Verifying Spector's hash chain, whatever reads the rows: the walk over one table's events in
 * Spector's order, page by page, recomputing each hash from the previous event's stored hash. The
 * helper `verifyChain` reads the pages through Drizzle, the `verify` command through the project's
 * driver; both use {@link chainPageSql}'s order and {@link verifyPages}.
 *
 * @module
 */
import type { EventTableMeta } from "../tables/meta.js";
import { actionNames } from "../tables/codes.js";
import { spectorHashHex } from "./chain.js";
import { SpectorEncodingError, spectorJson } from "./json.js";

/**
 * Why an event breaks the chain:
 * - `mismatch`: its stored hash differs from the one recomputed from its row and the previous hash
 *   (the event, or one before it, was edited, removed, inserted or moved);
 * - `missing`: its `hash` is `NULL`;
 * - `unknown-schema`: its `schema` integer has no module in `schemaModules`, so its hash cannot be
 *   recomputed (declare the module);
 * - `unknown-action`: its `action` integer has no name in `actions` (nor is it a base action);
 * - `unencodable`: its payload holds a number Spector cannot decode (a float beyond a double);
 *
 * and, for record chains (`hashed: "record"`), where a record's head (`T_heads`) disagrees with its events:
 * - `head-mismatch`: the head names another last event, count or hash than the record's events give
 *   (its last events were deleted, or events were written around the chain);
 * - `deleted`: the head's record has no events left (the whole record was deleted);
 * - `headless`: a record's events have no head (they were written around the chain);
 * - `anchor-mismatch`: the `head` given (anchored outside the database) no longer holds: its last event
 *   is gone, has another hash, or is not the record's `eventCount`-th (the record was rewritten);
 * - `redaction-mismatch`: the event has a row in `T_redactions` but still has a payload, whose digest
 *   is not the one the row keeps (the payload, or the kept digest, was edited).
 */
export type ChainFailureReason =
  | "mismatch"
  | "missing"
  | "unknown-schema"
  | "unknown-action"
  | "unencodable"
  | "head-mismatch"
  | "deleted"
  | "headless"
  | "anchor-mismatch"
  | "redaction-mismatch";

/** An event whose payload `redact` erased: what `redact` returns and `verifyChain` reports. */
export interface RedactedEvent {
  readonly eventId: string;
  /** Its record. */
  readonly parentId: string;
  /** When it was redacted (UTC), as PostgreSQL prints a `timestamp`: `2026-12-07 04:12:00.123456`. */
  readonly redactedAt: string;
  /** Why, as given to `redact`. */
  readonly reason: string;
}

/** A whole chain verified: `count` events, each hash as Spector computes it. */
export interface ChainVerified {
  readonly ok: true;
  /** The events verified. */
  readonly count: number;
  /**
   * A record chain's events whose payloads `redact` erased (they verify by the digest it kept), by
   * record then id; absent when there are none.
   */
  readonly redacted?: readonly RedactedEvent[];
}

/** The first event that breaks a chain. */
export interface ChainBroken {
  readonly ok: false;
  /** The events verified before it. */
  readonly count: number;
  /** The table it is in (`schema.table` outside the default schema). */
  readonly table: string;
  /** Its `id`. */
  readonly eventId: string;
  readonly reason: ChainFailureReason;
  /** The hash it should have, as 64 hex digits (`null` when it cannot be computed). */
  readonly expected: string | null;
  /** The hash it has, as 64 hex digits (`null` when `NULL`). */
  readonly actual: string | null;
  /** A record chain's failure: the record (`parent_id`). */
  readonly parentId?: string;
  /** A `head-mismatch` (or `anchor-mismatch`): what the head says of the record's last event and count. */
  readonly head?: { readonly lastId: string; readonly eventCount: number };
  /** A `head-mismatch`: the record's last event and count, as its events give them. */
  readonly record?: { readonly lastId: string; readonly eventCount: number };
}

/** What verifying a chain found. */
export type ChainVerification = ChainVerified | ChainBroken;

/** One event as verification reads it: codes as stored, the payload as PostgreSQL's text, hash as hex. */
export interface ChainRow {
  readonly id: string;
  readonly schema: number;
  readonly action: number;
  readonly payload: string | null;
  readonly hash: string | null;
  readonly insertedAt: string;
}

/** Where a page starts: after this event, in chain order. */
export interface ChainCursor {
  readonly insertedAt: string;
  readonly id: string;
}

/** Reads the page of at most `limit` events after `after` (from the start when `undefined`), in chain order. */
export type ChainPageReader = (after: ChainCursor | undefined, limit: number) => Promise<readonly ChainRow[]>;

/** Options of a verification. */
export interface VerifyOptions {
  /** Spector's chain: events read per query. Default 5,000. */
  readonly pageSize?: number;
  /** Called after each page (a record chain: after each table) with the events verified so far. */
  readonly onProgress?: (count: number) => void;
  /** A record chain: verify this record alone (its first event's id). Default: every record. */
  readonly parentId?: string;
  /**
   * A record chain, with `parentId`: a head `chainHead` gave earlier and that was kept outside the
   * database; the record must still hold it (`anchor-mismatch` otherwise).
   */
  readonly head?: {
    readonly parentId?: string;
    readonly lastId: string;
    readonly lastHash: string;
    readonly eventCount: number;
  };
}

/** The default number of events read per query. */
export const VERIFY_PAGE_SIZE = 5000;

/**
 * The page query in chain order, as SQL text with `$1` (`inserted_at`) and `$2` (`id`) for the
 * cursor, both sent as text (the order names the table's columns, not the text aliases of the output): Spector's order (`inserted_at`), with `id` to break ties. `inserted_at >= $1` lets
 * PostgreSQL start from the `inserted_at` index; the row comparison then skips what was read.
 */
export function chainPageSql(
  table: string,
  columns: Readonly<Record<keyof ChainRow, string>>,
  after: boolean,
  limit: number,
): string {
  const { insertedAt, id } = columns;
  // the cursor is sent as text: a driver that types the parameter `timestamp` may round it (postgres.js
  // writes a timestamp parameter through a JavaScript Date, to milliseconds)
  // and pg_catalog's functions, operators and types, whatever the caller's search_path
  const [at, last] = ["$1::pg_catalog.text::pg_catalog.timestamp", "$2::pg_catalog.text::pg_catalog.uuid"];
  const where = after
    ? ` WHERE ${insertedAt} OPERATOR(pg_catalog.>=) ${at} AND (${insertedAt}, ${id}) OPERATOR(pg_catalog.>) (${at}, ${last})`
    : "";
  const text = "pg_catalog.text";
  return `SELECT ${id}::${text} AS id, ${columns.schema} AS schema, ${columns.action} AS action, ${columns.payload}::${text} AS payload, pg_catalog.encode(${columns.hash}, 'hex') AS hash, ${insertedAt}::${text} AS inserted_at FROM ${table}${where} ORDER BY ${table}.${insertedAt}, ${table}.${id} LIMIT ${limit}`;
}

/**
 * Walks one table's chain, page by page, and returns `{ ok: true, count }` or its first broken event.
 * Memory holds two pages: the next one is read while this one is hashed.
 */
export async function verifyPages(
  meta: EventTableMeta,
  table: string,
  read: ChainPageReader,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const modules = meta.schemaModules!;
  const actions = actionNames(meta.actions);
  const pageSize = options.pageSize ?? VERIFY_PAGE_SIZE;
  let previous: string | null = null;
  let count = 0;
  let next: Promise<readonly ChainRow[]> | undefined = read(undefined, pageSize);
  while (next !== undefined) {
    const rows: readonly ChainRow[] = await next;
    // the next page is read while this one is hashed: its cursor is this page's last event
    const last = rows[rows.length - 1];
    next =
      rows.length < pageSize || last === undefined
        ? undefined
        : read({ insertedAt: last.insertedAt, id: last.id }, pageSize);
    for (const row of rows) {
      const broken = (reason: ChainFailureReason, expected: string | null): ChainBroken => ({
        ok: false,
        count,
        table,
        eventId: row.id,
        reason,
        expected,
        actual: row.hash,
      });
      const schema = modules.get(Number(row.schema));
      if (schema === undefined) return settled(next, broken("unknown-schema", null));
      const action = actions.get(Number(row.action));
      if (action === undefined) return settled(next, broken("unknown-action", null));
      let payload: string;
      try {
        payload = spectorJson(row.payload);
      } catch (error) {
        if (error instanceof SpectorEncodingError) return settled(next, broken("unencodable", null));
        throw error;
      }
      const expected = spectorHashHex(previous, schema, action, payload);
      if (row.hash === null) return settled(next, broken("missing", expected));
      if (row.hash !== expected) return settled(next, broken("mismatch", expected));
      previous = row.hash;
      count++;
    }
    options.onProgress?.(count);
  }
  return { ok: true, count };
}

/** `result`, once the page read ahead (if any) has finished, so that no query outlives the walk. */
async function settled(pending: Promise<unknown> | undefined, result: ChainBroken): Promise<ChainBroken> {
  await pending?.catch(() => undefined);
  return result;
}
