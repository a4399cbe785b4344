/**
 * The databases the suites run on, and the one way a suite runs on each of them: {@link describeBackends}
 * declares the suite once per backend, and {@link useDatabase} gives it a fresh database of its own.
 *
 * Backends: in-process PGlite always; with `DATABASE_URL` (`.ci/run` sets it) a real PostgreSQL through
 * postgres.js, and, for the suites that test the helpers on every driver, through node-postgres too.
 * On PostgreSQL each suite gets a database with a random name, dropped at the end.
 */
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import pg from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, describe } from "vitest";
import { splitStatements } from "../../src/sql/statements.js";
import { spawnChild } from "./child-timeout.js";
import { freshPglite } from "./pglite-template.js";
import { createFreshDatabase } from "./fresh-database.js";

export type BackendName = "pglite" | "postgres" | "node-postgres";

type Database = PgDatabase<PgQueryResultHKT>;

/** A database of one test suite. */
export interface TestDatabase {
  readonly backend: BackendName;
  readonly db: Database;
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
  logged(sink: string[]): Database;
  /** Another Drizzle database on the same connection, with relational queries over `schema`. */
  withSchema<S extends Record<string, unknown>>(
    schema: S,
  ): PgDatabase<PgQueryResultHKT, S, ExtractTablesWithRelations<S>>;
  /** The connection URL (PostgreSQL only). */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/**
 * The backends to run on: PGlite, and PostgreSQL when `DATABASE_URL` is set (through postgres.js, and
 * with `drivers`, through node-postgres too). In CI, PostgreSQL must be there: no silent skip.
 */
export function backends(options: { readonly drivers?: boolean } = {}): BackendName[] {
  if (process.env.CI && !process.env.DATABASE_URL) {
    throw new Error("CI is set but DATABASE_URL is not: the PostgreSQL suite must run in CI");
  }
  if (!process.env.DATABASE_URL) return ["pglite"];
  return options.drivers ? ["pglite", "postgres", "node-postgres"] : ["pglite", "postgres"];
}

/**
 * Declares `suite` once per backend, as `describe("<title> (on <backend>)")`: the one way the tests
 * run a suite on every backend.
 *
 * @example
 * ```ts
 * describeBackends("the same-parent rule", (backend) => {
 *   const t = useDatabase(backend);
 *   test("...", async () => { await t.query("SELECT 1"); });
 * });
 * ```
 */
export function describeBackends(
  title: string,
  suite: (backend: BackendName) => void,
  names: readonly BackendName[] = backends(),
): void {
  describe.each(names)(`${title} (on %s)`, suite);
}

/**
 * A fresh database on `backend` for the describe block this is called in: opened (then `setup`) before
 * its tests, closed after. The value stands for the database inside tests and hooks.
 */
export function useDatabase(backend: BackendName, setup?: (t: TestDatabase) => Promise<void>): TestDatabase {
  let opened: TestDatabase | undefined;
  beforeAll(async () => {
    opened = await openDatabase(backend);
    await setup?.(opened);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return new Proxy({} as TestDatabase, {
    get(_, key) {
      if (!opened) throw new Error("the suite's database is opened in beforeAll: use it inside tests and hooks");
      return opened[key as keyof TestDatabase];
    },
  });
}

/** Opens a fresh, empty database on `backend`. */
export async function openDatabase(backend: BackendName): Promise<TestDatabase> {
  if (backend === "pglite") return openPglite();
  return backend === "postgres" ? openPostgres() : openNodePostgres();
}

async function openPglite(): Promise<TestDatabase> {
  const client = await freshPglite();
  const db = drizzlePglite(client);
  return {
    backend: "pglite",
    db: db as unknown as Database,
    async query<R>(text: string, params?: unknown[]) {
      return (await client.query(text, params)).rows as R[];
    },
    async messages(statements: readonly string[]) {
      const seen: string[] = [];
      await client.transaction(async (tx) => {
        await tx.query(`SET LOCAL client_min_messages = debug1`);
        for (const statement of statements) {
          await tx.query(statement, [], { onNotice: (notice) => seen.push(notice.message ?? "") });
        }
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
      return drizzlePglite(client, { logger: { logQuery: (query) => sink.push(query) } }) as unknown as Database;
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

/** `COPY ... FROM STDIN` through psql: postgres.js's COPY stream never reports a failed COPY (it just stops). */
function psqlCopyIn(url: string, target: string, data: string): void {
  const run = spawnChild("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", `\\copy ${target} FROM STDIN`], {
    input: data,
    encoding: "utf8",
  });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(run.stderr);
}

async function openPostgres(): Promise<TestDatabase> {
  const fresh = await createFreshDatabase(process.env.DATABASE_URL!, "spector_test");
  let sink: string[] | undefined;
  const client = postgres(fresh.url, { max: 4, onnotice: (notice) => sink?.push(String(notice.message)) });
  const db = drizzlePostgres(client);
  return {
    backend: "postgres",
    db: db as unknown as Database,
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
      psqlCopyIn(fresh.url, target, data);
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
      return drizzlePostgres(client, { logger: { logQuery: (query) => sink.push(query) } }) as unknown as Database;
    },
    withSchema<S extends Record<string, unknown>>(schema: S) {
      return drizzlePostgres(client, { schema }) as unknown as PgDatabase<
        PgQueryResultHKT,
        S,
        ExtractTablesWithRelations<S>
      >;
    },
    url: fresh.url,
    async close() {
      await client.end();
      await fresh.drop();
    },
  };
}

async function openNodePostgres(): Promise<TestDatabase> {
  const fresh = await createFreshDatabase(process.env.DATABASE_URL!, "spector_test");
  const pool = new pg.Pool({ connectionString: fresh.url, max: 4 });
  const open = new Set<Promise<void>>();
  pool.on("connect", (client) => {
    const ended = new Promise<void>((resolve) => client.once("end", resolve));
    open.add(ended);
    void ended.then(() => open.delete(ended));
  });
  const db = drizzleNodePg(pool);
  /** Runs `work` on one connection of the pool, in a transaction. */
  const inTransaction = async (work: (client: pg.PoolClient) => Promise<void>) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    } finally {
      client.release();
    }
  };
  return {
    backend: "node-postgres",
    db: db as unknown as Database,
    async query<R>(text: string, params?: unknown[]) {
      return (await pool.query(text, params)).rows as R[];
    },
    async messages(statements: readonly string[]) {
      const seen: string[] = [];
      await inTransaction(async (client) => {
        const listen = (notice: { message?: string }) => seen.push(notice.message ?? "");
        client.on("notice", listen);
        try {
          await client.query(`SET LOCAL client_min_messages = debug1`);
          for (const statement of statements) await client.query(statement);
        } finally {
          client.off("notice", listen);
        }
      });
      return seen;
    },
    async copyIn(target: string, data: string) {
      psqlCopyIn(fresh.url, target, data);
    },
    async execMigration(text: string) {
      await inTransaction(async (client) => {
        for (const statement of splitStatements(text)) await client.query(statement);
      });
    },
    async migrate(folder: string) {
      await migrateNodePg(db, { migrationsFolder: folder });
    },
    logged(sink: string[]) {
      return drizzleNodePg(pool, { logger: { logQuery: (query) => sink.push(query) } }) as unknown as Database;
    },
    withSchema<S extends Record<string, unknown>>(schema: S) {
      return drizzleNodePg(pool, { schema }) as unknown as PgDatabase<
        PgQueryResultHKT,
        S,
        ExtractTablesWithRelations<S>
      >;
    },
    url: fresh.url,
    async close() {
      // pool.end() resolves once it has asked its connections to close, not once they have: dropping
      // the database (WITH FORCE) before then kills their backends, and the FATAL 57P01 that comes
      // back is an uncaught error of the pool
      await pool.end();
      await Promise.all(open);
      await fresh.drop();
    },
  };
}

/**
 * Declares `suite` only when PostgreSQL is among the backends (`DATABASE_URL` set): a suite that needs
 * two sessions or a server process. Without it the suite is not declared, rather than shown skipped;
 * CI sets `DATABASE_URL`, and `backends()` fails a CI run without it.
 *
 * @example
 * ```ts
 * describePostgres("two sessions", () => {
 *   const t = useDatabase("postgres");
 * });
 * ```
 */
export function describePostgres(title: string, suite: () => void): void {
  if (backends().includes("postgres")) describe(title, suite);
}
