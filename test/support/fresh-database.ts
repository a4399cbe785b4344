/**
 * A database of its own on a PostgreSQL server: created with a random name, dropped (with FORCE) when
 * done. Used by the PostgreSQL test suites, the benchmark and the demo, so that no run sees another's
 * leftovers.
 */
import postgres from "postgres";
import { randomBytes } from "node:crypto";

/** A name nobody else uses, for a database, a role or a scratch folder: `<prefix>_<12 hex digits>`. */
export function randomName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

export interface FreshDatabase {
  readonly name: string;
  /** The connection URL of the new database. */
  readonly url: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

/** Creates an empty database named `<prefix>_<random hex>` on the server of `serverUrl`. */
export async function createFreshDatabase(serverUrl: string, prefix: string): Promise<FreshDatabase> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const name = randomName(prefix);
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.end();
    throw new Error(`cannot create a database on ${serverUrl}: ${(error as Error).message}`);
  }
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  return {
    name,
    url: target.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
