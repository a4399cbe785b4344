/**
 * Reading a same-parent violation back from the error a link insert threw, to throw a
 * `SpectorSameParentError` instead of the driver's error wrapped in Drizzle's.
 *
 * @module
 */
import { SpectorSameParentError } from "../errors.js";
import { displayName } from "../naming/index.js";
import { SAME_PARENT_VIOLATION } from "../sql/same-parent/index.js";
import type { LinkTableMeta } from "../tables/meta.js";

/** The rule's message as a pattern: each `%s` of its `format()` template is one group. */
const MESSAGE = new RegExp(
  `^${SAME_PARENT_VIOLATION.message
    .split("%s")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("(.+?)")}$`,
);

/**
 * The fields a driver's error carries (node-postgres and PGlite name them one way, postgres.js another;
 * Bun.SQL keeps the SQLSTATE in `errno`, its `code` being `"ERR_POSTGRES_SERVER_ERROR"`).
 */
export interface DriverError {
  /** The SQLSTATE. */
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly message?: unknown;
  readonly table?: unknown;
  readonly table_name?: unknown;
  readonly schema?: unknown;
  readonly schema_name?: unknown;
  readonly cause?: unknown;
}

/** Bun.SQL's `code` of an error PostgreSQL sent; its SQLSTATE is in `errno`. */
const BUN_SERVER_ERROR = "ERR_POSTGRES_SERVER_ERROR";

/** PostgreSQL's serialization failure (SQLSTATE 40001). */
export const SERIALIZATION_FAILURE = "40001";

/**
 * The PostgreSQL error behind `error`: the first error of its `cause` chain with a `code`, its `code`
 * the SQLSTATE whatever the driver (Bun.SQL's `errno` read as the `code`).
 *
 * @example
 * ```ts
 * driverError(new DrizzleQueryError("INSERT ...", [], postgresError))?.code; // "23514"
 * ```
 */
export function driverError(error: unknown): DriverError | undefined {
  let current = error as DriverError | undefined;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    if (current.code === BUN_SERVER_ERROR && typeof current.errno === "string") {
      const { message, table, schema, cause } = current;
      return { code: current.errno, message, table, schema, cause };
    }
    if (current.code !== undefined) return current;
    current = current.cause as DriverError | undefined;
  }
  return undefined;
}

/**
 * A `SpectorSameParentError` for `error` when it is the same-parent rule of link table `link` refusing
 * a link, else `undefined`. The rule is recognised by all it reports: SQLSTATE 23514, its message (the
 * same template, naming `link` and its foreign key column) and, where the driver gives them, the
 * schema and table of the error. A `CHECK` constraint of the user's on the same table has the same
 * SQLSTATE but neither the message nor, then, this class.
 *
 * @example
 * ```ts
 * try {
 *   await db.insert(links.table).values(row);
 * } catch (error) {
 *   throw sameParentError(error, links.meta) ?? error;
 * }
 * ```
 */
export function sameParentError(error: unknown, link: LinkTableMeta): SpectorSameParentError | undefined {
  const found = driverError(error);
  if (found?.code !== SAME_PARENT_VIOLATION.sqlstate || typeof found.message !== "string") return undefined;
  const match = MESSAGE.exec(found.message);
  if (!match) return undefined;
  const [, eventParent, otherParent, table, eventId, foreignKey, otherId] = match as unknown as string[];
  if (table !== link.name || foreignKey !== link.foreignKey) return undefined;
  const reportedTable = found.table ?? found.table_name;
  const reportedSchema = found.schema ?? found.schema_name;
  if (reportedTable !== undefined && reportedTable !== link.name) return undefined;
  if (reportedSchema !== undefined && reportedSchema !== (link.pgSchema ?? "public")) return undefined;
  const parent = (text: string) => (text === SAME_PARENT_VIOLATION.noEvent ? undefined : text);
  return new SpectorSameParentError(
    {
      table: displayName(link),
      foreignKey: link.foreignKey,
      eventId: eventId!,
      eventParentId: parent(eventParent!),
      otherId: otherId!,
      otherParentId: parent(otherParent!),
    },
    error,
  );
}
