/**
 * A record's version as the append helpers read and compare it: the check of an append's `expected`,
 * and the version of a record read in one statement.
 *
 * @module
 */
import { at, checkUuid } from "../checks.js";
import { SpectorOptionError, type RecordVersion } from "../errors.js";
import { COLUMNS, HEAD_COLUMNS } from "../naming/index.js";
import { headsTableOf } from "../sql/record-hash.js";
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
 * Reads record `parentId`'s version in `events`: its event count and last id, in one statement, or
 * `undefined` when the record has no events. On a table with record heads (`versioned: true`,
 * `hashed: "record"`) the head row (a primary key lookup), which the heads trigger keeps with every
 * event; counted by the table's `parent_id` index otherwise, or when the record has no head row.
 */
export async function versionOf(
  db: SpectorDatabase,
  events: EventsTable,
  parentId: string,
): Promise<RecordVersion | undefined> {
  const { meta } = events;
  const table = quoteQualified(meta.pgSchema, meta.name);
  const [id, parent] = [quoteIdent(COLUMNS.id), quoteIdent(COLUMNS.parentId)];
  const record = `e.${parent} OPERATOR(pg_catalog.=) $1::pg_catalog.text::pg_catalog.uuid`;
  let count = `(SELECT pg_catalog.count(*) FROM ${table} AS e WHERE ${record})`;
  let last = `(SELECT e.${id} FROM ${table} AS e WHERE ${record} ORDER BY e.${id} DESC LIMIT 1)`;
  if ((meta.versioned || meta.recordChain) && meta.headsTable !== undefined) {
    // coalesce reads the events only when the record has no head row
    const heads = headsTableOf(meta);
    const head = (column: string) =>
      `(SELECT h.${quoteIdent(column)} FROM ${quoteQualified(heads.pgSchema, heads.name)} AS h ` +
      `WHERE h.${quoteIdent(HEAD_COLUMNS.parentId)} OPERATOR(pg_catalog.=) $1::pg_catalog.text::pg_catalog.uuid)`;
    count = `coalesce(${head(HEAD_COLUMNS.eventCount)}, ${count})`;
    last = `coalesce(${head(HEAD_COLUMNS.lastId)}, ${last})`;
  }
  const [row] = await rowQuery(db)(`SELECT ${count}::pg_catalog.text AS n, ${last}::pg_catalog.text AS last`, [
    parentId,
  ]);
  const n = Number(row?.n ?? 0);
  return n === 0 || row?.last == null ? undefined : { lastId: String(row.last), count: n };
}
