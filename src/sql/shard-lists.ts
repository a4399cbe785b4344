/**
 * The `shards` lists of a schema, as the database and the migrations record them. A record's id
 * carries the index of its shard in its list, so a list may only grow at its end, and its
 * `foreignShards` never changes; to let `drizzle-spector generate`, `push` and `check` hold a schema to
 * that, each shard table gets a comment naming its list:
 *
 * ```sql
 * -- drizzle-spector:shards public 2 log_0,log_1,log_2
 * COMMENT ON TABLE "public"."log_0" IS 'drizzle-spector shard 0 of log_0,log_1,log_2; foreignShards 2'
 * ```
 *
 * The marker before the first comment is what `generate` reads back from its migrations; the comments
 * are what `push` and `check` read from the database.
 *
 * @module
 */
import { getMeta } from "../tables/meta.js";
import { quoteLiteral, quoteQualified } from "./quote.js";
import { MARKER } from "./rules.js";

/** One `shards` list: its PostgreSQL schema, its table names in order, and its `foreignShards`. */
export interface ShardList {
  /** The PostgreSQL schema (`public` for the default one). */
  readonly schema: string;
  readonly names: readonly string[];
  readonly foreign: number;
}

/** The marker of a list in a migration: `-- drizzle-spector:shards`. */
export const SHARDS_MARKER = `${MARKER.prefix}shards`;

/**
 * The `shards` lists of the events tables among `tables` (a schema's exports: other values are
 * ignored), each once, in the order of their first table.
 *
 * @example
 * ```ts
 * shardLists(spectorTables({ shards: ["log_0", "log_1"] }));
 * // [{ schema: "public", names: ["log_0", "log_1"], foreign: 2 }]
 * ```
 */
export function shardLists(tables: Readonly<Record<string, unknown>> | readonly unknown[]): ShardList[] {
  const lists = new Map<string, ShardList>();
  for (const value of Object.values(tables)) {
    const meta = getMeta(value);
    if (meta?.kind !== "events" || meta.shard === undefined) continue;
    const list = { schema: meta.pgSchema ?? "public", names: meta.shard.names, foreign: meta.shard.foreign };
    const key = listKey(list);
    if (!lists.has(key)) lists.set(key, list);
  }
  return [...lists.values()];
}

/** A list as messages show it: `public: log_0, log_1 (foreignShards 2)`. */
export function describeList(list: ShardList): string {
  return `${list.schema}: ${list.names.join(", ")} (foreignShards ${list.foreign})`;
}

/** A key that is the same for equal lists. */
export function listKey(list: ShardList): string {
  return `${list.schema} ${list.foreign} ${list.names.join(",")}`;
}

/** The comment of shard `index` of `list`. */
export function shardComment(list: ShardList, index: number): string {
  return `drizzle-spector shard ${index} of ${list.names.join(",")}; foreignShards ${list.foreign}`;
}

const COMMENT = /^drizzle-spector shard (?<index>\d+) of (?<names>[^;\s]+); foreignShards (?<foreign>\d+)$/;

/**
 * The list a shard table's comment names, or `undefined` for any other comment.
 *
 * @example
 * ```ts
 * parseShardComment("public", "drizzle-spector shard 0 of log_0,log_1; foreignShards 2");
 * // { schema: "public", names: ["log_0", "log_1"], foreign: 2 }
 * ```
 */
export function parseShardComment(schema: string, comment: string | null | undefined): ShardList | undefined {
  const groups = comment ? COMMENT.exec(comment)?.groups : undefined;
  if (!groups) return undefined;
  return { schema, names: groups.names!.split(","), foreign: Number(groups.foreign) };
}

/**
 * The statements that record `list` on its tables, the first preceded by its marker: one `COMMENT ON
 * TABLE` per shard (replacing any comment the table had).
 *
 * @example
 * ```ts
 * shardListStatements({ schema: "public", names: ["log_0", "log_1"], foreign: 2 });
 * // ["-- drizzle-spector:shards public 2 log_0,log_1\nCOMMENT ON TABLE \"public\".\"log_0\" IS '...';", ...]
 * ```
 */
export function shardListStatements(list: ShardList): string[] {
  const statements = list.names.map(
    (name, index) =>
      `COMMENT ON TABLE ${quoteQualified(list.schema, name)} IS ${quoteLiteral(shardComment(list, index))};`,
  );
  statements[0] = `${SHARDS_MARKER} ${list.schema} ${list.foreign} ${list.names.join(",")}\n${statements[0]}`;
  return statements;
}

const MARKER_LINE = new RegExp(`^${SHARDS_MARKER} (?<schema>\\S+) (?<foreign>\\d+) (?<names>\\S+)$`, "gm");

/**
 * The lists recorded by the markers of a migration's text, in order.
 *
 * @example
 * ```ts
 * readShardMarkers(readFileSync("migrations/0003_spector_triggers.sql", "utf8"));
 * ```
 */
export function readShardMarkers(text: string): ShardList[] {
  return [...text.matchAll(MARKER_LINE)].map(({ groups }) => ({
    schema: groups!.schema!,
    names: groups!.names!.split(","),
    foreign: Number(groups!.foreign),
  }));
}
