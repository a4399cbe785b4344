/**
 * `readVersion`: a record's version (`RecordVersion`: its last id and its count of events).
 *
 * @module
 */
import { checkUuid } from "../checks.js";
import type { RecordVersion } from "../errors.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { versionOf } from "../queries/record-version.js";
import { refuseLaterEvent, resolveEvents } from "../queries/target.js";
import type { SpectorDatabase } from "../queries/types.js";

/**
 * The version of record `parentId`: the id of its last event (by `id`, as `listByParent` orders them)
 * and how many events it has; `undefined` when the record has no events. Pass it as `expected` to
 * `appendEvents` to append only if no other writer has since.
 *
 * @example
 * ```ts
 * const version = await readVersion(db, events, order.id); // { lastId: "0193...", count: 3 }
 * await appendEvents(db, events, { parentId: order.id, expected: version, events: [shipped] });
 * ```
 * @throws {SpectorOptionError} when `parentId` is not a UUID or `table` is not an events table.
 * @throws {SpectorRecordNotFoundError} when `parentId` is an event that is not its record's first.
 */
export async function readVersion<T extends AnyEventTable>(
  db: SpectorDatabase,
  table: T | ShardSet<T>,
  parentId: string,
): Promise<RecordVersion | undefined> {
  const target = resolveEvents("table", table);
  const record = checkUuid("parentId", parentId);
  const events = target.record(record);
  const version = await versionOf(db, events, record);
  // nothing found: say so when `parentId` is an event, but not its record's first (one more statement)
  if (version === undefined) await refuseLaterEvent(db, events, record);
  return version;
}
