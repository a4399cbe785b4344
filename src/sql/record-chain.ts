/**
 * The record chain's SQL (`hashed: "record"`): a chain of SHA-256 hashes per record, kept by the
 * database. A `BEFORE INSERT` row trigger on the events table fills every new event's `hash` from its
 * record's head (`T_heads`: last id, last hash, count), whoever writes the row, and moves the head on.
 * What each hash covers is {@link recordDigest} and {@link recordHash}, which verification recomputes in SQL.
 *
 * @module
 */
import { COLUMNS, HEAD_COLUMNS, names, type TableName } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { backfillStatement } from "./record-chain-backfill.js";
import { laterIdChecks, nextEventIdFunction } from "./record-chain-ids.js";
import { formatMarker, formatStatement } from "./record-chain-format.js";
import {
  hashedColumnsOf,
  headsTableOf,
  RECORD_CHAIN_FORMAT,
  recordDigest,
  recordHash,
  type RecordChainFormat,
} from "./record-hash.js";
import { dropLockRecordStatement, lockRecordFunction } from "./record-lock.js";
import { createStatements, PINNED_SEARCH_PATH, type RuleObjects } from "./rule-objects.js";

/**
 * How far ahead of the database's clock (`clock_timestamp()`) a record-chain event id's UUIDv7 time may
 * be, in seconds: a writer's clock may run that much ahead of the database's. A later id is refused with
 * `RECORD_CHAIN_ERRORS.badId` (22023).
 *
 * @example
 * ```ts
 * const latest = new Date(Date.now() + RECORD_ID_MAX_AHEAD_SECONDS * 1000); // the latest time an id may carry
 * ```
 */
export const RECORD_ID_MAX_AHEAD_SECONDS = 60;

/**
 * How the record chain reports what it cannot chain: the SQLSTATE and message of each case.
 * - `noRecord`: an event of a record with no first event in the table (as the foreign key would);
 * - `unchained`: an event of a record whose events predate the record chain (no head);
 * - `duplicate`: a first event for a record that has one already;
 * - `notFirst`: an event whose `parent_id` is an event that is not a record's first;
 * - `notAfter`: an event whose id is not after its record's last id (retryable: make an id after it,
 *   with `next_event_id_T(parent_id)` in SQL; `appendEvent` does);
 * - `wrongHash`: an event that arrives with a `hash` other than the one the chain computes for it (a
 *   tampered dump, a forged hash); an event may arrive without one (`NULL`), the usual case;
 * - `badId`: an event id that is not a UUIDv7, or whose time is more than
 *   {@link RECORD_ID_MAX_AHEAD_SECONDS} ahead of the database's clock (such an id would stop every
 *   later append to its record);
 * - `elsewhere`: the function attached to a trigger on another table (refused: it is `SECURITY
 *   DEFINER`, and must move no head but its own table's).
 *
 * @example
 * ```ts
 * const code = (error as { cause?: { code?: string } }).cause?.code;
 * if (code === RECORD_CHAIN_ERRORS.noRecord.sqlstate) console.log("write the record's first event first");
 * ```
 */
export const RECORD_CHAIN_ERRORS = {
  noRecord: {
    sqlstate: "23503",
    message: "drizzle-spector: no record %s in %s: its first event must be written first",
  },
  unchained: {
    sqlstate: "55000",
    message:
      "drizzle-spector: record %s of %s has no record chain head: its events were written before the record chain was installed",
  },
  duplicate: { sqlstate: "23505", message: "drizzle-spector: record %s of %s has a first event already" },
  notFirst: {
    sqlstate: "23503",
    message: "drizzle-spector: %s in %s is not the first event of its record: parent_id must be a record's first event",
  },
  notAfter: {
    sqlstate: "40001",
    message:
      "drizzle-spector: event id %s is not after %s, the last id of record %s in %s: ids of a record must increase (retry with an id after it, e.g. from %s(parent_id))",
  },
  wrongHash: {
    sqlstate: "23514",
    message:
      "drizzle-spector: event %s of record %s in %s arrives with a hash that is not the one its record's chain computes (%s): refused, never replaced",
  },
  badId: {
    sqlstate: "22023",
    message: `drizzle-spector: event id %s of record %s in %s is not a UUIDv7 whose time is at most ${RECORD_ID_MAX_AHEAD_SECONDS} seconds ahead of the database clock (%s)`,
  },
  elsewhere: {
    sqlstate: "42501",
    message: "drizzle-spector: %s keeps the record chain of %s only, and was called by a trigger on %s",
  },
} as const;

/**
 * The body of `record_chain_T()`, the `BEFORE INSERT` row trigger function of events table `T`:
 * - An event whose id is taken already is left alone: the primary key refuses it, or `ON CONFLICT`
 *   skips it (an idempotent retry), and the head does not move for a row that is not written. (An id
 *   taken by a concurrent, uncommitted insert of another record is not seen: should `ON CONFLICT DO
 *   NOTHING` then skip the row, that record's head has moved, which `verifyChain` reports.)
 * - An id that is not a UUIDv7, or whose time is more than {@link RECORD_ID_MAX_AHEAD_SECONDS} ahead of
 *   the database's clock, is refused (`badId`, 22023): no writer can stop a record with an id such as
 *   `ffffffff-ffff-ffff-ffff-ffffffffffff`, after which no id would be left.
 * - A `hash` the writer sends is kept only when it is the one the chain computes; otherwise the row is
 *   refused (`wrongHash`, 23514), never stored with another hash. A row without one gets the chain's.
 * - An event of a record that has a head, with an id after the head's last id (the usual case), is
 *   chained by one `UPDATE` of the head, which computes the new hash from the head's last hash and
 *   returns it. The head's row lock serializes the appends of one record: under READ COMMITTED a
 *   concurrent append waits for it and then chains to its event; under REPEATABLE READ and
 *   SERIALIZABLE it fails with SQLSTATE 40001, never chaining to a stale head.
 * - An event sent without an id (`NULL`) of a record that has a head gets a UUIDv7 after the head's
 *   last id, made under the head's lock, so it is never refused as out of order.
 * - An id at or before the head's last id (clocks that disagree, UUIDv4 ids) is refused with
 *   `notAfter` (40001, retryable), read under the head's lock (`SELECT ... FOR UPDATE`): the id is
 *   stored as sent or not at all, and `ORDER BY id` is the chain's order within a record.
 * - A record's first event (`id = parent_id`) starts a chain: its head is inserted (`ON CONFLICT DO
 *   NOTHING`, which waits for a concurrent first event and then refuses a second one).
 *
 * Its first line names its `format` ({@link formatMarker}); format 1's body (the tests and the benchmark
 * build it, to migrate and compare) has none.
 */
export function chainFunctionBody(
  meta: EventTableMeta,
  hashed = true,
  format: RecordChainFormat = RECORD_CHAIN_FORMAT,
): string {
  const q = quoteIdent;
  const table = quoteQualified(meta.pgSchema, meta.name);
  const heads = headsTableOf(meta);
  const headsTable = quoteQualified(heads.pgSchema, heads.name);
  const [parentId, lastId, lastHash, count] = [
    HEAD_COLUMNS.parentId,
    HEAD_COLUMNS.lastId,
    HEAD_COLUMNS.lastHash,
    HEAD_COLUMNS.eventCount,
  ].map(q) as [string, string, string, string];
  const [id, eventParent, hash] = [q(COLUMNS.id), q(COLUMNS.parentId), q(COLUMNS.hash)];
  const digest = recordDigest(hashedColumnsOf("NEW"), format);
  const raise = (error: { sqlstate: string; message: string }, args = `NEW.${eventParent}, ${quoteLiteral(table)}`) =>
    `RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(error.sqlstate)},
        MESSAGE = format(${quoteLiteral(error.message)}, ${args}),
        SCHEMA = ${quoteLiteral(meta.pgSchema ?? "public")}, TABLE = ${quoteLiteral(meta.name)};`;
  const notAfter = raise(
    RECORD_CHAIN_ERRORS.notAfter,
    `NEW.${id}, v_last_id, NEW.${eventParent}, ${quoteLiteral(table)}, ${quoteLiteral(quoteQualified(meta.pgSchema, names.recordChain.nextEventId(meta.name)))}`,
  );
  const wrongHash = (computed: string) =>
    keep(`IF NEW.${hash} IS NOT NULL AND NEW.${hash} <> ${computed} THEN
      ${raise(RECORD_CHAIN_ERRORS.wrongHash, `NEW.${id}, NEW.${eventParent}, ${quoteLiteral(table)}, encode(${computed}, 'hex')`)}
    END IF;`);
  const taken = `EXISTS (SELECT FROM ${table} AS e WHERE e.${id} = NEW.${id})`;
  const fn = quoteQualified(
    meta.pgSchema,
    hashed ? names.recordChain.function(meta.name) : names.recordVersion.function(meta.name),
  );
  // without a chain (`versioned: true`): the head's last id and count alone, no hash
  const keep = (text: string) => (hashed ? text : "");
  // format 1's function had no such line: the migration to format 2 looks for it
  return `${format === 1 ? "" : keep(`${formatMarker(format)}\n`)}DECLARE
  v_last_id uuid;
  v_last_hash bytea;
BEGIN
  IF TG_TABLE_NAME <> ${quoteLiteral(meta.name)} OR TG_TABLE_SCHEMA <> ${quoteLiteral(meta.pgSchema ?? "public")}
     OR TG_OP <> 'INSERT' OR TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' THEN
    RAISE EXCEPTION USING ERRCODE = ${quoteLiteral(RECORD_CHAIN_ERRORS.elsewhere.sqlstate)},
      MESSAGE = format(${quoteLiteral(RECORD_CHAIN_ERRORS.elsewhere.message)}, ${quoteLiteral(`${fn}()`)}, ${quoteLiteral(table)},
                       format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME));
  END IF;
  IF ${taken} THEN
    RETURN NEW;
  END IF;
  -- the id's bytes, not its text: version 7 (byte 6's high nibble), variant 10 (byte 8's two high bits),
  -- and its 48-bit big-endian time (bytes 1-6) compared with the bound's, as bytes of the same length
  IF NEW.${id} IS NOT NULL AND (get_byte(uuid_send(NEW.${id}), 6) >> 4 <> 7 OR get_byte(uuid_send(NEW.${id}), 8) >> 6 <> 2
      OR substring(uuid_send(NEW.${id}) FROM 1 FOR 6)
         > substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + ${RECORD_ID_MAX_AHEAD_SECONDS * 1000}) FROM 3)) THEN
    ${raise(RECORD_CHAIN_ERRORS.badId, `NEW.${id}, NEW.${eventParent}, ${quoteLiteral(table)}, clock_timestamp()`)}
  END IF;
  UPDATE ${headsTable} AS h
     SET ${lastId} = NEW.${id},${keep(`
         ${lastHash} = ${recordHash(`h.${lastHash}`, digest)},`)}
         ${count} = h.${count} + 1
   WHERE h.${parentId} = NEW.${eventParent} AND h.${lastId} < NEW.${id}${keep(`
  RETURNING h.${lastHash} INTO v_last_hash`)};
  IF FOUND THEN
    ${wrongHash("v_last_hash")}${keep(`
    NEW.${hash} := v_last_hash;`)}
    RETURN NEW;
  END IF;
  SELECT h.${lastId}${keep(`, h.${lastHash}`)} INTO v_last_id${keep(", v_last_hash")}
    FROM ${headsTable} AS h WHERE h.${parentId} = NEW.${eventParent} FOR UPDATE;
  IF FOUND THEN
    -- under the head's lock: an insert of this id that committed while this one waited leaves it to the key
    IF ${taken} THEN
      RETURN NEW;
    END IF;
    ${laterIdChecks(id, eventParent, table, raise(RECORD_CHAIN_ERRORS.duplicate), notAfter)}
    ${keep(`v_last_hash := ${recordHash("v_last_hash", digest)};
    ${wrongHash("v_last_hash")}
    NEW.${hash} := v_last_hash;`)}
    UPDATE ${headsTable} AS h SET ${lastId} = NEW.${id},${keep(` ${lastHash} = NEW.${hash},`)} ${count} = h.${count} + 1
     WHERE h.${parentId} = NEW.${eventParent};
    RETURN NEW;
  END IF;
  IF NEW.${id} IS DISTINCT FROM NEW.${eventParent} THEN
    IF EXISTS (SELECT FROM ${table} AS e WHERE e.${id} = NEW.${eventParent} AND e.${eventParent} = e.${id}) THEN
      ${raise(RECORD_CHAIN_ERRORS.unchained)}
    END IF;
    IF EXISTS (SELECT FROM ${table} AS e WHERE e.${id} = NEW.${eventParent}) THEN
      ${raise(RECORD_CHAIN_ERRORS.notFirst)}
    END IF;
    ${raise(RECORD_CHAIN_ERRORS.noRecord)}
  END IF;
  ${keep(`v_last_hash := ${recordHash("NULL", digest)};
  ${wrongHash("v_last_hash")}
  NEW.${hash} := v_last_hash;`)}
  INSERT INTO ${headsTable} AS h (${parentId}, ${lastId},${keep(` ${lastHash},`)} ${count})
  VALUES (NEW.${eventParent}, NEW.${id},${keep(` NEW.${hash},`)} 1)
  ON CONFLICT (${parentId}) DO NOTHING;
  IF NOT FOUND THEN
    -- a concurrent first event of this record committed meanwhile: the same id leaves it to the key
    IF ${taken} THEN
      RETURN NEW;
    END IF;
    ${raise(RECORD_CHAIN_ERRORS.duplicate)}
  END IF;
  RETURN NEW;
END`;
}

/**
 * The function and trigger of the record chain on events table `T`: `record_chain_T()` and the
 * `BEFORE INSERT` row trigger `record_chain_T`. The function is `SECURITY DEFINER` with the rules'
 * pinned `search_path`: writers need no privilege on `T_heads`, and cannot change what it computes.
 */
export function recordChainObjects(meta: EventTableMeta, format: RecordChainFormat = RECORD_CHAIN_FORMAT): RuleObjects {
  const rule = names.recordChain;
  const table = { pgSchema: meta.pgSchema, name: meta.name };
  return {
    functions: [
      {
        schema: meta.pgSchema,
        name: rule.function(meta.name),
        source: `\n${chainFunctionBody(meta, true, format)}\n`,
        securityDefiner: true,
        config: PINNED_SEARCH_PATH,
      },
      nextEventIdFunction(meta),
      lockRecordFunction(meta),
    ],
    triggers: [
      {
        name: rule.trigger(meta.name),
        table,
        function: rule.function(meta.name),
        event: "BEFORE INSERT",
        level: "row",
      },
    ],
    tables: [headsTableOf(meta)],
  };
}

/**
 * The statements that install the record chain on events table `meta`: where it is new, first chain
 * the events already there; where it is chained in an older format, move it to this one; then the
 * function and the trigger.
 */
export function recordChainStatements(meta: EventTableMeta): string[] {
  return [backfillStatement(meta), formatStatement(meta), ...createStatements(recordChainObjects(meta))];
}

/** The statements that remove the record chain from events table `table` (its heads table is drizzle-kit's). */
export function dropRecordChainStatements(table: TableName): string[] {
  return [
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.recordChain.function(table.name))}() CASCADE;`,
    `DROP FUNCTION IF EXISTS ${quoteQualified(table.pgSchema, names.recordChain.nextEventId(table.name))}(uuid);`,
    dropLockRecordStatement(table),
  ];
}
