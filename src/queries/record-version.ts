/**
 * A record's version as the append helpers read and compare it: the check of an append's `expected`,
 * and the version of a record read in one statement.
 *
 * @module
 */
import { at, checkUuid } from "../checks.js";
import { SpectorOptionError, type RecordVersion } from "../errors.js";
import { COLUMNS } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";
import { rowQuery } from "./rows.js";
import type { EventsTable } from "./target.js";
import type { SpectorDatabase } from "./types.js";

/** What an append compares the record's version with: a version, or `"any"` (no comparison). */
export type ExpectedVersion = RecordVersion | "any";

const VERSION = 'a record version `{ lastId, count }` (a UUID and a count of at least 1), or `"any"`';

/**
 * Checks an `expected` option at `path`: `undefined` and `"any"` give `"any"`; a version comes back
 * with its `lastId` in lowercase.
 */
export function checkExpected(path: string, value: unknown): ExpectedVersion {
  if (value === undefined || value === "any") return "any";
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SpectorOptionError(path, value, VERSION);
  }
  const keys = Object.keys(value).filter((key) => key !== "lastId" && key !== "count");
  if (keys.length > 0)
    throw new SpectorOptionError(at(path, keys[0]!), (value as never)[keys[0]!], "left out: " + VERSION);
  const { lastId, count } = value as { lastId?: unknown; count?: unknown };
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1) {
    throw new SpectorOptionError(
      at(path, "count"),
      count,
      "the number of events of the record (an integer, at least 1)",
    );
  }
  return { lastId: checkUuid(at(path, "lastId"), lastId), count };
}

/**
 * Reads record `parentId`'s version in `events`: its event count and last id, in one statement (by the
 * table's `parent_id` index), or `undefined` when the record has no events.
 */
export async function versionOf(
  db: SpectorDatabase,
  events: EventsTable,
  parentId: string,
): Promise<RecordVersion | undefined> {
  const table = quoteQualified(events.meta.pgSchema, events.meta.name);
  const [id, parent] = [quoteIdent(COLUMNS.id), quoteIdent(COLUMNS.parentId)];
  const record = `e.${parent} OPERATOR(pg_catalog.=) $1::pg_catalog.text::pg_catalog.uuid`;
  const [row] = await rowQuery(db)(
    `SELECT pg_catalog.count(*)::pg_catalog.text AS n, ` +
      `(SELECT e.${id}::pg_catalog.text FROM ${table} AS e WHERE ${record} ORDER BY e.${id} DESC LIMIT 1) AS last ` +
      `FROM ${table} AS e WHERE ${record}`,
    [parentId],
  );
  const count = Number(row?.n ?? 0);
  return count === 0 || row?.last == null ? undefined : { lastId: String(row.last), count };
}
