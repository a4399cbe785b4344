/**
 * The events tables' primary key across the switch from a table-level `primaryKey({ name: "T_pkey" })`
 * to a column-level `.primaryKey()` (which PostgreSQL names `T_pkey` too, and which `drizzle-kit push`
 * leaves alone). A snapshot written before the switch holds the table-level key, so `drizzle-kit
 * generate` writes, once per events table:
 *
 * ```sql
 * ALTER TABLE "events" DROP CONSTRAINT "events_pkey";--> statement-breakpoint
 * ALTER TABLE "events" ADD PRIMARY KEY ("id");
 * ```
 *
 * which would put back the same key under the same name, and cannot run: the table's own foreign key
 * (`T_parent_id_fkey`) and its link tables' depend on the key (`2BP01`). So no database has applied
 * it, and `generate` takes the pair out of every migration of the folder, leaving a comment.
 *
 * @module
 */
import { names, type TableName } from "../naming/index.js";
import { COLUMNS } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";
import { joinStatements, splitStatements } from "../sql/statements.js";

/** The comment that stands for a pair taken out. */
export function keptKeyComment(table: TableName): string {
  return `-- drizzle-spector: ${names.primaryKey(table.name)} stays as it is (drizzle-kit moved it from the table to the column of its snapshot; the database key is the same)`;
}

/** The ways drizzle-kit names a table in `ALTER TABLE`: qualified, and bare for `public`. */
function tableRefs(table: TableName): string[] {
  const qualified = quoteQualified(table.pgSchema, table.name);
  return table.pgSchema === undefined || table.pgSchema === "public"
    ? [quoteIdent(table.name), qualified]
    : [qualified];
}

/**
 * Takes drizzle-kit's drop-and-add pair of each events table's key out of a migration's text, or
 * returns `undefined` when the text has none.
 *
 * @example
 * ```ts
 * keepPrimaryKeys(readFileSync(file, "utf8"), [{ pgSchema: undefined, name: "events" }]);
 * // "-- drizzle-spector: events_pkey stays as it is (...)\n"
 * ```
 */
export function keepPrimaryKeys(text: string, eventTables: readonly TableName[]): string | undefined {
  let statements = splitStatements(text);
  const kept: TableName[] = [];
  for (const table of eventTables) {
    const refs = tableRefs(table);
    const drop = statements.findIndex((s) =>
      refs.some(
        (ref) => s.trim() === `ALTER TABLE ${ref} DROP CONSTRAINT ${quoteIdent(names.primaryKey(table.name))};`,
      ),
    );
    const add = statements.findIndex((s) =>
      refs.some((ref) => s.trim() === `ALTER TABLE ${ref} ADD PRIMARY KEY (${quoteIdent(COLUMNS.id)});`),
    );
    if (drop === -1 || add === -1) continue;
    statements = statements.filter((_, i) => i !== drop && i !== add);
    kept.push(table);
  }
  if (kept.length === 0) return undefined;
  const comments = kept.map(keptKeyComment).join("\n");
  if (statements.length === 0) return `${comments}\n`;
  statements[0] = `${comments}\n${statements[0]}`;
  return joinStatements(statements);
}
