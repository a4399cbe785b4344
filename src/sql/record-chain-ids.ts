/**
 * The ids of a record chain (`hashed: "record"`): `next_event_id_T(parent uuid)`, the SQL function that
 * makes an id the record-chain trigger accepts for a new event of a record, for writers in raw SQL
 * (psql, another language, PostgreSQL 15 without `uuidv7()`).
 *
 * @module
 */
import { COLUMNS, names } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { PINNED_SEARCH_PATH, type RuleFunction } from "./rule-objects.js";

/**
 * A PL/pgSQL block that sets `target` to a UUIDv7 after `last` (an expression, `NULL` for none): one of
 * the database's clock (`clock_timestamp()`, 74 random bits from `gen_random_uuid()`), or, when that is
 * not after `last` (a later id written by a clock ahead), `last` plus a random 1 to 2^31 in its 62 bits
 * of `rand_b` (its timestamp, version and variant kept), so that two writers that read the same `last`
 * do not make the same id; `fail` runs should `rand_b` overflow.
 *
 * @example
 * ```ts
 * uuidAfterBlock("v_last_id", "NEW.id", "RAISE EXCEPTION 'no id left';");
 * ```
 */
export function uuidAfterBlock(last: string, target: string, fail: string): string {
  return `DECLARE
    v_next bytea;
    v_low bigint;
  BEGIN
    -- 48 bits of Unix milliseconds, then the random bits of a UUIDv4 with its version made 7
    v_next := substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3 FOR 6)
              || substring(uuid_send(gen_random_uuid()) FROM 7 FOR 10);
    v_next := set_byte(v_next, 6, (get_byte(v_next, 6) & 15) | 112);
    IF ${last} IS NULL OR encode(v_next, 'hex')::uuid > ${last} THEN
      ${target} := encode(v_next, 'hex')::uuid;
    ELSE
      v_next := uuid_send(${last});
      v_low := (('x' || encode(substring(v_next FROM 9 FOR 8), 'hex'))::bit(64)::bigint & 4611686018427387903)
               + floor(random() * 2147483648)::bigint + 1;
      IF v_low > 4611686018427387903 THEN
        ${fail}
      END IF;
      ${target} := encode(substring(v_next FROM 1 FOR 8) || int8send(v_low | (2::bigint << 62)), 'hex')::uuid;
    END IF;
  END;`;
}

/**
 * `T.next_event_id_T(parent uuid) RETURNS uuid`, a function of the record-chain rule: a UUIDv7 after
 * record `parent`'s last id ({@link uuidAfterBlock}), the last id read from `T` (by its `parent_id`
 * index) with the caller's privileges and row-level security: `SECURITY INVOKER`, with the rules'
 * pinned `search_path`. An id it returns can still be refused (40001) when another event of the record
 * commits first: make a new one and retry, or send no id (`NULL`), which the trigger fills under the
 * record's lock. `drizzle-spector check` compares it as it compares the rule's trigger function.
 *
 * @example
 * ```ts
 * nextEventIdFunction(meta).name; // "next_event_id_events"
 * ```
 */
export function nextEventIdFunction(meta: EventTableMeta): RuleFunction {
  const table = quoteQualified(meta.pgSchema, meta.name);
  const [id, parentId] = [quoteIdent(COLUMNS.id), quoteIdent(COLUMNS.parentId)];
  const body = `DECLARE
  v_last uuid;
  v_id uuid;
BEGIN
  SELECT e.${id} INTO v_last FROM ${table} AS e WHERE e.${parentId} = parent ORDER BY e.${id} DESC LIMIT 1;
  ${uuidAfterBlock("v_last", "v_id", noIdLeft(table, "parent", "v_last"))}
  RETURN v_id;
END`;
  return {
    schema: meta.pgSchema,
    name: names.recordChain.nextEventId(meta.name),
    source: `\n${body}\n`,
    securityDefiner: false,
    config: PINNED_SEARCH_PATH,
    arguments: "parent uuid",
    returns: { setOf: false, schema: "pg_catalog", type: "uuid" },
  };
}

/** The refusal when record `parent` (an expression) of `table` has no UUIDv7 left after `last` in its millisecond. */
export function noIdLeft(table: string, parent: string, last: string): string {
  return `RAISE EXCEPTION USING ERRCODE = '22003',
          MESSAGE = format('drizzle-spector: record %s of %s has no UUIDv7 left after its last id %s in its millisecond', ${parent}, ${quoteLiteral(table)}, ${last});`;
}

/**
 * The lines of a record-heads trigger that check a later event's id under the record's lock, the
 * record's last id in `v_last_id`: the record's own id again is `duplicate`; no id gets one after
 * `v_last_id` ({@link uuidAfterBlock}); an id not after it is `notAfter`. `id` and `parent` are the
 * quoted columns, `table` the quoted events table. Lines after the first are indented for a block
 * nested once in the function's body.
 *
 * @example
 * ```ts
 * laterIdChecks('"id"', '"parent_id"', '"public"."events"', "RAISE EXCEPTION 'duplicate';", "RAISE EXCEPTION 'not after';");
 * ```
 */
export function laterIdChecks(id: string, parent: string, table: string, duplicate: string, notAfter: string): string {
  return `IF NEW.${id} = NEW.${parent} THEN
      ${duplicate}
    END IF;
    IF NEW.${id} IS NULL THEN
      -- no id sent: one after the record's last, under its lock
      ${uuidAfterBlock("v_last_id", `NEW.${id}`, noIdLeft(table, `NEW.${parent}`, "v_last_id"))}
    END IF;
    IF NEW.${id} <= v_last_id THEN
      ${notAfter}
    END IF;`;
}
