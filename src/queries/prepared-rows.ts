/**
 * Raw statements as the driver's prepared statements: parsed (and, once PostgreSQL settles on a
 * generic plan, planned) once per connection, where `rowQuery`'s are sent unnamed, and on postgres.js
 * each parameterized one described first, a round trip of its own, every time.
 *
 * @module
 */
import type { PgSession } from "drizzle-orm/pg-core";
import { names } from "../naming/index.js";
import { driverOptions } from "./driver.js";
import { rowsOf, type RowQuery } from "./rows.js";
import type { SpectorDatabase } from "./types.js";

/** Each statement text's name, per helper: computed once. */
const NAMES = new Map<string, string>();

/**
 * A {@link RowQuery} on `db` (a database or a transaction) whose statements go through its Drizzle
 * session's prepared queries, each under a name of its own (`names.preparedStatement(helper, text)`),
 * unless `spectorDriver(db, { namedStatements: false })` turned naming off (node-postgres behind a
 * transaction-mode pooler; postgres.js then follows its own `prepare` option, which a client made with
 * `prepare: false` sets for every statement). The parameters go to the driver as they are: `$1`-style,
 * an array a PostgreSQL array. For the few statements a helper runs on every call, in transactions
 * that are new objects each time (a consumer's batch), where a Drizzle query would be built again.
 *
 * @example
 * ```ts
 * const [row] = await preparedRowQuery(tx, "lock_checkpoint")("SELECT $1::int AS n", [1]); // { n: 1 }
 * ```
 */
export function preparedRowQuery(db: SpectorDatabase, helper: string): RowQuery {
  const named = driverOptions(db).namedStatements;
  const session = (db as unknown as { session: PgSession }).session;
  return async (text, params) => {
    let name: string | undefined;
    if (named) {
      const key = `${helper}\n${text}`;
      name = NAMES.get(key);
      if (name === undefined) NAMES.set(key, (name = names.preparedStatement(helper, text)));
    }
    return rowsOf(await session.prepareQuery({ sql: text, params }, undefined, name, false).execute());
  };
}
