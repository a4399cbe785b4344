/**
 * The checkpoints table a consumer is given, resolved once: its quoted name, and the statements that
 * lock a consumer name and read or move its cursor.
 *
 * @module
 */
import { getTableColumns } from "drizzle-orm";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { SpectorOptionError } from "../errors.js";
import { httpDriver } from "../queries/driver.js";
import type { SpectorDatabase } from "../queries/types.js";
import { CONSUMER_COLUMNS } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";

/** A checkpoints table: its `schema.table` (the lock keys' prefix) and the SQL naming it and its columns. */
export interface Checkpoints {
  readonly key: string;
  readonly table: string;
  readonly name: string;
  readonly log: string;
  readonly cursor: string;
  readonly updatedAt: string;
}

/**
 * The checkpoints table given at `path`: a table with the columns of `consumerTable` (`name`, `log`,
 * `cursor`, `updated_at`), or a {@link SpectorOptionError} saying to make one with it.
 */
export function resolveCheckpoints(path: string, value: unknown): Checkpoints {
  let config: ReturnType<typeof getTableConfig> | undefined;
  try {
    config = getTableConfig(value as PgTable);
  } catch {
    config = undefined;
  }
  const columns = config === undefined ? undefined : getTableColumns(value as PgTable);
  const names = new Set(Object.values(columns ?? {}).map((c) => c.name));
  if (config === undefined || !Object.values(CONSUMER_COLUMNS).every((name) => names.has(name))) {
    throw new SpectorOptionError(path, value, 'a table made by `consumerTable("checkpoints")`, exported and migrated');
  }
  return {
    key: `${config.schema ?? "public"}.${config.name}`,
    table: quoteQualified(config.schema, config.name),
    name: quoteIdent(CONSUMER_COLUMNS.name),
    log: quoteIdent(CONSUMER_COLUMNS.log),
    cursor: quoteIdent(CONSUMER_COLUMNS.cursor),
    updatedAt: quoteIdent(CONSUMER_COLUMNS.updatedAt),
  };
}

/**
 * The advisory lock key of consumer `$1` (a lock key text from {@link lockText}) as SQL: one bigint,
 * the same in every session and PostgreSQL version (`hashtextextended`).
 */
export const LOCK_KEY_SQL = "pg_catalog.hashtextextended($1::pg_catalog.text, 0)";

/** The text hashed into the lock key of consumer `name` of checkpoints table `checkpoints`. */
export function lockText(checkpoints: Checkpoints, name: string): string {
  return `spector consumer ${checkpoints.key}/${name}`;
}

/** Checks a consumer name given at `path`: a non-empty string of at most 200 characters. */
export function checkConsumerName(path: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 200) {
    throw new SpectorOptionError(path, value, "a consumer name: a non-empty string of at most 200 characters");
  }
  return value;
}

/**
 * Refuses a database without interactive transactions (neon-http, `pg-proxy`) for `helper`, whose
 * batch or reset must commit with the checkpoint's lock held.
 */
export function refuseHttpDriver(db: SpectorDatabase, helper: string): void {
  const http = httpDriver(db);
  if (http !== undefined) {
    throw new SpectorOptionError(
      "db",
      `a ${http} database`,
      `a database with interactive transactions for \`${helper}\` (the checkpoint and its lock commit with the work): ${http} has none; use \`readAll\` and store its \`next\` with your writes`,
    );
  }
}
