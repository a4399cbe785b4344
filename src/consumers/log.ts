/**
 * A log that `readAll` and consumers follow: an events table with positions, or a shard set of them,
 * resolved once where a helper is entered; and the `schemas` option they take.
 *
 * @module
 */
import { SpectorOptionError } from "../errors.js";
import { displayName } from "../naming/index.js";
import { resolveEventTables, type EventsTable } from "../queries/target.js";
import type { EventTableMeta } from "../tables/meta.js";
import type { PositionsTable } from "../tables/positions-table.js";
import { positionsOf } from "../tables/positions-table.js";

/** One table of a log: the events table and its positions table. */
export interface LogTable extends EventsTable {
  readonly positions: PositionsTable;
}

/** An events table with positions, or the shards of a set, in the set's order. */
export interface Log {
  readonly tables: readonly LogTable[];
  /** What every table shares (the first's metadata). */
  readonly meta: EventTableMeta;
}

/**
 * The log given at `path`: each table's positions table, or a {@link SpectorOptionError} naming the
 * table that has none.
 */
export function resolveLog(path: string, target: unknown): Log {
  const tables = resolveEventTables(path, target).map((events) => ({
    ...events,
    positions: positionsOf(path, events.meta) as PositionsTable,
  }));
  return { tables, meta: tables[0]!.meta };
}

/**
 * The `schema` integers of option `schemas` for log `meta`: names of its `schemas` map, or integers
 * when it declares none; `undefined` (every schema) when left out.
 *
 * @throws {SpectorOptionError} when `schemas` is not a non-empty array of those.
 */
export function checkSchemas(path: string, value: unknown, meta: EventTableMeta): number[] | undefined {
  if (value === undefined) return undefined;
  const map = meta.schemas;
  const expected =
    map === undefined
      ? `a non-empty array of \`schema\` integers (events table ${displayName(meta)} declares no \`schemas\`)`
      : `a non-empty array of names of \`schemas\` of events table ${displayName(meta)}: ${[...map.byName.keys()].map((n) => JSON.stringify(n)).join(", ")}`;
  if (!Array.isArray(value) || value.length === 0) throw new SpectorOptionError(path, value, expected);
  return value.map((item: unknown, i) => {
    const code =
      map === undefined
        ? typeof item === "number" && Number.isInteger(item) && Math.abs(item) < 2 ** 31
          ? item
          : undefined
        : typeof item === "string"
          ? map.byName.get(item)
          : undefined;
    if (code === undefined) throw new SpectorOptionError(`${path}[${i}]`, item, expected);
    return code;
  });
}
