/**
 * Creates tables in a test database the way a user's migrations would: drizzle-kit's own diff (its
 * programmatic API, from an empty snapshot) followed by `spectorTriggerSql`.
 */
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { spectorTriggerSql } from "../../src/index.js";
import { quoteIdent } from "../../src/sql/quote.js";
import { joinStatements, splitStatements } from "../../src/sql/statements.js";

/** The statements drizzle-kit writes to create `tables` (after creating `schemas`), then the same-parent rule. */
export async function createSql(tables: Record<string, unknown>, schemas: string[] = []): Promise<string> {
  const statements = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(tables));
  return joinStatements([
    ...schemas.map((schema) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`),
    ...statements,
    ...splitStatements(spectorTriggerSql(tables)),
  ]);
}
