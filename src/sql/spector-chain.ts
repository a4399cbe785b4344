/**
 * The SQL of Spector's chain (`hashed: true`): the function `chain_append_T(...)` that `appendEvent`
 * calls in one `SELECT`, so that an append is one statement on every driver (no interactive
 * transaction: none on neon-http or `pg-proxy`, none for a transaction-mode pooler to mishandle).
 *
 * It takes Spector's lock first, `LOCK TABLE T IN EXCLUSIVE MODE`, as Spector's Elixir writers do, so
 * that they and `appendEvent` append one at a time (first: an `INSERT` that called it would hold `T`'s
 * ROW EXCLUSIVE lock already, and two such appends would deadlock upgrading it). Then it reads the
 * chain's last hash (by `inserted_at`, then `id`) and the `inserted_at` the new event must exceed, and
 * inserts the event with its hash, SHA-256 over the last hash's hex, `:`, and the bytes it is given.
 * A PL/pgSQL function at READ COMMITTED takes a new snapshot for each statement it runs: those reads
 * see every append committed before the lock was granted. At a higher isolation level the
 * transaction's one snapshot could predate the lock and fork the chain: the function refuses it
 * ({@link SPECTOR_CHAIN_ISOLATION}).
 *
 * @module
 */
import { COLUMNS, HEAD_COLUMNS, names, type TableName } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { createStatements, PINNED_SEARCH_PATH, type RuleFunction, type RuleObjects } from "./rule-objects.js";

/**
 * How `chain_append_T()` refuses a transaction above READ COMMITTED: SQLSTATE `25001`
 * (`active_sql_transaction`, the transaction's state forbids it) and a message naming the table and the
 * isolation level. `appendEvent` checks the level of a caller's transaction before it appends and throws
 * a `SpectorOptionError` then; this is for a session whose default isolation level is higher.
 *
 * @example
 * ```ts
 * SPECTOR_CHAIN_ISOLATION.sqlstate; // "25001"
 * ```
 */
export const SPECTOR_CHAIN_ISOLATION = {
  sqlstate: "25001",
  message: "drizzle-spector: appending to hashed table %s needs READ COMMITTED, not %s",
} as const;

/**
 * The arguments of `chain_append_T(...)`, in order, as `pg_get_function_identity_arguments` renders
 * them: the new event's id, its record (`NULL` to start one), schema, action and payload, and the bytes
 * Spector hashes after the previous hash's prefix (`spectorHashTail`).
 */
export const CHAIN_APPEND_ARGUMENTS = [
  ["event_id", "uuid"],
  ["record_id", "uuid"],
  ["event_schema", "integer"],
  ["event_action", "integer"],
  ["event_payload", "jsonb"],
  ["hash_tail", "bytea"],
] as const;

/**
 * The arguments of `chain_append_at_T(...)` (a `hashed: true` table with `versioned: true`): the
 * version the record must be at (its event count and last id), then those of `chain_append_T(...)`.
 */
export const CHAIN_APPEND_AT_ARGUMENTS = [
  ["expected_count", "bigint"],
  ["expected_last", "uuid"],
  ...CHAIN_APPEND_ARGUMENTS,
] as const;

/**
 * The body of `chain_append_T(...)`, or, with `atVersion`, of `chain_append_at_T(...)`, which after the
 * lock compares record `record_id`'s head (read through `lock_record_T`) with the expected version and
 * appends nothing when it differs.
 */
export function appendBody(meta: TableName, atVersion = false): string {
  const table = quoteQualified(meta.pgSchema, meta.name);
  const [chain, parent] = [quoteIdent(names.alias.chain), quoteIdent(names.alias.parent)];
  const col = (alias: string, c: string) => `${alias}.${quoteIdent(c)}`;
  const q = quoteIdent;
  const columns = [
    COLUMNS.id,
    COLUMNS.parentId,
    COLUMNS.schema,
    COLUMNS.action,
    COLUMNS.payload,
    COLUMNS.hash,
    COLUMNS.insertedAt,
  ]
    .map(q)
    .join(", ");
  const values = (parentId: string) =>
    `event_id, ${parentId}, event_schema, event_action, event_payload, new_hash, new_inserted_at`;
  return `DECLARE
  isolation text := current_setting('transaction_isolation');
  last_hash bytea;
  new_hash bytea;
  new_inserted_at timestamp;
BEGIN
  IF isolation <> 'read committed' THEN
    RAISE EXCEPTION USING
      ERRCODE = ${quoteLiteral(SPECTOR_CHAIN_ISOLATION.sqlstate)},
      MESSAGE = format(${quoteLiteral(SPECTOR_CHAIN_ISOLATION.message)}, ${quoteLiteral(table)}, upper(isolation)),
      HINT = 'Its snapshot could predate the lock and fork the chain: append outside a transaction, or in a READ COMMITTED one.';
  END IF;
  LOCK TABLE ${table} IN EXCLUSIVE MODE;
  -- each statement from here on reads a new snapshot: every append committed before the lock was granted
${atVersion ? versionCheck(meta) : ""}  SELECT ${col(chain, COLUMNS.hash)} INTO last_hash FROM ${table} AS ${chain}
    ORDER BY ${col(chain, COLUMNS.insertedAt)} DESC, ${col(chain, COLUMNS.id)} DESC LIMIT 1;
  new_hash := sha256(coalesce(convert_to(encode(last_hash, 'hex') || ':', 'UTF8'), ''::bytea) || hash_tail);
  new_inserted_at := greatest(clock_timestamp() AT TIME ZONE 'utc',
    (SELECT max(${col(chain, COLUMNS.insertedAt)}) FROM ${table} AS ${chain}) + interval '1 microsecond');
  IF record_id IS NULL THEN
    RETURN QUERY INSERT INTO ${table} (${columns}) VALUES (${values("event_id")}) RETURNING *;
  ELSE
    -- nothing when record_id is no record's first event
    RETURN QUERY INSERT INTO ${table} (${columns})
      SELECT ${values(col(parent, COLUMNS.id))} FROM ${table} AS ${parent}
       WHERE ${col(parent, COLUMNS.id)} = record_id AND ${col(parent, COLUMNS.parentId)} = ${col(parent, COLUMNS.id)}
      RETURNING *;
  END IF;
END`;
}

/**
 * The check of `chain_append_at_T`: under the chain's lock (every append to the table waits for it,
 * and each one moves its record's head), the head as `lock_record_T` returns it must say the expected
 * version; otherwise nothing is appended (no row returned), as for no such record.
 */
function versionCheck(meta: TableName): string {
  const lock = quoteQualified(meta.pgSchema, names.recordChain.lockRecord(meta.name));
  const [count, last] = [quoteIdent(HEAD_COLUMNS.eventCount), quoteIdent(HEAD_COLUMNS.lastId)];
  return `  IF NOT EXISTS (SELECT FROM ${lock}(record_id) AS h
                  WHERE h.${count} = expected_count AND h.${last} = expected_last) THEN
    RETURN;
  END IF;
`;
}

/**
 * `chain_append_at_T(...)`, the function of a `hashed: true` table with `versioned: true`: an append to
 * Spector's chain (as `chain_append_T`, same lock, same hash) only when the record is at the expected
 * version. It is installed with the record heads (`sql/record-version.ts`), whose trigger and
 * `lock_record_T` it needs.
 */
export function spectorChainAtFunction(meta: EventTableMeta): RuleFunction {
  return {
    schema: meta.pgSchema,
    name: names.recordVersion.chainAppendAt(meta.name),
    source: `\n${appendBody(meta, true)}\n`,
    securityDefiner: false,
    config: PINNED_SEARCH_PATH,
    arguments: CHAIN_APPEND_AT_ARGUMENTS.map(([name, type]) => `${name} ${type}`).join(", "),
    returns: { setOf: true, schema: meta.pgSchema ?? "public", type: meta.name },
  };
}

/** The statement that removes `chain_append_at_T(...)` from events table `table`. */
export function dropSpectorChainAtStatement(table: TableName): string {
  const types = CHAIN_APPEND_AT_ARGUMENTS.map(([, type]) => type).join(", ");
  return `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.recordVersion.chainAppendAt(table.name))}(${types});`;
}

/**
 * The function of Spector's chain on events table `T`: `chain_append_T()`, `SECURITY INVOKER` (the lock
 * needs the caller's own UPDATE, DELETE or TRUNCATE privilege on `T`, as Spector's writers do) with the
 * rules' pinned `search_path`.
 */
export function spectorChainObjects(meta: EventTableMeta): RuleObjects {
  return {
    functions: [
      {
        schema: meta.pgSchema,
        name: names.spectorChain.function(meta.name),
        source: `\n${appendBody(meta)}\n`,
        securityDefiner: false,
        config: PINNED_SEARCH_PATH,
        arguments: CHAIN_APPEND_ARGUMENTS.map(([name, type]) => `${name} ${type}`).join(", "),
        returns: { setOf: true, schema: meta.pgSchema ?? "public", type: meta.name },
      },
    ],
    triggers: [],
  };
}

/** The statements that install `chain_append_T()`. */
export function spectorChainStatements(meta: EventTableMeta): string[] {
  return createStatements(spectorChainObjects(meta));
}

/** The statements that remove `chain_append_T()`. */
export function dropSpectorChainStatements(table: TableName): string[] {
  const types = CHAIN_APPEND_ARGUMENTS.map(([, type]) => type).join(", ");
  return [
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.spectorChain.function(table.name))}(${types});`,
  ];
}
