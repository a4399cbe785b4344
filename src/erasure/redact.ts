/**
 * `redact`: erases an event's payload from a record chain (`hashed: "record"`) and keeps the proof: the
 * payload's digest, which the chain covers in its place (format 2), goes to `T_redactions` with when and
 * why, and the payload becomes SQL `NULL`, in one transaction.
 *
 * @module
 */
import { is, sql, type SQL } from "drizzle-orm";
import { PgTransaction, type PgDatabase, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import { checkUuid } from "../checks.js";
import { SpectorOptionError, SpectorRedactionError } from "../errors.js";
import { COLUMNS, REDACTION_COLUMNS, displayName, names } from "../naming/index.js";
import { rowQuery } from "../queries/rows.js";
import { findEvent, resolveEvents, resolveEventTables, type EventsTable } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "../sql/quote.js";
import { payloadDigest } from "../sql/record-hash.js";
import type { AnyEventTable } from "../tables/event-table.js";
import { recordChainHeads } from "../tables/heads-table.js";
import type { EventTableMeta } from "../tables/meta.js";
import { isShardSet, type ShardSet } from "../tables/shards.js";
import type { RedactedEvent } from "../spector/verify.js";
import { redactionsTableOf } from "./redactions-table.js";

/** The options of {@link redact}. */
export interface RedactOptions {
  /** Why the payload is erased (an erasure request's reference, say): stored with the digest, and reported by `verifyChain`. */
  readonly reason: string;
}

/** How the guard's trigger was enabled (`pg_trigger.tgenabled`), and how to put it back. */
const ENABLE = { O: "ENABLE", A: "ENABLE ALWAYS", R: "ENABLE REPLICA" } as const;

/**
 * Erases the payload of event `eventId` of a record-chained events table (`hashed: "record"`) whose
 * redactions table exists ({@link chainRedactionTable}), keeping its chain verifiable: in one
 * transaction (a savepoint in yours), it stores the SHA-256 of the payload's text in `T_redactions`
 * with the time and `reason`, then sets the payload to SQL `NULL`. The chain covers that digest, not
 * the payload (format 2), so `verifyChain` still passes for the record and reports the event as
 * redacted; the payload is gone from the table (not from backups, WAL or replicas made before). Given
 * a shard set, it finds the shard that holds the event (by its id, as the link helpers do) and redacts
 * there: each shard needs its own redactions table (`chainRedactionTable(shard)`).
 *
 * Only a role that may alter the table can redact: on an `appendOnly` table it lifts the guard for
 * its one `UPDATE` (`ALTER TABLE ... DISABLE TRIGGER`, which only the table's owner may run, and which
 * keeps every other writer waiting until the transaction ends) and puts it back; it also needs
 * `INSERT` on `T_redactions` and `UPDATE` on the events table. A role with `INSERT` and `SELECT` alone
 * is refused by PostgreSQL (`42501`) before anything is written. Needs a driver with transactions.
 *
 * @example
 * ```ts
 * const redacted = await redact(db, events, eventId, { reason: "erasure request 2026-118" });
 * // { eventId, parentId, redactedAt: "2026-12-07 04:12:00.123456", reason: "erasure request 2026-118" }
 * ```
 * @throws {SpectorOptionError} when the table has no record chain, `eventId` is no UUID or `reason`
 * no non-empty string, before any SQL runs.
 * @throws {SpectorRedactionError} when the event is unknown, redacted already, has a `NULL` payload,
 * or the table has no redactions table; nothing is written.
 */
export async function redact<T extends AnyEventTable>(
  db: SpectorDatabase,
  events: T | ShardSet<T>,
  eventId: string,
  options: RedactOptions,
): Promise<RedactedEvent> {
  const tables = resolveEventTables("events", events);
  recordChainHeads("events", tables[0]!.meta);
  const id = checkUuid("eventId", eventId);
  const reason = (options as Partial<RedactOptions> | undefined)?.reason;
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new SpectorOptionError("options.reason", reason, "a non-empty string saying why the payload is erased");
  }
  const withTransactions = db as PgDatabase<PgQueryResultHKT, Record<string, never>>;
  if (!is(db, PgTransaction) && typeof withTransactions.transaction !== "function") {
    throw new SpectorOptionError(
      "db",
      db,
      "a Drizzle database whose driver has transactions (redact writes two tables at once)",
    );
  }
  const meta = isShardSet(events) ? (await shardOf(db, events, id)).meta : tables[0]!.meta;
  if (is(db, PgTransaction)) return redactIn(db, meta, id, reason);
  return withTransactions.transaction((tx) => redactIn(tx, meta, id, reason));
}

/**
 * The shard of set `set` that holds event `id`, looked up by its primary key in the shard the id routes
 * to (a record's first event's id carries its shard), then in the others, in one statement, as the link
 * helpers find an event given by its id. The first shard when none holds it, where {@link redactIn}
 * then finds no such event.
 */
async function shardOf(db: SpectorDatabase, set: ShardSet<unknown>, id: string): Promise<EventsTable> {
  const routed = resolveEvents("events", set).record(id);
  const found = await findEvent(db, routed, id);
  const shards = routed.set ?? [routed];
  return shards.find((shard) => displayName(shard.meta) === found?.table) ?? shards[0]!;
}

/** The statements of {@link redact}, in transaction `tx`; every name schema-qualified, whatever the caller's `search_path`. */
async function redactIn(tx: SpectorDatabase, meta: EventTableMeta, id: string, reason: string): Promise<RedactedEvent> {
  const query = rowQuery(tx);
  const table = displayName(meta);
  const events = quoteQualified(meta.pgSchema, meta.name);
  const redactionsName = redactionsTableOf(meta);
  const redactions = quoteQualified(redactionsName.pgSchema, redactionsName.name);
  const c = {
    id: quoteIdent(COLUMNS.id),
    parentId: quoteIdent(COLUMNS.parentId),
    payload: quoteIdent(COLUMNS.payload),
  };
  const r = {
    eventId: quoteIdent(REDACTION_COLUMNS.eventId),
    digest: quoteIdent(REDACTION_COLUMNS.payloadDigest),
    at: quoteIdent(REDACTION_COLUMNS.redactedAt),
    reason: quoteIdent(REDACTION_COLUMNS.reason),
  };
  const eq = "OPERATOR(pg_catalog.=)";
  const guard = names.appendOnly.trigger(meta.name);
  const [found] = await query(
    `SELECT pg_catalog.to_regclass(${quoteLiteral(redactions)}) IS NOT NULL AS has_table,
            (SELECT t.tgenabled::pg_catalog.text FROM pg_catalog.pg_trigger AS t
              WHERE t.tgrelid ${eq} ${quoteLiteral(events)}::pg_catalog.regclass AND t.tgname ${eq} ${quoteLiteral(guard)}) AS guard`,
    [],
  );
  if (found!.has_table !== true) throw new SpectorRedactionError(table, id, "no-redactions-table");
  // the event's row locked (which takes UPDATE on the table) while its digest is read
  const [event] = await query(
    `SELECT e.${c.parentId}::pg_catalog.text AS parent_id, e.${c.payload} IS NULL AS empty,
            EXISTS (SELECT FROM ${redactions} AS r WHERE r.${r.eventId} ${eq} e.${c.id}) AS redacted
       FROM ${events} AS e WHERE e.${c.id} ${eq} $1::pg_catalog.uuid FOR UPDATE OF e`,
    [id],
  );
  if (event === undefined) throw new SpectorRedactionError(table, id, "unknown-event");
  if (event.redacted === true) throw new SpectorRedactionError(table, id, "redacted");
  if (event.empty === true) throw new SpectorRedactionError(table, id, "no-payload");
  const [stored] = await query(
    `INSERT INTO ${redactions} AS r (${r.eventId}, ${r.digest}, ${r.at}, ${r.reason})
     SELECT e.${c.id}, ${payloadDigest(`e.${c.payload}`)}, pg_catalog.timezone('UTC', pg_catalog.now()), $2
       FROM ${events} AS e WHERE e.${c.id} ${eq} $1::pg_catalog.uuid
     RETURNING r.${r.at}::pg_catalog.text AS redacted_at`,
    [id, reason],
  );
  const enabled = ENABLE[found!.guard as keyof typeof ENABLE] as string | undefined;
  const lift = (how: string) => tx.execute(sql.raw(`ALTER TABLE ${events} ${how} TRIGGER ${quoteIdent(guard)}`) as SQL);
  if (enabled !== undefined) await lift("DISABLE");
  await query(`UPDATE ${events} AS e SET ${c.payload} = NULL WHERE e.${c.id} ${eq} $1::pg_catalog.uuid`, [id]);
  if (enabled !== undefined) await lift(enabled);
  return { eventId: id, parentId: event.parent_id as string, redactedAt: stored!.redacted_at as string, reason };
}
