/**
 * The demo's consumer (`npm run demo`): `statement-lines` follows the ledger by its positions and
 * writes one line per entry in the transaction that moves its checkpoint, so that each entry is
 * handled exactly once, in the order the entries committed; an entry rolled back never reaches it.
 */
import { sql, type ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { appendEvents, consumer, consumerStatus, readAll, type EventRow } from "../src/index.js";
import type * as schema from "./schema.js";
import { checkpoints, ledger, statement_lines } from "./schema.js";

type Db = PgDatabase<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

/** A ledger entry's effect on its account's balance: deposits add, withdrawals subtract. */
export function signed(entry: EventRow<typeof ledger>): number {
  const amount = entry.payload?.amount ?? 0;
  return entry.action === "withdraw" ? -amount : entry.action === "deposit" ? amount : 0;
}

/** Runs the `statement-lines` consumer over the ledger, then shows what it did and where it stands. */
export async function followLedger(db: Db, accountId: string): Promise<void> {
  const lines = consumer(db, ledger, {
    name: "statement-lines",
    checkpoints,
    batchSize: 4,
    handle: async (entries, tx) => {
      const rows = entries.map((entry) => ({ id: entry.id, account: entry.parentId, amount: signed(entry) }));
      await tx.insert(statement_lines).values(rows);
    },
  });
  let [batches, handled] = [0, 0];
  for (let n = await lines.runOnce(); n > 0; n = await lines.runOnce()) [batches, handled] = [batches + 1, handled + n];
  // an entry written in a transaction that rolls back is never handed over; the next one is
  await db
    .transaction(async (tx) => {
      await appendEvents(tx, ledger, {
        parentId: accountId,
        events: [{ schema: "account", action: "deposit", payload: { amount: 1000 } }],
      });
      throw new Error("rolled back");
    })
    .catch(() => undefined);
  await appendEvents(db, ledger, {
    parentId: accountId,
    events: [{ schema: "account", action: "deposit", payload: { amount: 7 } }],
  });
  const late = await lines.runOnce();
  const [status] = await consumerStatus(db, checkpoints);
  const [{ n, total } = { n: 0, total: 0 }] = await db
    .select({ n: sql<number>`count(*)::int`, total: sql<number>`sum(${statement_lines.amount})::int` })
    .from(statement_lines);
  const replay = (await readAll(db, ledger, { limit: 100 })).events.length;
  console.log(
    `\nconsumer (statement-lines): ${handled} ledger entries in ${batches} batches, then ${late} more; the rolled-back deposit never came`,
  );
  console.log(
    `  statement_lines: ${n} lines, total ${total}; readAll from the start: ${replay} entries; ${status!.lagEvents} behind, held by ${status!.heldBy.length} backends`,
  );
}
