/**
 * Events as Drizzle's `select()` returns them, decoded from a raw statement's rows in one loop: each
 * column's driver value through its `mapFromDriverValue`, without a select's per-field dispatch.
 *
 * @module
 */
import { entityKind, getTableColumns } from "drizzle-orm";
import { givesRowObjects } from "../queries/driver.js";
import type { Events } from "../queries/target.js";

/** The columns of one events table: their keys, database names and decoders, in the same order. */
interface EventDecoder {
  readonly keys: readonly string[];
  readonly names: readonly string[];
  readonly columns: readonly { mapFromDriverValue(value: unknown): unknown }[];
}

/** Each table's decoder, made once. */
const DECODERS = new WeakMap<Events, EventDecoder>();

/** The decoder of events table `t`: every column, by key and by database name. */
function decoderOf(t: Events): EventDecoder {
  let decoder = DECODERS.get(t);
  if (!decoder) {
    const entries = Object.entries(getTableColumns(t));
    decoder = {
      keys: entries.map(([key]) => key),
      names: entries.map(([, column]) => column.name),
      columns: entries.map(([, column]) => column),
    };
    DECODERS.set(t, decoder);
  }
  return decoder;
}

/**
 * The events of `t` in `raw` (rows of a statement that selects every column of `t` under its own
 * name, as any driver returns them), as `select()` returns them: each value through its column's
 * `mapFromDriverValue`, `NULL` as `null`.
 */
export function decodeEvents(t: Events, raw: readonly Record<string, unknown>[]): Events["$inferSelect"][] {
  const { keys, names, columns } = decoderOf(t);
  const width = keys.length;
  const rows: Events["$inferSelect"][] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const from = raw[i]!;
    const row: Record<string, unknown> = {};
    for (let c = 0; c < width; c++) {
      const value = from[names[c]!];
      row[keys[c]!] = value === null || value === undefined ? null : columns[c]!.mapFromDriverValue(value);
    }
    rows[i] = row as Events["$inferSelect"];
  }
  return rows;
}

/** The prepared read: run for mapped rows (`execute`) or, on the drivers of `givesRowObjects`, raw ones. */
export interface ReadQuery {
  execute(values: Record<string, unknown>): Promise<unknown>;
  all(values: Record<string, unknown>): Promise<Record<string, unknown>[]>;
}

/** Whether `query`'s `all()` gives raw rows by column name, each value parsed as `execute()` gets it (`givesRowObjects`). */
export function isRaw(query: ReadQuery): boolean {
  return givesRowObjects((query.constructor as unknown as Record<symbol, unknown>)[entityKind], "PreparedQuery");
}

/** The events of `t` in `rows` (mapped by `select()`, the version's fields among them), without those fields. */
export function eventsOf(t: Events, rows: readonly Record<string, unknown>[]): Events["$inferSelect"][] {
  const keys = Object.keys(getTableColumns(t));
  return rows.map((row) => Object.fromEntries(keys.map((key) => [key, row[key]])) as Events["$inferSelect"]);
}
