/**
 * The pg_dump / pg_restore suites' scaffolding (PostgreSQL only): the server's binaries, statements
 * run on a URL, a URL as another user, and a scratch of a source dump, a role and the databases
 * restored into, cleaned up after the suite.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll } from "vitest";
import type { TestDatabase } from "./backends.js";
import { createFreshDatabase, randomName, type FreshDatabase } from "./fresh-database.js";

/** The folder of the PostgreSQL binaries (`pg_dump`, `pg_restore`). */
export const BIN = "/usr/lib/postgresql/15/bin";

/** Runs `statements` on `url`, one after the other. */
export async function run(url: string, statements: readonly string[]): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    for (const statement of statements) await client.unsafe(statement);
  } finally {
    await client.end();
  }
}

/** `url` as user `role`. */
export const as = (url: string, role: string) => {
  const target = new URL(url);
  target.username = role;
  return target.toString();
};

/** What {@link useRestoreScratch} gives a suite. */
export interface RestoreScratch {
  /** The path of the source's dump (`pg_dump -Fc`), once {@link RestoreScratch.dumpSource} has run. */
  readonly dump: string;
  /** A login role that is not a superuser, made by {@link RestoreScratch.dumpSource}. */
  readonly owner: string;
  /** Dumps the source database into {@link RestoreScratch.dump}, then makes the role {@link RestoreScratch.owner}. */
  dumpSource(): Promise<void>;
  /** A new database on the server; built from the migrations (as `role`, who then owns it) when `migrated`. */
  target(migrated: boolean, role?: string): Promise<string>;
}

/**
 * A dump-and-restore scratch for the describe block this is called in, on the server of `source`: a
 * temporary folder named from `folder` for the dump, a role, and the databases `target` makes (named
 * from `database`, built with the SQL `migrations` gives). After the block: the databases dropped, the
 * role dropped, the folder removed.
 */
export function useRestoreScratch(
  source: TestDatabase,
  options: { folder: string; database: string; migrations: () => Promise<string> },
): RestoreScratch {
  const folder = mkdtempSync(join(tmpdir(), options.folder));
  const dump = join(folder, "source.dump");
  const owner = randomName("restore_owner");
  const made: FreshDatabase[] = [];

  afterAll(async () => {
    for (const database of made) await database.drop();
    await run(source.url!, [`DROP ROLE IF EXISTS ${owner}`]);
    rmSync(folder, { recursive: true, force: true });
  });

  return {
    dump,
    owner,
    async dumpSource() {
      execFileSync(join(BIN, "pg_dump"), ["-Fc", "-f", dump, "-d", source.url!]);
      await run(source.url!, [`CREATE ROLE ${owner} LOGIN`]);
    },
    async target(migrated, role) {
      const database = await createFreshDatabase(source.url!, options.database);
      made.push(database);
      if (role !== undefined) {
        await run(database.url, [
          `ALTER DATABASE ${database.name} OWNER TO ${role}`,
          `ALTER SCHEMA public OWNER TO ${role}`,
        ]);
      }
      if (migrated) await run(as(database.url, role ?? new URL(source.url!).username), [await options.migrations()]);
      return database.url;
    },
  };
}
