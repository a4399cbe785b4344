/**
 * `spectorDownSql`: Spector's `down/1`.
 *
 * @module
 */
import { planSchema, type SpectorOptions } from "../options.js";
import { quoteQualified } from "./quote.js";
import { joinStatements } from "./statements.js";
import { dropRuleStatements } from "./trigger-sql.js";

/**
 * The SQL that undoes {@link spectorTables} for the same options, as Spector's `down/1`: for each link
 * table its trigger functions (`CASCADE` takes their triggers), then the table, then the events tables. Every statement uses
 * `IF EXISTS`, so it also cleans up after a partly applied schema. One statement per
 * `--> statement-breakpoint` chunk, for a rollback script or a custom migration.
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
 * @throws {SpectorOptionError} for bad options, as {@link spectorTables} does.
 */
export function spectorDownSql(options: SpectorOptions): string {
  const plan = planSchema(options);
  const statements = [
    ...plan.links.flatMap((link) => [
      ...dropRuleStatements({ pgSchema: plan.pgSchema, name: link.name }),
      `DROP TABLE IF EXISTS ${quoteQualified(plan.pgSchema, link.name)};`,
    ]),
    ...plan.events.map((events) => `DROP TABLE IF EXISTS ${quoteQualified(plan.pgSchema, events.name)};`),
  ];
  return joinStatements(statements);
}
