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
 * table its triggers and functions, then the table, then the events tables. Every statement uses
 * `IF EXISTS`, so it also cleans up after a partly applied schema. One statement per
 * `--> statement-breakpoint` chunk, for a rollback script or a custom migration.
 *
 * @example
 * ```ts
 * spectorDownSql({ table: "events", links: [["event_ancestors", "ancestor_id"]] });
 * // -- drizzle-spector:drop-same-parent public.event_ancestors
 * // DROP TRIGGER IF EXISTS "enforce_same_parent_event_ancestors" ON "event_ancestors";
 * // --> statement-breakpoint
 * // ...
 * // DROP TABLE IF EXISTS "event_ancestors";
 * // --> statement-breakpoint
 * // DROP TABLE IF EXISTS "events";
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
