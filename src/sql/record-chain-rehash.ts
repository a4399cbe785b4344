/**
 * What the two migration statements that rewrite a table's record chain share (the backfill,
 * `record-chain-backfill.ts`, and the move to this version's format, `record-chain-format.ts`): the
 * table's quoted names, the append-only guard lifted and put back around the rewrite, and the loop that
 * hashes a table's events in `id` order per record.
 *
 * @module
 */
import { COLUMNS, names } from "../naming/index.js";
import type { EventTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteLiteral, quoteQualified } from "./quote.js";
import { hashedColumnsOf, headsTableOf, recordDigest, recordHash } from "./record-hash.js";

/** The quoted names a rewrite of a record chain uses. */
export interface RehashNames {
  /** The events table, qualified. */
  readonly table: string;
  /** Its heads table, qualified. */
  readonly headsTable: string;
  /** The append-only guard's trigger. */
  readonly guard: string;
  /** The events' `id`, `parent_id` and `hash` columns. */
  readonly id: string;
  readonly parentId: string;
  readonly hash: string;
}

/**
 * The quoted names of events table `meta` for a rewrite of its record chain.
 *
 * @example
 * ```ts
 * rehashNames(meta).headsTable; // '"public"."events_heads"'
 * ```
 */
export function rehashNames(meta: EventTableMeta): RehashNames {
  const heads = headsTableOf(meta);
  return {
    table: quoteQualified(meta.pgSchema, meta.name),
    headsTable: quoteQualified(heads.pgSchema, heads.name),
    guard: quoteIdent(names.appendOnly.trigger(meta.name)),
    id: quoteIdent(COLUMNS.id),
    parentId: quoteIdent(COLUMNS.parentId),
    hash: quoteIdent(COLUMNS.hash),
  };
}

/**
 * The PL/pgSQL lines that lift the append-only guard of `meta` for the rewrite, if it is there and
 * enabled (noted in `v_guarded`, for {@link restoreGuard}).
 *
 * @example
 * ```ts
 * const body = `...\n  ${liftGuard(meta, rehashNames(meta))}\n  ...`;
 * ```
 */
export function liftGuard(meta: EventTableMeta, { table, guard }: RehashNames): string {
  return `SELECT tgenabled <> 'D' INTO v_guarded FROM pg_catalog.pg_trigger
   WHERE tgrelid = ${quoteLiteral(table)}::pg_catalog.regclass AND tgname = ${quoteLiteral(names.appendOnly.trigger(meta.name))};
  IF v_guarded THEN
    EXECUTE ${quoteLiteral(`ALTER TABLE ${table} DISABLE TRIGGER ${guard}`)};
  END IF;`;
}

/**
 * The PL/pgSQL lines that put back the guard {@link liftGuard} lifted, then the migrating role's
 * `search_path` (saved in `v_path`).
 *
 * @example
 * ```ts
 * const end = `  ${restoreGuard(rehashNames(meta))}\nEND`;
 * ```
 */
export function restoreGuard({ table, guard }: RehashNames): string {
  return `IF v_guarded THEN
    EXECUTE ${quoteLiteral(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${guard}`)};
  END IF;
  PERFORM pg_catalog.set_config('search_path', v_path, true);`;
}

/** What a {@link rehashLoop} does besides hashing. */
export interface RehashSteps {
  /** The loop's record variable. */
  readonly row: string;
  /** The `FROM ... [WHERE ...]` of the events it hashes (`e` their alias). */
  readonly from: string;
  /** The statement that writes the head of the record just hashed (`v_parent`, `v_hash`). */
  readonly writeHead: string;
  /** Lines run at each new record (each with its line break and indentation first), or "". */
  readonly atRecord: string;
  /** Lines run after each event's hash (each with its line break and indentation first), or "". */
  readonly atEvent: string;
}

/**
 * The PL/pgSQL loop that hashes the events of `from` in `id` order per record into `v_hash` and writes
 * each event's hash, `writeHead` run at each change of record (`v_parent`).
 *
 * @example
 * ```ts
 * rehashLoop(rehashNames(meta), { row: "r", from: `FROM ${table} AS e`, writeHead, atRecord: "", atEvent: "" });
 * ```
 */
export function rehashLoop({ table, id, parentId, hash }: RehashNames, steps: RehashSteps): string {
  const { row, from, writeHead, atRecord, atEvent } = steps;
  return `FOR ${row} IN SELECT e.${id} AS id, e.${parentId} AS parent_id, ${recordDigest(hashedColumnsOf("e"))} AS digest
             ${from} ORDER BY e.${parentId}, e.${id} LOOP
    IF ${row}.parent_id IS DISTINCT FROM v_parent THEN
      IF v_parent IS NOT NULL THEN
        ${writeHead}
      END IF;
      v_parent := ${row}.parent_id;
      v_hash := NULL;${atRecord}
    END IF;
    v_hash := ${recordHash("v_hash", `${row}.digest`)};${atEvent}
    UPDATE ${table} AS e SET ${hash} = v_hash WHERE e.${id} = ${row}.id;
  END LOOP;`;
}
