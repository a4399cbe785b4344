/**
 * `resetConsumer`: moves a consumer's checkpoint.
 *
 * @module
 */
import { OPTIONS, at, checkObject } from "../checks.js";
import { rowQuery } from "../queries/rows.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { checkConsumerName, refuseHttpDriver, resolveCheckpoints } from "./checkpoints.js";
import type { ConsumerDatabase } from "./consumer.js";
import { lockCheckpoint, logKey } from "./lock-checkpoint.js";
import { encodeCursor, parseCursor } from "./cursor.js";
import { resolveLog } from "./log.js";

/** The options of {@link resetConsumer}. */
export interface ResetConsumerOptions {
  /** The consumer's name. */
  readonly name: string;
  /** The table of checkpoints (`consumerTable`). */
  readonly checkpoints: object;
  /** The cursor to move it to (a `readAll` `next`). Left out: the start of the log (a replay of everything). */
  readonly to?: string | undefined;
}

/**
 * Moves consumer `name`'s checkpoint to cursor `to` (the start of the log when left out), waiting for
 * a batch of it that is running; its next batch reads from there. Events before `to` are not handed
 * to it again; events after it are, again if it had handled them (make the handler's writes
 * idempotent, or rebuild into a new table: docs/consumers.md "Rebuilding").
 *
 * @example
 * ```ts
 * await resetConsumer(db, events, { name: "post-titles", checkpoints }); // replay from the start
 * ```
 * @throws {SpectorOptionError} when `to` is no cursor of this log, the name follows another log, or
 * the driver has no transactions.
 */
export async function resetConsumer<T extends AnyEventTable>(
  db: ConsumerDatabase,
  table: T | ShardSet<T>,
  options: ResetConsumerOptions,
): Promise<void> {
  const log = resolveLog("table", table);
  const given = checkObject(OPTIONS, options, ["name", "checkpoints", "to"]);
  const name = checkConsumerName(at(OPTIONS, "name"), given.name);
  const checkpoints = resolveCheckpoints(at(OPTIONS, "checkpoints"), given.checkpoints);
  const to = encodeCursor(parseCursor(at(OPTIONS, "to"), given.to, log.tables.length));
  refuseHttpDriver(db, "resetConsumer");
  await db.transaction(
    async (tx) => {
      await lockCheckpoint(tx, checkpoints, name, logKey(log), log.tables.length);
      await rowQuery(tx)(
        `UPDATE ${checkpoints.table} SET ${checkpoints.cursor} = $2, ${checkpoints.updatedAt} = pg_catalog.now() WHERE ${checkpoints.name} = $1`,
        [name, to],
      );
    },
    { isolationLevel: "read committed" },
  );
}
