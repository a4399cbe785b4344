/**
 * Holding a schema's `shards` lists to what was there before: a list may grow at its end, never lose
 * or reorder a shard, and keeps its `foreignShards`. "Before" is what the migrations recorded
 * (`generate`) or the database's table comments (`push`, `check`); a list with no record is compared
 * with the tables that exist (its shards that exist must be its first ones).
 *
 * @module
 */
import { GenerateError } from "../errors.js";
import { quoteLiteral } from "../sql/quote.js";
import { describeList, listKey, parseShardComment, readShardMarkers, type ShardList } from "../sql/shard-lists.js";
import type { CommentedTable } from "./catalog.js";
import type { CatalogQuery } from "./query.js";

/** What a run must record, and what it was compared with. */
export interface ShardGrowth {
  /** The lists to record: new, grown, or never recorded. */
  readonly record: readonly ShardList[];
}

/** A list refused, and why. */
export interface ShardProblem {
  readonly list: ShardList;
  /** Why, as a sentence part: `it no longer has shard 1 (log_1) of ...`. */
  readonly problem: string;
}

/**
 * Compares the schema's lists (`current`) with the lists recorded before (`recorded`, later records
 * of a list replacing earlier ones) and the tables that exist (`existing`, `schema.table`), and
 * returns the lists to record.
 *
 * @example
 * ```ts
 * checkShardGrowth([{ schema: "public", names: ["a", "b"], foreign: 2 }], new Set(), [
 *   { schema: "public", names: ["a", "b", "c"], foreign: 2 },
 * ], "the migrations"); // { record: [the list of a, b, c] }
 * ```
 * @throws {GenerateError} naming the list, when a shard was removed or moved, a new shard does not come
 * last, or `foreignShards` changed (or was not set when shards were appended).
 */
export function checkShardGrowth(
  recorded: readonly ShardList[],
  existing: ReadonlySet<string>,
  current: readonly ShardList[],
  source: string,
): ShardGrowth {
  const { record, problems } = compareShardLists(recorded, existing, current, source);
  const first = problems[0];
  if (first !== undefined) {
    throw new GenerateError(
      `the \`shards\` list ${describeList(first.list)} is refused: ${first.problem}. Nothing was written`,
    );
  }
  return { record };
}

/**
 * {@link checkShardGrowth}'s comparison, every problem listed instead of the first one thrown.
 *
 * @example
 * ```ts
 * compareShardLists(recorded, existing, shardLists(exports), "the database's table comments").problems;
 * ```
 */
export function compareShardLists(
  recorded: readonly ShardList[],
  existing: ReadonlySet<string>,
  current: readonly ShardList[],
  source: string,
): { readonly record: readonly ShardList[]; readonly problems: readonly ShardProblem[] } {
  const record: ShardList[] = [];
  const problems: ShardProblem[] = [];
  for (const list of current) {
    const problem = listProblem(list, latestOverlapping(recorded, list), existing, source);
    if (problem !== undefined) problems.push({ list, problem });
    else if (!recorded.some((before) => listKey(before) === listKey(list))) record.push(list);
  }
  return { record, problems };
}

/** What is wrong with `list` given the list recorded `before` it (or the tables that exist). */
function listProblem(
  list: ShardList,
  before: ShardList | undefined,
  existing: ReadonlySet<string>,
  source: string,
): string | undefined {
  if (before === undefined) {
    const present = list.names.filter((name) => existing.has(`${list.schema}.${name}`));
    const gap = list.names.findIndex((name, i) => name !== present[i]);
    if (gap !== -1 && gap < present.length) {
      return `its shard ${gap} (${list.names[gap]}) does not exist yet but shard ${list.names.indexOf(present[gap]!)} (${present[gap]}) does: append new shards at the end of the list`;
    }
    if (present.length > 0 && present.length < list.names.length && list.foreign !== present.length) {
      return foreignAdvice(present.length, `its first ${present.length} shards exist`);
    }
    return undefined;
  }
  const removed = before.names.find((name) => !list.names.includes(name));
  if (removed !== undefined) {
    return `it no longer has shard ${before.names.indexOf(removed)} (${removed}) of ${describeList(before)} (${source}): shards cannot be removed, records live in them`;
  }
  const moved = before.names.findIndex((name, i) => list.names[i] !== name);
  if (moved !== -1) {
    return `its shard ${moved} is ${list.names[moved]}, but ${before.names[moved]} in ${describeList(before)} (${source}): shards cannot be reordered, record ids carry their index; append new shards at the end`;
  }
  if (list.foreign !== before.foreign) return foreignAdvice(before.foreign, `${describeList(before)} (${source})`);
  return undefined;
}

/** The last list of `recorded` in the schema of `list` that shares a table with it. */
function latestOverlapping(recorded: readonly ShardList[], list: ShardList): ShardList | undefined {
  return [...recorded]
    .reverse()
    .find((before) => before.schema === list.schema && before.names.some((name) => list.names.includes(name)));
}

function foreignAdvice(foreign: number, because: string): string {
  return (
    `\`foreignShards\` to stay ${foreign}, as ${because}: ids not made by drizzle-spector route over the first ` +
    `${foreign} shards, and would be looked for in another shard. Set \`foreignShards: ${foreign}\` in its options`
  );
}

/**
 * The lists the migrations record, in journal order (see `shardListStatements`).
 *
 * @example
 * ```ts
 * recordedInMigrations(readJournal(out).map((entry) => readFileSync(migrationFile(out, entry.tag), "utf8")));
 * ```
 */
export function recordedInMigrations(texts: readonly string[]): ShardList[] {
  return texts.flatMap(readShardMarkers);
}

/**
 * The lists the database's table comments record, and every table of `schemas` (`schema.table`).
 *
 * @example
 * ```ts
 * const { recorded, existing } = await recordedInDatabase(connection.query, ["public"]);
 * ```
 */
export async function recordedInDatabase(
  query: CatalogQuery,
  schemas: readonly string[],
): Promise<{ recorded: ShardList[]; existing: Set<string> }> {
  if (schemas.length === 0) return { recorded: [], existing: new Set() };
  const rows = await query(
    `SELECT n.nspname AS schema, c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN (${schemas.map(quoteLiteral).join(", ")})
      ORDER BY 1, 2`,
    [],
  );
  return recordedInComments(
    rows.map((row) => ({ schema: String(row.schema), name: String(row.name), comment: row.comment as string | null })),
  );
}

/**
 * The lists recorded in the comments of `tables` (every table of the schemas read, in the order of
 * schema and name), and those tables (`schema.table`).
 *
 * @example
 * ```ts
 * const { recorded, existing } = recordedInComments(catalog.comments);
 * ```
 */
export function recordedInComments(tables: readonly CommentedTable[]): {
  recorded: ShardList[];
  existing: Set<string>;
} {
  const recorded = new Map<string, ShardList>();
  const existing = new Set<string>();
  for (const table of tables) {
    existing.add(`${table.schema}.${table.name}`);
    const list = parseShardComment(table.schema, table.comment);
    if (list) recorded.set(listKey(list), list);
  }
  // a list recorded on some of its tables only (a run cut short): the longest one counts
  return { recorded: [...recorded.values()].sort((a, b) => a.names.length - b.names.length), existing };
}
