/**
 * The Citus cluster suites' tables (`CITUS_URL`, the coordinator): made in a PostgreSQL schema of
 * their own for the describe block (Citus propagates `CREATE SCHEMA` to the workers; a new database
 * would need the extension on every node), and dropped after it.
 */
import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { splitStatements } from "../../src/sql/statements.js";
import { createSql } from "./ddl.js";

/** Runs one statement on the coordinator and returns its rows. */
export type CitusQuery = <R>(text: string, params?: unknown[]) => Promise<R[]>;

/**
 * Before the suite: a client on `url` (at most 2 connections) handed to `connected`, then `tables`
 * made in PostgreSQL schema `schema` as drizzle-orm's `migrate()` runs a migration (every statement
 * in one transaction). After it: the schema dropped, the client closed. Returns the way to query
 * through that client.
 *
 * @example
 * ```ts
 * let client: postgres.Sql;
 * const query = useCitusSchema(url, schema, tables, (made) => (client = made));
 * ```
 */
export function useCitusSchema(
  url: string,
  schema: string,
  tables: Record<string, unknown>,
  connected: (client: postgres.Sql) => void,
): CitusQuery {
  let client: postgres.Sql | undefined;
  beforeAll(async () => {
    client = postgres(url, { max: 2, onnotice: () => {} });
    connected(client);
    const ddl = await createSql(tables, [schema]);
    // as drizzle-orm's migrate() runs it: every statement in one transaction
    await client.begin(async (tx) => {
      for (const statement of splitStatements(ddl)) await tx.unsafe(statement);
    });
  });
  afterAll(async () => {
    await client?.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client?.end();
  });
  return async <R>(text: string, params: unknown[] = []) =>
    (await client!.unsafe(text, params as never[])) as unknown as R[];
}
