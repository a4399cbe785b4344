/**
 * The databases every integration suite runs on: in-process PGlite always, and a real PostgreSQL when
 * `DATABASE_URL` is set (`.ci/run` sets it). Each suite gets a database of its own: a fresh PGlite, or a
 * PostgreSQL database with a random name, dropped at the end.
 */
import { PGlite } from "@electric-sql/pglite";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { splitStatements } from "../../src/sql/statements.js";
import { createFreshDatabase } from "./fresh-database.js";

export type BackendName = "pglite" | "postgres";

/** A database of one test suite. */
export interface TestDatabase {
  readonly backend: BackendName;
  readonly db: PgDatabase<PgQueryResultHKT>;
  /** Runs one statement and returns its rows. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /**
   * Runs statements in one transaction with `client_min_messages = debug1` and returns the messages
   * (notices, debug messages) PostgreSQL sent, e.g. what `RAISE DEBUG` says.
   */
  messages(statements: readonly string[]): Promise<string[]>;
  /** Runs `COPY <target> FROM STDIN` (text format) with `data` as its input. */
  copyIn(target: string, data: string): Promise<void>;
  /** Runs migration text: its chunks, one statement each, in one transaction. */
  execMigration(text: string): Promise<void>;
  /** Applies a drizzle-kit migrations folder with drizzle-orm's `migrate()`. */
  migrate(folder: string): Promise<void>;
  /** Another Drizzle database on the same connection that pushes the text of every query it sends to `sink`. */
  logged(sink: string[]): PgDatabase<PgQueryResultHKT>;
  /** Another Drizzle database on the same connection, with relational queries over `schema`. */
  withSchema<S extends Record<string, unknown>>(
    schema: S,
  ): PgDatabase<PgQueryResultHKT, S, ExtractTablesWithRelations<S>>;
  /** The connection URL (PostgreSQL only). */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/** The backends to run on. */
export function backends(): BackendName[] {
  if (process.env.CI && !process.env.DATABASE_URL) {
    throw new Error("CI is set but DATABASE_URL is not: the PostgreSQL suite must run in CI");
  }
  return process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

/** A database name nobody else uses. */
export function randomName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** Opens a fresh, empty database on `backend`. */
export async function openDatabase(backend: BackendName): Promise<TestDatabase> {
  return backend === "pglite" ? openPglite() : openPostgres();
}

async function openPglite(): Promise<TestDatabase> {
  const client = new PGlite();
  const db = drizzlePglite(client);
  return {
    backend: "pglite",
    db: db as unknown as PgDatabase<PgQueryResultHKT>,
    async query<R>(text: string, params?: unknown[]) {
      return (await client.query(text, params)).rows as R[];
    },
    async messages(statements: readonly string[]) {
      const seen: string[] = [];
      await client.transaction(async (tx) => {
        await tx.query(`SET LOCAL client_min_messages = debug1`);
        for (const statement of statements)
          await tx.query(statement, [], { onNotice: (notice) => seen.push(notice.message ?? "") });
      });
      return seen;
    },
    async copyIn(target: string, data: string) {
      await client.query(`COPY ${target} FROM '/dev/blob'`, [], { blob: new Blob([data]) });
    },
    async execMigration(text: string) {
      await client.transaction(async (tx) => {
        for (const statement of splitStatements(text)) await tx.query(statement);
      });
    },
    async migrate(folder: string) {
      await migratePglite(db, { migrationsFolder: folder });
    },
    logged(sink: string[]) {
      return drizzlePglite(client, {
        logger: { logQuery: (query) => sink.push(query) },
      }) as unknown as PgDatabase<PgQueryResultHKT>;
    },
    withSchema<S extends Record<string, unknown>>(schema: S) {
      return drizzlePglite(client, { schema }) as unknown as PgDatabase<
        PgQueryResultHKT,
        S,
        ExtractTablesWithRelations<S>
      >;
    },
    url: undefined,
    async close() {
      await client.close();
    },
  };
}

async function openPostgres(): Promise<TestDatabase> {
  const fresh = await createFreshDatabase(process.env.DATABASE_URL!, "spector_test");
  let sink: string[] | undefined;
  const targetUrl = fresh.url;
  const client = postgres(targetUrl, { max: 4, onnotice: (notice) => sink?.push(String(notice.message)) });
  const db = drizzlePostgres(client);
  return {
    backend: "postgres",
    db: db as unknown as PgDatabase<PgQueryResultHKT>,
    async query<R>(text: string, params?: unknown[]) {
      return (await client.unsafe(text, (params ?? []) as never[])) as unknown as R[];
    },
    async messages(statements: readonly string[]) {
      const seen: string[] = [];
      sink = seen;
      try {
        await client.begin(async (tx) => {
          await tx.unsafe(`SET LOCAL client_min_messages = debug1`);
          for (const statement of statements) await tx.unsafe(statement);
        });
      } finally {
        sink = undefined;
      }
      return seen;
    },
    async copyIn(target: string, data: string) {
      // postgres.js's COPY stream never reports a failed COPY (it just stops), so psql runs this one
      const run = spawnSync(
        "psql",
        [targetUrl, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", `\\copy ${target} FROM STDIN`],
        {
          input: data,
          encoding: "utf8",
        },
      );
      if (run.error) throw run.error;
      if (run.status !== 0) throw new Error(run.stderr);
    },
    async execMigration(text: string) {
      await client.begin(async (tx) => {
        for (const statement of splitStatements(text)) await tx.unsafe(statement);
      });
    },
    async migrate(folder: string) {
      await migratePostgres(db, { migrationsFolder: folder });
    },
    logged(sink: string[]) {
      return drizzlePostgres(client, {
        logger: { logQuery: (query) => sink.push(query) },
      }) as unknown as PgDatabase<PgQueryResultHKT>;
    },
    withSchema<S extends Record<string, unknown>>(schema: S) {
      return drizzlePostgres(client, { schema }) as unknown as PgDatabase<
        PgQueryResultHKT,
        S,
        ExtractTablesWithRelations<S>
      >;
    },
    url: targetUrl,
    async close() {
      await client.end();
      await fresh.drop();
    },
  };
}
