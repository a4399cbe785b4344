/**
 * `spectorDriver`: what the helpers may expect of a database's driver and of what stands between it and
 * PostgreSQL (a transaction-mode pooler), set once per Drizzle database.
 *
 * @module
 */
import { entityKind } from "drizzle-orm";
import { OPTIONS, at, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import type { SpectorDatabase } from "./types.js";

/** The options of {@link spectorDriver}. */
export interface SpectorDriverOptions {
  /**
   * Whether the read helpers (`listByParent`, `backtrace`, `aggregate`) and the appends to a record
   * (`appendEvents`, `appendEvent` with `expected`) prepare their statements under a name, so that
   * PostgreSQL parses and plans each once per connection. Default `true`: right on a direct
   * connection and on a session-mode pooler, where a name stays on the connection that prepared it
   * (postgres.js names its own statements and ignores this; PGlite, neon-http and `pg-proxy` have no
   * named statements).
   *
   * Set it to `false` for node-postgres (or `@neondatabase/serverless`' `Pool` / `Client`,
   * `@vercel/postgres`) behind a transaction-mode pooler (PgBouncer `pool_mode = transaction`,
   * Supavisor on port 6543, Neon's `-pooler` host): there each transaction may run on another server
   * connection, where the name is missing (SQLSTATE `26000`) or is another client's (`42P05`). The
   * helpers then send unnamed statements: parsed and planned on every call, never kept.
   */
  readonly namedStatements?: boolean;
}

/** The options set per database, keyed by what a database shares with its transactions. */
const DRIVER_OPTIONS = new WeakMap<object, Required<SpectorDriverOptions>>();

const DEFAULTS: Required<SpectorDriverOptions> = { namedStatements: true };

/**
 * Sets what the helpers may expect of `db`'s driver and returns `db` itself: call it once where the
 * database is made. The options hold for `db` and for every transaction of it (`db.transaction(tx => ...)`).
 *
 * @example
 * ```ts
 * import { drizzle } from "drizzle-orm/node-postgres";
 * // node-postgres through PgBouncer in transaction mode: no named prepared statements
 * const db = spectorDriver(drizzle(process.env.DATABASE_URL!), { namedStatements: false });
 * await listByParent(db, events, parentId);
 * ```
 * @throws {SpectorOptionError} when `db` is not a Drizzle database or an option is not as documented.
 */
export function spectorDriver<D extends SpectorDatabase>(db: D, options: SpectorDriverOptions): D {
  const key = driverKey(db);
  if (key === undefined) throw new SpectorOptionError("db", db, "a Drizzle PostgreSQL database (`drizzle(...)`)");
  const { namedStatements } = checkObject(OPTIONS, options, ["namedStatements"]) as SpectorDriverOptions;
  if (namedStatements !== undefined && typeof namedStatements !== "boolean") {
    throw new SpectorOptionError(at(OPTIONS, "namedStatements"), namedStatements, "`true`, `false` or left out");
  }
  DRIVER_OPTIONS.set(key, { ...DEFAULTS, ...(namedStatements === undefined ? {} : { namedStatements }) });
  return db;
}

/** The driver options of `db` (a database or one of its transactions): those set, or the defaults. */
export function driverOptions(db: SpectorDatabase): Required<SpectorDriverOptions> {
  const key = driverKey(db);
  return (key && DRIVER_OPTIONS.get(key)) ?? DEFAULTS;
}

/**
 * What a Drizzle database shares with its transactions: its dialect (every `drizzle()` call makes its
 * own, and hands it to each transaction).
 */
function driverKey(db: unknown): object | undefined {
  if (typeof db !== "object" || db === null) return undefined;
  const dialect = (db as { dialect?: unknown }).dialect;
  return typeof dialect === "object" && dialect !== null ? dialect : undefined;
}

/** Drizzle's sessions that run each statement on its own, over HTTP: no interactive transaction. */
const HTTP_SESSIONS: Readonly<Record<string, string>> = {
  NeonHttpSession: "neon-http",
  PgRemoteSession: "pg-proxy",
  XataHttpSession: "xata-http",
};

/**
 * The name of `db`'s driver when it has no interactive transactions (neon-http, `pg-proxy`): each
 * statement runs on its own, in a snapshot of its own. `undefined` for every other driver.
 */
export function httpDriver(db: SpectorDatabase): string | undefined {
  const kind = sessionKind(db);
  return kind === undefined ? undefined : HTTP_SESSIONS[kind];
}

/**
 * The Drizzle session class of `db` (its `entityKind`, e.g. `PostgresJsSession`), or `undefined`.
 *
 * @example
 * ```ts
 * sessionKind(drizzle(client)); // "PostgresJsSession"
 * ```
 */
export function sessionKind(db: SpectorDatabase): string | undefined {
  const session = (db as unknown as { session?: { constructor?: Record<symbol, unknown> } }).session;
  const kind = session?.constructor?.[entityKind];
  return typeof kind === "string" ? kind : undefined;
}

/**
 * The driver's client under `db`'s Drizzle session (a transaction's: the connection it runs on), or
 * `undefined` when it has none. Drizzle keeps it on its sessions as `client` (drizzle-orm 0.45): this
 * is the one place that reaches for it.
 *
 * @example
 * ```ts
 * await db.transaction(async (tx) => sessionClient(tx)); // postgres.js: the transaction's `sql`
 * ```
 */
export function sessionClient(db: unknown): unknown {
  return (db as { session?: { client?: unknown } } | undefined)?.session?.client;
}

/**
 * The drivers whose statements give rows as objects by column name, each value parsed as Drizzle's
 * `execute()` gets it (others, such as `pg-proxy`'s, give arrays or nothing), by the prefix of their
 * Drizzle classes' `entityKind`.
 */
const ROW_OBJECT_DRIVERS: ReadonlySet<string> = new Set([
  "PostgresJs",
  "NodePg",
  "Pglite",
  "Neon",
  "NeonHttp",
  "VercelPg",
]);

/**
 * Whether Drizzle class `kind` (an `entityKind`: a session's, `…Session`, or a prepared query's,
 * `…PreparedQuery`) belongs to a driver that gives rows as objects by column name.
 *
 * @example
 * ```ts
 * givesRowObjects("PostgresJsPreparedQuery", "PreparedQuery"); // true
 * givesRowObjects("PgRemoteSession", "Session"); // false (pg-proxy)
 * ```
 */
export function givesRowObjects(kind: unknown, suffix: "Session" | "PreparedQuery"): boolean {
  return typeof kind === "string" && kind.endsWith(suffix) && ROW_OBJECT_DRIVERS.has(kind.slice(0, -suffix.length));
}
