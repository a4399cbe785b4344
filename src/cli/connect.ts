/**
 * The database a command reads: found from `DATABASE_URL` or the config's `dbCredentials`, and opened
 * with the PostgreSQL driver the user's project has (node-postgres, else postgres.js; PGlite when the
 * config says `driver: "pglite"`), resolved from the project's folder as drizzle-kit resolves it. The
 * library depends on none of them, so none is imported here by name: each is loaded only if found.
 *
 * Everything a command asks goes through {@link CatalogQuery}, so what it does with the answers does
 * not depend on the driver.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { CatalogQuery } from "../check/query.js";
import { GenerateError } from "../errors.js";

export type { CatalogQuery } from "../check/query.js";

/** The drivers a command can connect with. */
export type DriverName = "pg" | "postgres" | "pglite";

/** An open connection. */
export interface Connection {
  readonly query: CatalogQuery;
  /** The driver package it was opened with. */
  readonly driver: DriverName;
  /** What it connects to, for messages: the URL without its password, or PGlite's folder, and where that came from. */
  readonly target: string;
  close(): Promise<void>;
}

/** `dbCredentials` of a drizzle-kit config for PostgreSQL: a URL, or its parts (`ssl` as drizzle-kit takes it). */
export interface DbCredentials {
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  readonly ssl?: boolean | "require" | "allow" | "prefer" | "verify-full" | Record<string, unknown>;
}

/** The parts of a drizzle-kit config that say where the database is. */
export interface ConnectionConfig {
  readonly driver?: string;
  readonly dbCredentials?: DbCredentials;
}

/**
 * Opens the database to check: `DATABASE_URL` from `env` if set, else the config's `dbCredentials`.
 * A `postgres://` or `postgresql://` URL (or host, user, ... credentials) is opened with the project's
 * `pg`, else its `postgres`; with `driver: "pglite"` in the config, any other URL is PGlite's data
 * folder (relative to `cwd`; a `file:` prefix is dropped, as drizzle-kit does).
 *
 * @example
 * ```ts
 * const connection = await connect(project.cwd, project.config, process.env);
 * try {
 *   console.log(await connection.query("SELECT current_database() AS name", []));
 * } finally {
 *   await connection.close();
 * }
 * ```
 * @throws {GenerateError} when no database is named, `DATABASE_URL` is set but empty or not a URL (rather
 * than letting the driver fall back to a default database), no driver is installed, or the connection fails.
 */
export async function connect(
  cwd: string,
  config: ConnectionConfig,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Connection> {
  const fromEnv = env.DATABASE_URL !== undefined;
  if (fromEnv) refuseUrl(env.DATABASE_URL!, config);
  const credentials: DbCredentials | undefined = fromEnv ? { url: env.DATABASE_URL } : config.dbCredentials;
  const source = fromEnv ? "DATABASE_URL" : "the config's dbCredentials";
  if (credentials === undefined || typeof credentials !== "object") {
    throw new GenerateError("no database to check: set DATABASE_URL, or `dbCredentials` in the drizzle-kit config");
  }
  const url = typeof credentials.url === "string" ? credentials.url : undefined;
  const network = url === undefined || /^postgres(ql)?:\/\//i.test(url);
  if (config.driver === "pglite" && !network) return connectPglite(cwd, url!, source);
  if (config.driver !== undefined && config.driver !== "pglite" && !fromEnv) {
    throw new GenerateError(
      `the config's driver "${config.driver}" is not one drizzle-spector check can use: set DATABASE_URL to a postgres:// URL`,
    );
  }
  if (url === undefined && credentials.host === undefined) {
    throw new GenerateError(`${source} has neither \`url\` nor \`host\`: no database to check`);
  }
  const target = `${url === undefined ? describeParts(credentials) : hidePassword(url)} (from ${source})`;
  const pg = (await loadFrom(cwd, "pg")) as PgModule | undefined;
  if (pg !== undefined) return opened(target, () => connectPg(pg, credentials, target));
  const postgres = (await loadFrom(cwd, "postgres")) as PostgresFactory | undefined;
  if (postgres !== undefined) return opened(target, () => connectPostgres(postgres, credentials, target));
  throw new GenerateError(
    `cannot connect to ${target}: drizzle-spector check uses your project's PostgreSQL driver and found neither ` +
      `\`pg\` nor \`postgres\` from ${cwd}. Install one (\`npm install --save-dev pg\`), as drizzle-kit needs one too`,
  );
}

/**
 * Refuses a `DATABASE_URL` that is set but names no database: empty (or blank), where a driver would
 * connect to its default database (the user's, on `localhost`), or not a `postgres://` /
 * `postgresql://` URL that parses. With `driver: "pglite"` in the config, any other non-blank text is
 * PGlite's data folder. The value is shown with any password masked.
 */
function refuseUrl(url: string, config: ConnectionConfig): void {
  if (url.trim() === "") {
    throw new GenerateError(
      `DATABASE_URL is set but empty (${JSON.stringify(url)}): set it to the database's URL ` +
        "(postgres://user:password@host:5432/db), or unset it to use the config's dbCredentials; " +
        "drizzle-spector does not fall back to a default database",
    );
  }
  const network = /^postgres(ql)?:\/\//i.test(url);
  if (config.driver === "pglite" && !network) return;
  if (network && URL.canParse(url)) return;
  const masked = url.replace(/:[^:@/]*@/, ":***@");
  throw new GenerateError(
    `DATABASE_URL is not a PostgreSQL URL: ${JSON.stringify(masked.length > 120 ? `${masked.slice(0, 120)}...` : masked)}` +
      `${network ? " does not parse as a URL" : " does not start with postgres:// or postgresql://"}; ` +
      "expected postgres://user:password@host:5432/db (special characters in the password percent-encoded)",
  );
}

/** Runs `open`, then a first query, turning a failure into a `GenerateError` naming the target. */
async function opened(target: string, open: () => Promise<Connection>): Promise<Connection> {
  let connection: Connection | undefined;
  try {
    connection = await open();
    await connection.query("SELECT 1", []);
    return connection;
  } catch (error) {
    await connection?.close().catch(() => {});
    throw new GenerateError(`cannot connect to ${target}: ${(error as Error).message}`);
  }
}

/**
 * Imports package `name` as the project in `cwd` would find it, or `undefined` when it has none. The
 * CommonJS entry is resolved (every driver has one) and imported, so its exports are under `default`.
 */
async function loadFrom(cwd: string, name: string): Promise<unknown> {
  let path: string;
  try {
    path = createRequire(join(cwd, "package.json")).resolve(name);
  } catch {
    return undefined;
  }
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  return module.default ?? module;
}

/** drizzle-kit's reading of `ssl` for node-postgres: the libpq modes but `verify-full` skip verification. */
function pgSsl(ssl: DbCredentials["ssl"]): unknown {
  if (ssl === "prefer" || ssl === "require" || ssl === "allow") return { rejectUnauthorized: false };
  return ssl === "verify-full" ? {} : ssl;
}

/** What a command uses of node-postgres. */
interface PgModule {
  Client: new (config: Record<string, unknown>) => {
    connect(): Promise<void>;
    query(text: string, params: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
    on(event: "error", listener: (error: Error) => void): void;
    end(): Promise<void>;
  };
}

async function connectPg(pg: PgModule, credentials: DbCredentials, target: string): Promise<Connection> {
  const { url, ssl, ...parts } = credentials;
  const config =
    url !== undefined ? { connectionString: url } : { ...parts, ...(ssl === undefined ? {} : { ssl: pgSsl(ssl) }) };
  const client = new pg.Client(config);
  client.on("error", () => {}); // a dropped connection fails the query that uses it
  await client.connect();
  return {
    driver: "pg",
    target,
    query: async (text, params) => (await client.query(text, params)).rows,
    close: () => client.end(),
  };
}

/** What a command uses of postgres.js. */
type PostgresFactory = (...args: [string, Record<string, unknown>] | [Record<string, unknown>]) => {
  unsafe(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  end(options: { timeout: number }): Promise<void>;
};

async function connectPostgres(postgres: PostgresFactory, credentials: DbCredentials, target: string) {
  const options = { max: 1, onnotice: () => {} };
  const { url, ...parts } = credentials;
  const sql = url !== undefined ? postgres(url, options) : postgres({ ...parts, ...options });
  const connection: Connection = {
    driver: "postgres",
    target,
    query: async (text, params) => [...(await sql.unsafe(text, params))],
    close: () => sql.end({ timeout: 5 }),
  };
  return connection;
}

/** What a command uses of PGlite. */
interface PgliteModule {
  PGlite: new (dataDir: string) => {
    readonly waitReady: Promise<void>;
    query(text: string, params: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
    close(): Promise<void>;
  };
}

async function connectPglite(cwd: string, url: string, source: string): Promise<Connection> {
  const path = url.startsWith("file:") ? url.slice("file:".length) : url;
  const dataDir = /^[a-z]+:\/\//i.test(path) ? path : resolve(cwd, path);
  const target = `PGlite ${dataDir} (from ${source})`;
  if (dataDir === resolve(cwd, path) && !existsSync(dataDir)) {
    throw new GenerateError(`no PGlite database at ${dataDir} (from ${source})`);
  }
  const module = (await loadFrom(cwd, "@electric-sql/pglite")) as PgliteModule | undefined;
  if (module === undefined) {
    throw new GenerateError(
      `the config says driver "pglite", and @electric-sql/pglite is not installed in ${cwd}: ` +
        "`npm install --save-dev @electric-sql/pglite`",
    );
  }
  return opened(target, async () => {
    const db = new module.PGlite(dataDir);
    await db.waitReady;
    return {
      driver: "pglite",
      target,
      query: async (text, params) => (await db.query(text, params)).rows,
      close: () => db.close(),
    };
  });
}

/** A URL as messages show it: without its password. */
function hidePassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the database URL";
  }
}

function describeParts(credentials: DbCredentials): string {
  const user = credentials.user === undefined ? "" : `${credentials.user}@`;
  const port = credentials.port === undefined ? "" : `:${credentials.port}`;
  return `postgres://${user}${credentials.host}${port}/${credentials.database ?? ""}`;
}
