/**
 * The append-only guard's SQL (`appendOnly: true`): a statement trigger on the table that refuses
 * `UPDATE`, `DELETE` and `TRUNCATE`, enabled `ALWAYS` so that a replica session does not skip it. Only
 * a role that may alter the table can lift it (`ALTER TABLE ... DISABLE TRIGGER`); no setting can.
 *
 * @module
 */
import { names, type TableName } from "../naming/index.js";
import type { EventTableMeta, LinkTableMeta } from "../tables/meta.js";
import { quoteLiteral, quoteQualified } from "./quote.js";
import { createStatements, PINNED_SEARCH_PATH, type RuleObjects } from "./rule-objects.js";

/**
 * How the guard refuses a change: SQLSTATE `2F002` (`modifying_sql_data_not_permitted`), a message
 * naming the table and the operation (a `format()` template), and a hint.
 *
 * @example
 * ```ts
 * try {
 *   await db.delete(events);
 * } catch (error) {
 *   if ((error as { cause?: { code?: string } }).cause?.code === APPEND_ONLY_VIOLATION.sqlstate) console.log("append-only");
 * }
 * ```
 */
export const APPEND_ONLY_VIOLATION = {
  sqlstate: "2F002",
  message: "drizzle-spector: %s is append-only: %s is refused",
} as const;

function guardBody(meta: TableName): string {
  const table = quoteQualified(meta.pgSchema, meta.name);
  const trigger = names.appendOnly.trigger(meta.name);
  const hint = `Events are never changed. To erase data, a role that may alter the table lifts the guard for one transaction: ALTER TABLE ${table} DISABLE TRIGGER ${trigger}, then ENABLE ALWAYS TRIGGER ${trigger} before COMMIT (see the README).`;
  return `BEGIN
  RAISE EXCEPTION USING
    ERRCODE = ${quoteLiteral(APPEND_ONLY_VIOLATION.sqlstate)},
    MESSAGE = format(${quoteLiteral(APPEND_ONLY_VIOLATION.message)}, ${quoteLiteral(table)}, TG_OP),
    HINT = ${quoteLiteral(hint)},
    SCHEMA = ${quoteLiteral(meta.pgSchema ?? "public")},
    TABLE = ${quoteLiteral(meta.name)};
END`;
}

/** The function and trigger of the guard on table `T`: `append_only_T()` and trigger `append_only_T`. */
export function appendOnlyObjects(meta: EventTableMeta | LinkTableMeta): RuleObjects {
  const rule = names.appendOnly;
  return {
    functions: [
      {
        schema: meta.pgSchema,
        name: rule.function(meta.name),
        source: `\n${guardBody(meta)}\n`,
        securityDefiner: false,
        config: PINNED_SEARCH_PATH,
      },
    ],
    triggers: [
      {
        name: rule.trigger(meta.name),
        table: { pgSchema: meta.pgSchema, name: meta.name },
        function: rule.function(meta.name),
        event: "BEFORE DELETE OR UPDATE OR TRUNCATE",
        level: "statement",
        always: true,
      },
    ],
  };
}

/** The statements that install the guard on a table. */
export function appendOnlyStatements(meta: EventTableMeta | LinkTableMeta): string[] {
  return createStatements(appendOnlyObjects(meta));
}

/** The statements that remove the guard from a table. */
export function dropAppendOnlyStatements(table: TableName): string[] {
  return [
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.appendOnly.function(table.name))}() CASCADE;`,
  ];
}
