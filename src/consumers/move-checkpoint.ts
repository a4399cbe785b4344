/**
 * Moving a consumer's checkpoint at the end of its batch: the transaction's last statement before
 * `COMMIT`.
 *
 * @module
 */
import { sessionClient, sessionKind } from "../queries/driver.js";
import { preparedRowQuery } from "../queries/prepared-rows.js";
import type { SpectorDatabase } from "../queries/types.js";
import type { Checkpoints } from "./checkpoints.js";
import { encodeCursor } from "./cursor.js";
import { settle } from "./settle.js";

/** What a postgres.js transaction's client offers: a query that runs when told to. */
interface PostgresJsClient {
  unsafe(text: string, params: unknown[], options: { prepare: boolean }): { execute(): Promise<unknown> };
}

/**
 * Sets consumer `name`'s checkpoint to `positions` in transaction `tx`, and returns what to call once
 * the transaction has ended: it rejects with the `UPDATE`'s error, if it failed.
 *
 * On postgres.js the `UPDATE` is sent without waiting for its answer: it is queued on the transaction's
 * connection before this returns (postgres.js hands a query to its connection one microtask after
 * `execute()`, and this waits for that microtask), so the `COMMIT` that the caller's transaction sends
 * next follows it on the wire, one round trip for both. Should the `UPDATE` fail, the transaction is
 * aborted and PostgreSQL ends its `COMMIT` as a `ROLLBACK`: nothing of the batch is kept, and the
 * returned function rejects. Other drivers wait for the `UPDATE` here (node-postgres and PGlite send a
 * statement only after the one before has answered).
 *
 * @example
 * ```ts
 * const confirm = await db.transaction(async (tx) => moveCheckpoint(tx, cp, "projector", [42]));
 * await confirm(); // throws if the UPDATE failed (then nothing was committed)
 * ```
 */
export async function moveCheckpoint(
  tx: SpectorDatabase,
  cp: Checkpoints,
  name: string,
  positions: readonly number[],
): Promise<() => Promise<void>> {
  const text = `UPDATE ${cp.table} SET ${cp.cursor} = $2, ${cp.updatedAt} = pg_catalog.now() WHERE ${cp.name} = $1`;
  const params = [name, encodeCursor(positions)];
  if (sessionKind(tx) !== "PostgresJsSession") {
    await preparedRowQuery(tx, "move_checkpoint")(text, params);
    return async () => {};
  }
  const client = sessionClient(tx) as PostgresJsClient;
  // `prepare: true` names it per connection, unless the client was made with `prepare: false`
  const outcome = settle(client.unsafe(text, params, { prepare: true }).execute());
  await Promise.resolve();
  return async () => {
    const sent = await outcome;
    if (!sent.ok) throw sent.error;
  };
}
