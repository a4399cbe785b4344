/**
 * `verifyChain`: Spector's hash chain of an events table (or of each table of a shard set), verified
 * through Drizzle.
 *
 * @module
 */
import { asc, is, sql } from "drizzle-orm";
import { PgTransaction, type AnyPgColumn, type PgColumn } from "drizzle-orm/pg-core";
import { SpectorOptionError } from "../errors.js";
import { COLUMNS, displayName } from "../naming.js";
import { verifyPages, type ChainPageReader, type ChainVerification, type VerifyOptions } from "../spector/verify.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { checkChained } from "./inputs.js";
import { resolveEventTables, type Events, type EventsTable } from "./target.js";
import type { SpectorDatabase } from "./types.js";

/**
 * Verifies Spector's hash chain of a hashed events table: walks its events in Spector's order
 * (`inserted_at`, then `id` for ties) in keyset pages of `pageSize` events (memory holds two: the next is read while one is hashed),
 * recomputes each event's hash from its row and the previous event's stored hash, and returns
 * `{ ok: true, count }`, or the first event that breaks the chain with the reason
 * (`mismatch`, `missing`, `unknown-schema`, `unknown-action`, `unencodable`; see the README) and both
 * hashes in hex. A shard set verifies each shard's chain in turn (counts add up; the first broken
 * event ends the walk). Outside a transaction it reads in one `REPEATABLE READ` read-only transaction,
 * so that the chain is seen as of one moment.
 *
 * @example
 * ```ts
 * const result = await verifyChain(db, events);
 * if (!result.ok) console.error(`${result.eventId}: ${result.reason}`); // "0193...: mismatch"
 * ```
 * A table without `hashed: true` does not compile (from JavaScript it is refused).
 * @throws {SpectorOptionError} when the table is not hashed, declares no `schemaModules`, or
 * `pageSize` is not a positive integer, before any SQL runs.
 */
export async function verifyChain<T extends AnyEventTable & { readonly hash: AnyPgColumn }>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const tables = resolveEventTables("table", table);
  for (const { meta } of tables) {
    if (!meta.hashed) {
      throw new SpectorOptionError(
        "table",
        `events table ${displayName(meta)}`,
        "a table made with `hashed: true` (this one has no hash chain)",
      );
    }
    checkChained("table", meta);
  }
  const pageSize = options.pageSize;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1_000_000)) {
    throw new SpectorOptionError("pageSize", pageSize, "an integer from 1 to 1,000,000, or left out (5,000)");
  }
  const walk = async (tx: SpectorDatabase): Promise<ChainVerification> => {
    let count = 0;
    for (const events of tables) {
      const result = await verifyPages(events.meta, displayName(events.meta), pageReader(tx, events), {
        ...options,
        onProgress: options.onProgress && ((n) => options.onProgress!(count + n)),
      });
      if (!result.ok) return { ...result, count: count + result.count };
      count += result.count;
    }
    return { ok: true, count };
  };
  if (is(db, PgTransaction)) return walk(db);
  return db.transaction(walk, { isolationLevel: "repeatable read", accessMode: "read only" });
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
