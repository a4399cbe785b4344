/**
 * `appendEvents(..., { materialize })`: the events and the rows of their record in the materialized
 * tables, in one transaction, the record's head locked first so that the row read is the fold of the
 * log up to the head, and no other append to the record can come between.
 *
 * @module
 */
import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { at } from "../../checks.js";
import { SpectorOptionError, SpectorVersionConflictError } from "../../errors.js";
import { displayName } from "../../naming/index.js";
import { insertEvents, type ManyEvents, type ManyResult } from "../../queries/append-many.js";
import { httpDriver } from "../../queries/driver.js";
import type { EventsTarget } from "../../queries/target.js";
import type { SpectorDatabase } from "../../queries/types.js";
import { driverError } from "../../queries/violation.js";
import type { EventTableMeta } from "../../tables/meta.js";
import { fold, folds, type FoldScope } from "../fold.js";
import { checkRow, foldScope, readRows, specOf, type MaterializedSpec } from "./spec.js";
import { writeRows as writeStateRows } from "./write-rows.js";
import { lockHead } from "../../queries/lock-head.js";

/** How many times an append of ours is tried again after another writer's commit made it fail. */
const ATTEMPTS = 64;
/** SQLSTATEs of a transaction that another one's commit failed: serialization failure, deadlock. */
const RETRIED = new Set(["40001", "40P01"]);

type Transactional = SpectorDatabase & {
  transaction<R>(run: (tx: SpectorDatabase) => Promise<R>): Promise<R>;
};

/** Checks `materialize` (given at `path`): materialized tables of the events table `target`. */
export function checkMaterialize(path: string, value: unknown, target: EventsTarget): readonly MaterializedSpec[] {
  if (!Array.isArray(value)) {
    throw new SpectorOptionError(path, value, "an array of tables made by `materialized(stateTable, ...)`");
  }
  return value.map((item, i) => {
    const spec = specOf(at(path, i), item);
    const [mine, theirs] = [spec.target.meta, target.meta];
    if (mine.name !== theirs.name || mine.pgSchema !== theirs.pgSchema) {
      throw new SpectorOptionError(
        at(path, i),
        `a materialized table of events table ${displayName(mine)}`,
        `a materialized table of events table ${displayName(theirs)}, the one appended to`,
      );
    }
    return spec;
  });
}

/**
 * Appends `input` to `target` and brings each of `specs`' rows of the record up to date, in one
 * transaction: `db`'s (in a savepoint, so that a failure writes nothing and leaves the transaction
 * usable) or one of its own, tried again (bounded) when another writer's commit fails it.
 */
export async function appendMaterialized(
  db: SpectorDatabase,
  target: EventsTarget,
  specs: readonly MaterializedSpec[],
  input: ManyEvents,
): Promise<ManyResult> {
  const http = httpDriver(db);
  const transactional = typeof (db as Partial<Transactional>).transaction === "function";
  if (http !== undefined || !transactional) {
    throw new SpectorOptionError(
      "db",
      http ?? "a database without transactions",
      "a database with interactive transactions (or one of its `tx`): `materialize` writes the events and the rows in one transaction",
    );
  }
  const run = (tx: SpectorDatabase) => appendInTransaction(tx, target, specs, input);
  if (is(db, PgTransaction)) return (db as Transactional).transaction(run);
  for (let attempt = 1; ; attempt++) {
    try {
      return await (db as Transactional).transaction(run);
    } catch (error) {
      const conflict = error instanceof SpectorVersionConflictError && input.expected === "any";
      const failed = RETRIED.has(String(driverError(error)?.code)) && input.expected === "any";
      if (attempt >= ATTEMPTS || !(conflict || failed)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)));
    }
  }
}

/** The append and the rows, in transaction `tx`. */
async function appendInTransaction(
  tx: SpectorDatabase,
  target: EventsTarget,
  specs: readonly MaterializedSpec[],
  input: ManyEvents,
): Promise<ManyResult> {
  const { parentId } = input;
  if (parentId === undefined) {
    const result = await insertEvents(tx, target, input, "expected");
    await writeRows(
      tx,
      specs,
      target.record(result.rows[0]!.parentId).meta,
      result.rows[0]!.parentId,
      new Map(),
      result.rows,
    );
    return result;
  }
  const events = target.record(parentId);
  const head = await lockHead(tx, events, parentId);
  // no head: no such record; the append says so
  if (head === undefined) return insertEvents(tx, target, input, "expected");
  const { expected } = input;
  if (expected !== "any" && (expected.count !== head.count || expected.lastId !== head.lastId)) {
    throw new SpectorVersionConflictError(parentId, expected, head, displayName(events.meta));
  }
  const current = new Map<MaterializedSpec, Map<string, Record<string, unknown>>>();
  for (const spec of specs) current.set(spec, await readRows(tx, spec, [parentId]));
  const result = await insertEvents(tx, target, { ...input, expected: head }, "expected");
  await writeRows(tx, specs, events.meta, parentId, current, result.rows);
  return result;
}

/** Folds `rows` (record `id`'s new events) onto each table's current row and writes the result. */
async function writeRows(
  tx: SpectorDatabase,
  specs: readonly MaterializedSpec[],
  meta: EventTableMeta,
  id: string,
  current: ReadonlyMap<MaterializedSpec, ReadonlyMap<string, Record<string, unknown>>>,
  rows: readonly { readonly action: unknown; readonly schema: unknown; readonly payload: unknown }[],
): Promise<void> {
  const key = id.toLowerCase();
  for (const spec of specs) {
    const scope: FoldScope = foldScope(spec, meta);
    if (!rows.some((row) => folds(row, scope))) continue;
    const checked = checkRow(spec, id, fold(current.get(spec)?.get(key), spec.evolve, rows, 0, scope));
    await writeStateRows(tx, spec, checked === undefined ? [] : [checked], checked === undefined ? [id] : []);
  }
}
