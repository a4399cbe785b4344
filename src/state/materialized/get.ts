/**
 * `m.get(db, id, { at? })`: a materialized table's row of one record, or the row replayed from the
 * log up to one of its events (time travel).
 *
 * @module
 */
import { and, asc, eq, lte, sql } from "drizzle-orm";
import { at as pathAt, checkObject, checkUuid } from "../../checks.js";
import { SpectorOptionError } from "../../errors.js";
import type { SpectorDatabase } from "../../queries/types.js";
import { fold } from "../fold.js";
import { checkRow, foldScope, readRows, type MaterializedSpec, type StateRow } from "./spec.js";

/** The options of a materialized table's `get`. */
export interface GetOptions {
  /** An event of the record: the row as of that event, replayed from the log through `evolve`. */
  readonly at?: string;
}

/**
 * Record `id`'s row: as the table holds it, or, with `at`, replayed from the record's events up to
 * and including event `at` (which must be one of the record's).
 *
 * @example
 * ```ts
 * const now = await ordersView.get(db, orderId);
 * const then = await ordersView.get(db, orderId, { at: paidEvent.id });
 * ```
 * @throws {SpectorOptionError} when `id` or `at` is not a UUID, or `at` is no event of the record.
 */
export async function getMaterialized(
  db: SpectorDatabase,
  spec: MaterializedSpec,
  id: string,
  options?: GetOptions,
): Promise<StateRow | undefined> {
  const record = checkUuid("id", id);
  const given = checkObject("options", options, ["at"]);
  if (given.at === undefined) return (await readRows(db, spec, [record])).get(record);
  const until = checkUuid(pathAt("options", "at"), given.at);
  const t = spec.target.record(record).table;
  const events = await db
    .select()
    .from(t)
    .where(
      and(
        eq(t.parentId, sql`${record}::pg_catalog.text::pg_catalog.uuid`),
        lte(t.id, sql`${until}::pg_catalog.text::pg_catalog.uuid`),
      ),
    )
    .orderBy(asc(t.id));
  if (events[events.length - 1]?.id !== until) {
    throw new SpectorOptionError(pathAt("options", "at"), given.at, `the id of an event of record ${record}`);
  }
  const scope = foldScope(spec, spec.target.record(record).meta);
  return checkRow(
    spec,
    record,
    fold<(typeof events)[number], StateRow | undefined>(undefined, spec.evolve, events, 0, scope),
  );
}
