/**
 * The whole comparison of a database with a schema, in one catalog read: the rules of each table
 * ({@link planRules}), the `shards` lists the tables' comments record, and, where Citus is installed,
 * the distribution of each Citus-layout table. `drizzle-spector check` and {@link checkDatabase} both
 * run it.
 *
 * @module
 */
import { shardLists } from "../sql/shard-lists.js";
import { readCatalog } from "./catalog.js";
import type { Comparison } from "./differences.js";
import { compareDistribution, shardDifferences, shardSchemas } from "./layout.js";
import type { CatalogQuery } from "./query.js";
import { planRules, ruleDifferences } from "./rules.js";
import { recordedInComments } from "./shard-history.js";

/**
 * Compares the database `query` reads with the tables among `exports` (a schema's exports): their
 * rules (`compareRules`), their `shards` lists (`compareShards`) and their Citus distribution. One
 * statement reads the catalogs; a second one only where Citus is installed and the schema has
 * Citus-layout tables.
 *
 * @example
 * ```ts
 * const query: CatalogQuery = async (text, params) => (await pool.query(text, params)).rows;
 * const { differences } = await compareDatabase(query, schema);
 * for (const difference of differences) console.log(differenceLine(difference));
 * // trigger enforce_same_parent_links on public.links: missing
 * ```
 */
export async function compareDatabase(
  query: CatalogQuery,
  exports: Readonly<Record<string, unknown>> | readonly unknown[],
): Promise<Comparison> {
  const plan = planRules(exports);
  const lists = shardLists(exports);
  const catalog = await readCatalog(query, { ...plan.request, commentSchemas: shardSchemas(lists) }, plan.patterns);
  const rules = ruleDifferences(plan, catalog);
  return {
    ...rules,
    differences: [
      ...rules.differences,
      ...(await compareDistribution(query, plan.targets, catalog)),
      ...(lists.length === 0 ? [] : shardDifferences(lists, recordedInComments(catalog.comments))),
    ],
  };
}
