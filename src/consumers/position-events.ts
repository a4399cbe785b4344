/**
 * Giving committed events their positions: one call of the table's `position_events_T`.
 *
 * @module
 */
import { names } from "../naming/index.js";
import { quoteQualified } from "../sql/quote.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { SpectorDatabase } from "../queries/types.js";
import { preparedRowQuery } from "../queries/prepared-rows.js";

/**
 * Numbers up to `max` committed events of `meta` that have no position yet, in one statement, and
 * returns the table's last position (`-1` when it could not look: another session is numbering, or
 * the transaction is above READ COMMITTED). In `db`'s transaction when `db` is one: the positioner's
 * lock is then held until it commits.
 */
export async function positionEvents(db: SpectorDatabase, meta: EventTableMeta, max: number): Promise<number> {
  const fn = quoteQualified(meta.pgSchema, names.positions.positionFunction(meta.name));
  const [row] = await preparedRowQuery(db, "position_events")(
    `SELECT ${fn}($1::pg_catalog.int4)::pg_catalog.text AS n`,
    [max],
  );
  return Number(row?.n ?? 0);
}
