/**
 * Scratch projects for the command-line suites: a folder with a drizzle-kit config (inside this
 * repository, so drizzle-kit and the drivers resolve from its node_modules), the command run as a user
 * runs it, and steps that build on each other.
 */
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, expect, test } from "vitest";
import type { ConsumerDatabase } from "../../src/index.js";
import { useDatabase, type BackendName, type TestDatabase } from "./backends.js";
import { spawnChild } from "./child-timeout.js";
import { randomName } from "./fresh-database.js";

export const ROOT = new URL("../..", import.meta.url).pathname;

/** The library's entry, for schema files to import. */
export const INDEX = join(ROOT, "src/index.ts");

/** A scratch project inside the repository, with `drizzle.config.ts` (`schema.ts`, `migrations/`). */
export function scratchProject(): string {
  const dir = join(ROOT, ".tmp", randomName("cli"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "drizzle.config.ts"),
    `export default { dialect: "postgresql", schema: "./schema.ts", out: "./migrations" };\n`,
  );
  return dir;
}

/**
 * Writes the app of the scratch project in `dir` (made if missing): a `drizzle.config.ts` with
 * `credentials` (config text, as {@link ProjectDatabase.credentials} gives it) and `schema` as its
 * `schema.ts`.
 */
export function writeApp(dir: string, credentials: string, schema: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "drizzle.config.ts"),
    `export default { dialect: "postgresql", schema: "./schema.ts", ${credentials} };\n`,
  );
  writeFileSync(join(dir, "schema.ts"), schema);
}

/** A scratch project for the describe block this is called in, removed after it. */
export function useScratchProject(): string {
  const dir = scratchProject();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs the command line as a user would (`drizzle-spector ...`), without a terminal, with `env` as
 * its whole environment when given.
 */
export function runCli(cwd: string, args: readonly string[], env?: Record<string, string | undefined>) {
  return spawnChild(
    process.execPath,
    [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "src/cli/main.ts"), ...args],
    { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...(env ? { env } : {}) },
  );
}

/**
 * Declares tests that build on each other, in order: each step starts from what the step before it
 * left. A step whose predecessor did not pass fails at once and says so.
 */
export function steps(): (title: string, fn: () => Promise<void> | void) => void {
  let passed = 0;
  let declared = 0;
  return (title, fn) => {
    const index = ++declared;
    test(`step ${index}: ${title}`, async () => {
      expect(passed, `step ${index} starts from what step ${index - 1} left, but step ${index - 1} did not pass`).toBe(
        index - 1,
      );
      await fn();
      passed = index;
    });
  };
}

/** Runs one statement on a project's database and returns its rows. */
export type Query = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The database a scratch project's config names (see {@link useProjectDatabase}). */
export interface ProjectDatabase {
  /** The PostgreSQL database, or `undefined` on PGlite (whose folder the commands open on their own). */
  readonly pg: TestDatabase | undefined;
  /** The config's `driver` and `dbCredentials`, as config text (once the suite's `beforeAll` has run). */
  credentials(): string;
  /**
   * Runs `work` on the database. A PGlite folder is opened for it alone, and handed over too (the
   * commands open the folder on their own).
   */
  inDatabase<T>(work: (query: Query, client?: PGlite) => Promise<T>): Promise<T>;
  /**
   * Runs `work` with a Drizzle database on the project's database: PGlite on the folder opened for it
   * alone, or postgres.js with at most `connections` connections (1 by default), closed after.
   */
  withDb<T>(work: (db: ConsumerDatabase) => Promise<T>, connections?: number): Promise<T>;
}

/**
 * The database the commands of the scratch project in `dir` run on, for the describe block this is
 * called in: a fresh PostgreSQL database on `backend`, or for PGlite the data folder `./pgdata` of the
 * project.
 */
export function useProjectDatabase(backend: BackendName, dir: string): ProjectDatabase {
  const pg = backend === "pglite" ? undefined : useDatabase(backend);
  const inDatabase: ProjectDatabase["inDatabase"] = async (work) => {
    if (pg) return work((text, params) => pg.query(text, params));
    const client = new PGlite(join(dir, "pgdata"));
    try {
      return await work(
        async (text, params) => (await client.query<Record<string, unknown>>(text, params)).rows,
        client,
      );
    } finally {
      await client.close();
    }
  };
  return {
    pg,
    credentials: () =>
      pg ? `dbCredentials: { url: ${JSON.stringify(pg.url)} }` : `driver: "pglite", dbCredentials: { url: "./pgdata" }`,
    inDatabase,
    withDb: (work, connections = 1) =>
      inDatabase(async (_query, client) => {
        if (client) return work(drizzlePglite(client) as unknown as ConsumerDatabase);
        const sql = postgres(pg!.url!, { max: connections });
        try {
          return await work(drizzlePostgres(sql) as unknown as ConsumerDatabase);
        } finally {
          await sql.end();
        }
      }),
  };
}
