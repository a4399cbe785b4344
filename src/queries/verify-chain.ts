/**
 * `verifyChain`: the hash chains of an events table (or of each table of a shard set), record chains
 * (`hashed: "record"`) or Spector's chain (`hashed: true`), verified through Drizzle.
 *
 * @module
 */
import { asc, is, sql } from "drizzle-orm";
import {
  PgTransaction,
  type AnyPgColumn,
  type PgColumn,
  type PgDatabase,
  type PgQueryResultHKT,
} from "drizzle-orm/pg-core";
import { OPTIONS, at, checkObject, checkUuid } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { COLUMNS, displayName } from "../naming/index.js";
import {
  verifyPages,
  type ChainPageReader,
  type ChainVerification,
  type RedactedEvent,
  type VerifyOptions,
} from "../spector/verify.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { ShardSet } from "../tables/shards.js";
import { checkChained } from "./inputs.js";
import { rowQuery } from "./rows.js";
import { recordNotFound, resolveEventTables, resolveEvents, type Events, type EventsTable } from "./target.js";
import { httpDriver } from "./driver.js";
import { verifyRecords } from "./verify-records.js";
import type { SpectorDatabase } from "./types.js";

/**
 * Verifies the hash chains of a hashed events table: its record chains (`hashed: "record"`, each
 * record's chain and head, checked in the database), or Spector's chain (`hashed: true`): walks its events in Spector's order
 * (`inserted_at`, then `id` for ties) in keyset pages of `pageSize` events (memory holds two: the next is read while one is hashed),
 * recomputes each event's hash from its row and the previous event's stored hash, and returns
 * `{ ok: true, count }`, or the first event that breaks the chain with the reason
 * (`mismatch`, `missing`, `unknown-schema`, `unknown-action`, `unencodable`; see docs/spector-interop.md) and both
 * hashes in hex. A shard set verifies each shard's chain in turn (counts add up; the first broken
 * event ends the walk). Outside a transaction it reads in one `REPEATABLE READ` read-only transaction,
 * so that the chain is seen as of one moment; on a driver without transactions (neon-http, `pg-proxy`)
 * it reads each table's chain in one `SELECT` instead (one snapshot too, the whole chain in memory):
 * appends that run meanwhile cause no false alarm and hide no edit. Record chains are verified by one
 * statement per table (one snapshot) in either case: on such a driver it runs on its own, without the
 * planner settings a transaction gives it; only a failure's description is read by later statements.
 *
 * @example
 * ```ts
 * const result = await verifyChain(db, events);
 * if (!result.ok) console.error(`${result.eventId}: ${result.reason}`); // "0193...: mismatch"
 * ```
 * The table must be hashed: `hashed: true` (Spector's chain, with `schemaModules`) or `hashed: "record"`
 * (record chains, verified in the database; see `VerifyOptions` for `parentId` and `head`). An
 * unhashed table does not compile (from JavaScript it is refused).
 * @throws {SpectorOptionError} when the table is not hashed, a `hashed: true` table declares no
 * `schemaModules`, or `pageSize` is not a positive integer, before any SQL runs.
 */
export async function verifyChain<T extends AnyEventTable & { readonly hash: AnyPgColumn }>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const tables = resolveEventTables("table", table);
  const checked = checkVerifyOptions(options, tables[0]!.meta);
  if (tables[0]!.meta.recordChain) return verifyRecordChains(db, table, tables, checked);
  for (const { meta } of tables) {
    if (!meta.hashed) {
      throw new SpectorOptionError(
        "table",
        `events table ${displayName(meta)}`,
        'a table made with `hashed: true` or `hashed: "record"` (this one has no hash chain)',
      );
    }
    checkChained("table", meta);
  }
  // without transactions (neon-http, pg-proxy) each table's chain is read in one SELECT: one snapshot
  const whole = httpDriver(db) !== undefined;
  const walk = async (tx: SpectorDatabase): Promise<ChainVerification> => {
    let count = 0;
    for (const events of tables) {
      const read = whole ? wholeChain(pageReader(tx, events)) : pageReader(tx, events);
      const result = await verifyPages(events.meta, displayName(events.meta), read, {
        ...options,
        onProgress: options.onProgress && ((n) => options.onProgress!(count + n)),
      });
      if (!result.ok) return { ...result, count: count + result.count };
      count += result.count;
    }
    return { ok: true, count };
  };
  return whole ? walk(db) : inSnapshot(db, walk);
}

/**
 * A page reader that reads the whole chain at the first call, in one statement (one snapshot: every
 * append it sees is whole, each chained to the one before, so appends that run meanwhile neither break
 * the chain it reads nor hide an edit), and nothing after.
 */
function wholeChain(read: ChainPageReader): ChainPageReader {
  let done = false;
  return (after, limit) => {
    if (done) return Promise.resolve([]);
    done = true;
    return read(after, Math.max(limit, WHOLE_CHAIN));
  };
}

/** The `LIMIT` of a whole chain's one read: PostgreSQL's largest `bigint`. */
const WHOLE_CHAIN = Number.MAX_SAFE_INTEGER;

/** Runs `read` in the caller's transaction, or in a `REPEATABLE READ` read-only one: one moment's data. */
function inSnapshot<R>(db: SpectorDatabase, read: (tx: SpectorDatabase) => Promise<R>): Promise<R> {
  if (is(db, PgTransaction)) return read(db);
  // a database with transactions: only an HTTP driver's (neon-http's `$withAuth()` view included) has none
  const withTransactions = db as PgDatabase<PgQueryResultHKT, Record<string, never>>;
  return withTransactions.transaction(read, { isolationLevel: "repeatable read", accessMode: "read only" });
}

/** {@link VerifyOptions}, checked against the table's kind of chain. */
function checkVerifyOptions(options: unknown, meta: EventTableMeta): VerifyOptions {
  const checked = checkObject(OPTIONS, options ?? {}, ["pageSize", "onProgress", "parentId", "head"]) as VerifyOptions;
  const { pageSize, parentId, head } = checked;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1_000_000)) {
    throw new SpectorOptionError("pageSize", pageSize, "an integer from 1 to 1,000,000, or left out (5,000)");
  }
  if (checked.onProgress !== undefined && typeof checked.onProgress !== "function") {
    throw new SpectorOptionError(at(OPTIONS, "onProgress"), checked.onProgress, "a function, or left out");
  }
  if ((parentId !== undefined || head !== undefined) && !meta.recordChain) {
    throw new SpectorOptionError(
      at(OPTIONS, parentId !== undefined ? "parentId" : "head"),
      parentId ?? head,
      `left out: events table ${displayName(meta)} has Spector's chain, one per table (\`parentId\` and \`head\` are for record chains, \`hashed: "record"\`)`,
    );
  }
  if (parentId !== undefined) checkUuid(at(OPTIONS, "parentId"), parentId);
  if (head !== undefined) {
    if (parentId === undefined) {
      throw new SpectorOptionError(at(OPTIONS, "head"), head, "given with `parentId`, the record it is the head of");
    }
    const { lastId, lastHash, eventCount } = checkObject(at(OPTIONS, "head"), head, [
      "parentId",
      "lastId",
      "lastHash",
      "eventCount",
    ]);
    checkUuid(at(at(OPTIONS, "head"), "lastId"), lastId);
    if (typeof lastHash !== "string" || !/^[0-9a-f]{64}$/.test(lastHash)) {
      throw new SpectorOptionError(
        at(at(OPTIONS, "head"), "lastHash"),
        lastHash,
        "64 lowercase hex digits, as `chainHead` gives them",
      );
    }
    if (!Number.isSafeInteger(eventCount) || (eventCount as number) < 1) {
      throw new SpectorOptionError(
        at(at(OPTIONS, "head"), "eventCount"),
        eventCount,
        "a positive integer, as `chainHead` gives it",
      );
    }
    if (head.parentId !== undefined && head.parentId !== parentId) {
      throw new SpectorOptionError(
        at(at(OPTIONS, "head"), "parentId"),
        head.parentId,
        `the head of record ${parentId}, the \`parentId\` given`,
      );
    }
  }
  return checked;
}

/**
 * Verifies record chains in the database: the whole table (each shard of a set in turn), or one
 * record (`parentId`, in its shard), then, given an anchored `head`, that it still holds.
 */
async function verifyRecordChains(
  db: SpectorDatabase,
  table: unknown,
  tables: readonly EventsTable[],
  options: VerifyOptions,
): Promise<ChainVerification> {
  const { parentId, head } = options;
  const picked = parentId === undefined ? tables : [resolveEvents("table", table).record(parentId.toLowerCase())];
  // without transactions (neon-http, pg-proxy) each table's verdict is its one statement: one snapshot
  const whole = httpDriver(db) !== undefined;
  const verify = async (tx: SpectorDatabase): Promise<ChainVerification> => {
    const query = rowQuery(tx);
    let count = 0;
    const redacted: RedactedEvent[] = [];
    for (const events of picked) {
      const result = await verifyRecords(query, events.meta, parentId?.toLowerCase(), head, !whole);
      if (result === undefined) return recordNotFound(tx, events, parentId!.toLowerCase());
      if (!result.ok) return { ...result, count: count + result.count };
      count += result.count;
      redacted.push(...(result.redacted ?? []));
      options.onProgress?.(count);
    }
    return redacted.length === 0 ? { ok: true, count } : { ok: true, count, redacted };
  };
  return whole ? verify(db) : inSnapshot(db, verify);
}

/** Reads one table's pages through Drizzle, in the order of `chainPageSql`. */
function pageReader(db: SpectorDatabase, events: EventsTable): ChainPageReader {
  const t: Events = events.table;
  const hash = (t as unknown as Record<string, PgColumn>)[COLUMNS.hash]!; // a hashed table has it (`Events` is typed without)
  // pg_catalog's functions, operators and types, whatever the search_path (as in `chainPageSql`)
  const text = sql.raw("pg_catalog.text");
  const fields = {
    id: sql<string>`${t.id}::${text}`,
    schema: sql<number>`${t.schema}`.mapWith(Number),
    action: sql<number>`${t.action}`.mapWith(Number),
    payload: sql<string | null>`${t.payload}::${text}`,
    hash: sql<string | null>`pg_catalog.encode(${hash}, 'hex')`,
    insertedAt: sql<string>`${t.insertedAt}::${text}`,
  };
  return (after, limit) => {
    const at = after && sql`${after.insertedAt}::${text}::pg_catalog.timestamp`;
    return db
      .select(fields)
      .from(t)
      .where(
        after &&
          sql`${t.insertedAt} OPERATOR(pg_catalog.>=) ${at} and (${t.insertedAt}, ${t.id}) OPERATOR(pg_catalog.>) (${at}, ${after.id}::${text}::pg_catalog.uuid)`,
      )
      .orderBy(asc(t.insertedAt), asc(t.id))
      .limit(limit);
  };
}
