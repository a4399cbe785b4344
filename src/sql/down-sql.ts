/**
 * `spectorDownSql`: Spector's `down/1`.
 *
 * @module
 */
import type { SpectorOptions } from "../tables/options.js";
import { planSchema } from "../tables/plan.js";
import { names } from "../naming/index.js";
import { quoteQualified } from "./quote.js";
import { RULES, citusDistributionRule, dropRuleStatements } from "./rules.js";
import { joinStatements } from "./statements.js";

/**
 * The SQL that undoes `spectorTables` for the same options, as Spector's `down/1`: for each link
 * table its rule's trigger functions (`CASCADE` takes their triggers), then the table, then the events
 * tables. Every statement uses `IF EXISTS`, so it also cleans up after a partly applied schema, and it
 * removes the rules whatever the options say of them (`constrained: false` included), but for the
 * Citus layout's distribution: `DROP TABLE` drops a distributed table with its shards, and undistributing
 * it first would copy its rows back to the coordinator for nothing. One statement
 * per `--> statement-breakpoint` chunk, for a rollback script or a custom migration.
 *
 * @example
 * ```ts
 * spectorDownSql({ table: "events", links: [["event_ancestors", "ancestor_id"]] });
 * // -- drizzle-spector:drop-same-parent public.event_ancestors
 * // DROP FUNCTION IF EXISTS "public"."check_link_same_parent_event_ancestors"() CASCADE;
 * // --> statement-breakpoint
 * // DROP FUNCTION IF EXISTS "public"."check_link_same_parent_event_ancestors_update"() CASCADE;
 * // --> statement-breakpoint
 * // DROP TABLE IF EXISTS "public"."event_ancestors";
 * // --> statement-breakpoint
 * // DROP TABLE IF EXISTS "public"."events";
 * ```
 * @throws {SpectorOptionError} for bad options, as `spectorTables` does.
 */
export function spectorDownSql(options: SpectorOptions): string {
  const plan = planSchema(options);
  const drop = (kind: "link" | "events", name: string) => {
    const table = { pgSchema: plan.pgSchema, name };
    return [
      ...RULES.filter((rule) => rule.on.includes(kind) && rule !== citusDistributionRule).flatMap((rule) =>
        dropRuleStatements(rule, table),
      ),
      `DROP TABLE IF EXISTS ${quoteQualified(plan.pgSchema, name)};`,
    ];
  };
  const heads = (events: string) =>
    plan.events.some((e) => e.name === events && (e.recordChain || e.versioned))
      ? [`DROP TABLE IF EXISTS ${quoteQualified(plan.pgSchema, names.recordChain.headsTable(events))};`]
      : [];
  const positions = (events: string) =>
    plan.events.some((e) => e.name === events && e.positions)
      ? [`DROP TABLE IF EXISTS ${quoteQualified(plan.pgSchema, names.positions.table(events))};`]
      : [];
  return joinStatements([
    ...plan.links.flatMap((link) => drop("link", link.name)),
    ...plan.events.flatMap((events) => [
      ...drop("events", events.name),
      ...heads(events.name),
      ...positions(events.name),
    ]),
  ]);
}
