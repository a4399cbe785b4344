/**
 * `chainHead`: a record chain's head, to anchor outside the database.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { checkUuid } from "../checks.js";
import type { AnyEventTable } from "../tables/event-table.js";
import { recordChainHeads } from "../tables/heads-table.js";
import type { ShardSet } from "../tables/shards.js";
import { recordNotFound, resolveEvents } from "./target.js";
import type { SpectorDatabase } from "./types.js";

/** A record chain's head: the record's last event, its hash and how many events the record holds. */
export interface ChainHead {
  /** The record (its first event's id). */
  readonly parentId: string;
  /** The id of its last event. */
  readonly lastId: string;
  /** The hash of its last event, as 64 lowercase hex digits. */
  readonly lastHash: string;
  /** How many events the record holds. */
  readonly eventCount: number;
}

/**
 * Reads the head of record `parentId` of a record-chained events table (`hashed: "record"`), or of the
 * shard of a shard set it lives in: its last event's id and hash, and its event count. Store it
 * outside the database (a log, another system, a signed receipt): a writer with every right on the
 * database can rewrite a whole record and its head, but not what was anchored elsewhere, which
 * `verifyChain(db, events, { parentId, head })` compares.
 *
 * @example
 * ```ts
 * const head = await chainHead(db, events, order.id);
 * // { parentId: "0193...", lastId: "0193...", lastHash: "9f86d0...", eventCount: 3 }
 * ```
 * @throws {SpectorOptionError} when the table has no record chain or `parentId` is no UUID, before any
 * SQL runs.
 * @throws {SpectorRecordNotFoundError} when `parentId` is no record of the table.
 */
export async function chainHead<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
): Promise<ChainHead> {
  const target = resolveEvents("table", table);
  recordChainHeads("table", target.meta);
  const id = checkUuid("parentId", parentId);
  const events = target.record(id);
  const t = recordChainHeads("table", events.meta);
  // pg_catalog's `=` and types, whatever the caller's search_path (as verifyChain's statements)
  const [head] = await db
    .select({
      lastId: sql<string>`${t.lastId}::pg_catalog.text`,
      lastHash: sql<string>`pg_catalog.encode(${t.lastHash}, 'hex')`,
      eventCount: sql<number>`${t.eventCount}`.mapWith(Number),
    })
    .from(t)
    .where(sql`${t.parentId} OPERATOR(pg_catalog.=) ${id}::pg_catalog.uuid`);
  if (head === undefined) return recordNotFound(db, events, id);
  return { parentId: id, ...head };
}
