/**
 * The checks of a loaded schema, of what drizzle-kit cannot check itself: one table object per table
 * name, every table the schema files make exported by name, every PostgreSQL schema of
 * drizzle-spector's tables and every link table's events table exported, and no two tables claiming
 * one name.
 *
 * @module
 */
import { relative } from "node:path";
import { is } from "drizzle-orm";
import { PgSchema } from "drizzle-orm/pg-core";
import { GenerateError, SpectorOptionError } from "../errors.js";
import { tableKey, tableNames } from "../naming/index.js";
import { getMeta, type BuiltTable, type SpectorMeta } from "../tables/meta.js";
import { claimNames } from "../tables/name-claims.js";
import { userLocationIn } from "./project-loader.js";
import type { SchemaModule } from "./project-modules.js";

/**
 * Two table objects of one name (two factory calls, say `eventTable("events")` in one file and
 * `spectorTables({ table: "events" })` in another) are refused, naming where each was made: they
 * would be two `CREATE TABLE`s of one table.
 */
function checkOneTablePerName(tables: ReadonlyMap<unknown, SpectorMeta>, built: readonly BuiltTable[]): void {
  const seen = new Map<string, unknown>();
  const describe = (table: unknown) => {
    const meta = tables.get(table)!;
    const stack = built.find((entry) => entry.table === table)?.stack;
    const made = stack === undefined ? undefined : userLocationIn(stack);
    return `${meta.kind === "events" ? "an events" : `a ${meta.kind}`} table${made ? ` made at ${made}` : ""}`;
  };
  for (const [table, meta] of tables) {
    const key = tableKey(meta);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new GenerateError(
        `two different tables are named ${key}: ${describe(earlier)}, and ${describe(table)}. Two factory ` +
          "calls made a table of one name, which would be two CREATE TABLEs: make each table once, and import it " +
          "where it is needed",
      );
    }
    seen.set(key, table);
  }
}

/**
 * Checks that every table the schema files made (`built`, from the factories' registry) is exported
 * by name from a schema file: drizzle-kit reads only the top-level named exports that are tables, so
 * a table inside an exported object (`export const tables = spectorTables(...)`), or one left out of a
 * destructuring, would silently not be created, nor get its rule.
 */
export function checkExported(built: readonly BuiltTable[], modules: readonly SchemaModule[], cwd: string): void {
  const exported = new Set(modules.flatMap((module) => Object.values(module.exports)));
  const missing = built.filter(({ table }) => !exported.has(table) && getMeta(table) !== undefined);
  if (missing.length === 0) return;
  const unheld: string[] = [];
  const lines = missing.map(({ table, stack }) => {
    const meta = getMeta(table)!;
    const made = userLocationIn(stack ?? "");
    const what = `${meta.kind} table ${tableKey(meta)}${made ? ` (made at ${made})` : ""}`;
    const holder = modules
      .flatMap((module) => Object.entries(module.exports).map(([name, value]) => ({ module, name, value })))
      .find(({ value }) => isPlainContainer(value) && Object.values(value).includes(table));
    if (!holder) unheld.push(meta.name);
    return holder
      ? `- ${what} is inside the export \`${holder.name}\` of ${relative(cwd, holder.module.file)}, an object ` +
          `drizzle-kit does not look into: destructure it, \`export const { ${meta.name}, ... } = ...\``
      : meta.kind === "heads"
        ? `- ${what}, the heads of the record ${meta.versionOnly ? "versions" : "chain"} of ${meta.events}, is not exported: add \`${meta.name}\` to the ` +
          `\`export const { ... } = spectorTables(...)\`, or \`export const ${meta.name} = ${meta.versionOnly ? "versionHeadTable" : "chainHeadTable"}(${meta.events});\``
        : `- ${what} is not exported: export it by name, e.g. add \`${meta.name}\` to the \`export const { ... } = ...\``;
  });
  // several tables (a shard appended to a list, say): one list to paste into the export
  const all = unheld.length > 1 ? `\nTo export them all, add \`${unheld.join(", ")}\` to the export list` : "";
  throw new GenerateError(
    `drizzle-kit would not see ${missing.length === 1 ? "a table" : `${missing.length} tables`} the schema files ` +
      `make, and would create no table for ${missing.length === 1 ? "it" : "them"} (it reads only tables exported ` +
      `by name from a schema file):\n${lines.join("\n")}${all}\nNothing was written`,
  );
}

/** A plain object or an array: what a factory's result is put in (a Drizzle table or schema is not one). */
function isPlainContainer(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

/**
 * Checks what drizzle-kit cannot: that every PostgreSQL schema of drizzle-spector's tables, and every
 * link table's events table, is exported (or drizzle-kit would not create it), and that no two tables
 * claim one name.
 */
export function checkSchema(exports: readonly unknown[], built: readonly BuiltTable[]): void {
  // one entry per table object: the same table exported under two names is one table
  const tables = new Map<unknown, SpectorMeta>();
  for (const value of exports) {
    const meta = getMeta(value);
    if (meta) tables.set(value, meta);
  }
  checkOneTablePerName(tables, built);
  const exportedSchemas = new Set(
    exports.filter((value) => is(value, PgSchema)).map((value) => (value as PgSchema).schemaName),
  );
  const bySchema = new Map<string, SpectorMeta[]>();
  for (const meta of tables.values()) {
    if (meta.pgSchema !== undefined && !exportedSchemas.has(meta.pgSchema)) {
      throw new GenerateError(
        `table ${tableKey(meta)} is in PostgreSQL schema "${meta.pgSchema}", which no schema file exports, so ` +
          `drizzle-kit would not create it: add \`export const ${meta.pgSchema} = pgSchema("${meta.pgSchema}");\` ` +
          `(from drizzle-orm/pg-core) to a schema file`,
      );
    }
    const schema = meta.pgSchema ?? "public";
    bySchema.set(schema, [...(bySchema.get(schema) ?? []), meta]);
  }
  const exportedEvents = new Set([...tables.values()].filter((meta) => meta.kind === "events").map(tableKey));
  for (const meta of tables.values()) {
    if (meta.kind !== "link") continue;
    const events = tableKey({ pgSchema: meta.pgSchema, name: meta.events });
    if (!exportedEvents.has(events)) {
      throw new GenerateError(
        `link table ${tableKey(meta)} points at the events table ${events}, which no schema file exports, so ` +
          "drizzle-kit would not create it: export it by name",
      );
    }
  }
  for (const metas of bySchema.values()) {
    try {
      claimNames(
        metas.map((meta) => ({
          option: `the ${meta.kind} table ${tableKey(meta)}`,
          value: meta.name,
          names: tableNames(meta),
        })),
      );
    } catch (error) {
      if (error instanceof SpectorOptionError)
        throw new GenerateError(`two tables of the schema clash: ${error.message}`);
      throw error;
    }
  }
}
