/**
 * The comparisons of `drizzle-spector check` beyond the rules: the `shards` lists of the schema with
 * those the database's table comments record ({@link compareShards}), and, where Citus is installed,
 * the distribution of each Citus-layout table.
 *
 * @module
 */
import { tableKey, type TableName } from "../naming/index.js";
import type { ruleTargets } from "../sql/rules.js";
import { describeList, shardLists, type ShardList } from "../sql/shard-lists.js";
import type { Difference } from "./differences.js";
import type { CatalogQuery } from "./query.js";
import type { Catalog } from "./catalog.js";
import { compareShardLists, recordedInDatabase } from "./shard-history.js";

/**
 * Compares the `shards` lists of the schema with the lists the database's table comments record (see
 * `sql/shard-lists.ts`): a list that lost or moved a shard, or changed `foreignShards`, differs, and so
 * does a list not recorded (yet) as the schema has it. The difference is on its first table, with the
 * list as its object.
 *
 * @example
 * ```ts
 * await compareShards(query, Object.values(schema));
 * // [{ table: "public.log_0", object: "shards public: log_0, log_1, log_2 (foreignShards 2)",
 * //    problem: "not recorded in the database (it records public: log_0, log_1 (foreignShards 2)) ..." }]
 * ```
 */
export async function compareShards(
  query: CatalogQuery,
  exports: Readonly<Record<string, unknown>> | readonly unknown[],
): Promise<Difference[]> {
  const lists = shardLists(exports);
  if (lists.length === 0) return [];
  return shardDifferences(lists, await recordedInDatabase(query, shardSchemas(lists)));
}

/** The PostgreSQL schemas of `lists`, whose tables' comments record them. */
export function shardSchemas(lists: readonly ShardList[]): string[] {
  return [...new Set(lists.map((list) => list.schema))];
}

/**
 * The differences of {@link compareShards} between the schema's `lists` and what the database's table
 * comments record (`recordedInComments` or `recordedInDatabase`).
 *
 * @example
 * ```ts
 * shardDifferences(shardLists(Object.values(schema)), recordedInComments(catalog.comments));
 * ```
 */
export function shardDifferences(
  lists: readonly ShardList[],
  database: { readonly recorded: readonly ShardList[]; readonly existing: ReadonlySet<string> },
): Difference[] {
  const { record, problems } = compareShardLists(
    database.recorded,
    database.existing,
    lists,
    "the database's table comments",
  );
  const difference = (list: ShardList, problem: string): Difference => ({
    table: `${list.schema}.${list.names[0]}`,
    object: `shards ${describeList(list)}`,
    problem,
  });
  return [
    ...problems.map(({ list, problem }) => difference(list, `refused: ${problem}`)),
    ...record.map((list) =>
      difference(
        list,
        "not recorded on its tables: apply the migrations `drizzle-spector generate` writes, or run `drizzle-spector push`",
      ),
    ),
  ];
}

/**
 * The Citus-layout tables among `targets` that are not distributed as the migration distributes them:
 * by `parent_id` (hash), a link table co-located with its events table. Nothing without Citus, or for
 * a table that is missing (reported already). Reads the catalogs (a second statement) only where Citus
 * is installed and the schema has Citus-layout tables.
 */
export async function compareDistribution(
  query: CatalogQuery,
  targets: ReturnType<typeof ruleTargets>,
  catalog: Pick<Catalog, "tables" | "citus">,
): Promise<Difference[]> {
  const wanted = targets.filter((target) => target.rule.kind === "citus-distribution");
  if (wanted.length === 0 || !catalog.citus) return [];
  const existing = catalog.tables;
  const tables = wanted.map((target) => target.meta as TableName & { readonly kind: string; readonly events?: string });
  const rows = await query(
    `SELECT w ->> 0 AS schema, w ->> 1 AS name, p.partmethod::pg_catalog.text AS method,
            pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) AS column, p.colocationid AS colocation
       FROM pg_catalog.json_array_elements($1::pg_catalog.text::pg_catalog.json) AS w
       LEFT JOIN pg_catalog.pg_dist_partition p
         ON p.logicalrelid = pg_catalog.to_regclass(pg_catalog.quote_ident(w ->> 0) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(w ->> 1))`,
    [
      JSON.stringify([
        ...tables.map((table) => [table.pgSchema ?? "public", table.name]),
        ...tables.filter((t) => t.kind === "link").map((t) => [t.pgSchema ?? "public", t.events!]),
      ]),
    ],
  );
  const found = new Map(rows.map((row) => [`${String(row.schema)}.${String(row.name)}`, row]));
  const differences: Difference[] = [];
  for (const table of tables) {
    const key = tableKey(table);
    if (!existing.has(key)) continue;
    const row = found.get(key);
    const object = `table ${key}`;
    if (row?.method == null) {
      differences.push({ table: key, object, problem: "not distributed (Citus is installed: run the migrations)" });
    } else if (row.method !== "h" || row.column !== "parent_id") {
      differences.push({
        table: key,
        object,
        problem: `distributed by ${String(row.column ?? "no column")} (method ${String(row.method)}), not hashed by parent_id`,
      });
    } else if (table.kind === "link") {
      const events = tableKey({ pgSchema: table.pgSchema, name: table.events! });
      if (found.get(events)?.colocation !== row.colocation) {
        differences.push({ table: key, object, problem: `not co-located with its events table ${events}` });
      }
    }
  }
  return differences;
}
