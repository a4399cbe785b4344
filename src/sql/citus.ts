/**
 * The distribution of the Citus layout's tables (`layout: "citus"`): a `DO` block per table that, only
 * where the `citus` extension is installed, runs `create_distributed_table` on it (the events table by
 * `parent_id`; a link table by `parent_id`, co-located with its events table, which it distributes
 * first if need be, so the order of the blocks does not matter). On PGlite and plain PostgreSQL the
 * block does nothing, so one migrations folder serves them all. It is a rule of `rules.ts` (a
 * migration marker, a fingerprint), with no function or trigger of its own.
 *
 * @module
 */
import { COLUMNS, type TableName } from "../naming/index.js";
import type { EventTableMeta, LinkTableMeta } from "../tables/meta.js";
import { quoteLiteral, quoteQualified } from "./quote.js";
import { headsTableOf } from "./record-hash.js";
import { dollarQuoted, type RuleObjects } from "./rule-objects.js";

/** `schema.table` as a SQL literal, quoted as `regclass` reads it. */
function regclassLiteral(table: TableName): string {
  return quoteLiteral(quoteQualified(table.pgSchema, table.name));
}

/** Whether the `citus` extension is installed: the condition every statement here runs under. */
export const CITUS_INSTALLED = "EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')";

/** The `PERFORM` that distributes `table` unless it is distributed already (`colocate`: its events table). */
function distribute(table: TableName, colocate?: TableName): string {
  const literal = regclassLiteral(table);
  const colocation = colocate === undefined ? "" : `, colocate_with => ${regclassLiteral(colocate)}`;
  return `    IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = ${literal}::pg_catalog.regclass) THEN
      PERFORM pg_catalog.create_distributed_table(${literal}, ${quoteLiteral(COLUMNS.parentId)}${colocation});
    END IF;`;
}

/** The events table of a link table's metadata. */
function eventsOf(meta: LinkTableMeta): TableName {
  return { pgSchema: meta.pgSchema, name: meta.events };
}

/**
 * The statement that distributes a Citus-layout table where Citus is installed: one `DO` block.
 *
 * @example
 * ```ts
 * citusDistributionStatements(eventTableMeta("events", events));
 * // ["DO $spector$ ... PERFORM pg_catalog.create_distributed_table('\"public\".\"events\"', 'parent_id'); ..."]
 * ```
 */
export function citusDistributionStatements(meta: EventTableMeta | LinkTableMeta): string[] {
  const steps =
    meta.kind === "events" ? [distribute(meta)] : [distribute(eventsOf(meta)), distribute(meta, eventsOf(meta))];
  if (meta.kind === "events" && meta.versioned) {
    // the record heads, co-located by parent_id (their trigger writes the heads' shard beside each shard of events);
    // a table with a row trigger is distributed only with citus.enable_unsafe_triggers on
    const heads = headsTableOf(meta);
    steps.unshift(`    PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);`);
    steps.push(distribute(heads, meta));
  }
  const body = `BEGIN
  IF ${CITUS_INSTALLED} THEN
${steps.join("\n")}
  END IF;
END`;
  return [`DO ${dollarQuoted(body)};`];
}

/**
 * The statement that removes the distribution rule of a table (it left the schema, or its layout went
 * back to Spector's): it changes nothing, and where Citus is installed and the table is still
 * distributed it says so in a `NOTICE`. Undistributing is left to a person: `undistribute_table` must
 * take every table the foreign keys join (the events table and all its link tables) and copies their
 * rows back to the coordinator, which is wrong for a link table dropped next (`DROP TABLE` drops the
 * shards) and may be far too slow for a large log.
 *
 * @example
 * ```ts
 * dropCitusDistributionStatements({ pgSchema: undefined, name: "events" }); // ["DO $spector$ ... RAISE NOTICE ..."]
 * ```
 */
export function dropCitusDistributionStatements(table: TableName): string[] {
  const name = quoteQualified(table.pgSchema, table.name);
  const notice = `drizzle-spector: ${name} stays distributed by Citus; to change its keys, run SELECT undistribute_table(${quoteLiteral(name)}, cascade_via_foreign_keys => true) first`;
  // nested: PL/pgSQL plans a condition whole, and pg_dist_partition exists only where Citus is
  const body = `BEGIN
  IF ${CITUS_INSTALLED} THEN
    IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = pg_catalog.to_regclass(${quoteLiteral(name)})) THEN
      RAISE NOTICE '%', ${quoteLiteral(notice)};
    END IF;
  END IF;
END`;
  return [`DO ${dollarQuoted(body)};`];
}

/** The distribution has no function or trigger: `drizzle-spector check` reads `pg_dist_partition` instead. */
export function citusDistributionObjects(): RuleObjects {
  return { functions: [], triggers: [] };
}
