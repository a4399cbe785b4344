/**
 * Giving committed events their positions: one call of the table's `position_events_T`.
 *
 * @module
 */
import { names } from "../naming/index.js";
import { quoteQualified } from "../sql/quote.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { SpectorDatabase } from "../queries/types.js";
import { rowQuery } from "../queries/rows.js";

/**
 * Numbers up to `max` committed events of `meta` that have no position yet, in one statement, and
 * returns how many (`-1`: another session is numbering; `0` above READ COMMITTED). In `db`'s
 * transaction when `db` is one: the positioner's lock is then held until it commits.
 */
export async function positionEvents(db: SpectorDatabase, meta: EventTableMeta, max: number): Promise<number> {
  const fn = quoteQualified(meta.pgSchema, names.positions.positionFunction(meta.name));
  const [row] = await rowQuery(db)(`SELECT ${fn}($1::pg_catalog.int4)::pg_catalog.text AS n`, [max]);
  return Number(row?.n ?? 0);
}
