/**
 * Following the stress test's logs with `readAll`: a reader loop that reads on from its cursor with
 * small limits, a replay from the start, numbering what is left once the writers are done, and the
 * checks that a reader saw exactly what a replay gives.
 */
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { expect } from "vitest";
import { listByParent, readAll } from "../../src/index.js";
import { logTable, type LogName } from "./stress-schema.js";
import type { WriteLog } from "./stress-writers.js";

export type Database = PgDatabase<PgQueryResultHKT>;
export type Query = <R>(text: string, params?: unknown[]) => Promise<R[]>;

/** What a reader read: the ids in the order read, and its cursor. */
export interface Followed {
  readonly ids: string[];
  next: string | undefined;
  reads: number;
}

/**
 * Reads `log` on from `from.next` with limits from 1 to `maxLimit`, appending to `from.ids`, until a
 * read returns nothing once `done()` is true; between empty reads, waits `pauseMs`.
 */
export async function follow(
  db: Database,
  log: LogName,
  done: () => boolean,
  from: Followed = { ids: [], next: undefined, reads: 0 },
  maxLimit = 7,
  pauseMs = 2,
): Promise<Followed> {
  for (;;) {
    const finished = done();
    const limit = 1 + Math.floor(Math.random() * maxLimit);
    const { events, next } = await readAll(db, logTable(log), { after: from.next, limit });
    from.reads++;
    from.ids.push(...events.map((e) => e.id));
    from.next = next;
    if (events.length === 0) {
      if (finished) return from;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}

/** Every event of `log` from the start, in position order (pages of 10,000). */
export async function replay(db: Database, log: LogName): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const { events, next } = await readAll(db, logTable(log), { after, limit: 10_000 });
    if (events.length === 0) return ids;
    ids.push(...events.map((e) => e.id));
    after = next;
  }
}

/**
 * Fails unless `seen` is `expected`, naming `who` and the first place where they differ (rather than
 * printing two arrays of thousands of ids).
 */
export function expectSameSequence(who: string, seen: readonly string[], expected: readonly string[]): void {
  let i = 0;
  while (i < seen.length && i < expected.length && seen[i] === expected[i]) i++;
  const where =
    i === seen.length && i === expected.length
      ? "the same"
      : `${who}: ${seen.length} ids, the replay ${expected.length}; first difference at ${i}: ` +
        `${seen[i] ?? "(end)"} (${expected.indexOf(seen[i] ?? "") === -1 ? "not in the replay" : `the replay's #${expected.indexOf(seen[i]!)}`}) ` +
        `where the replay has ${expected[i] ?? "(end)"}${seen.includes(expected[i] ?? "") ? "" : " (never seen)"}`;
  expect(where).toBe("the same");
}

/**
 * Numbers every queued event of `log` (once the writers are done): calls `position_events_<log>`
 * until no event waits for a position, so that a reader's empty read then means it reached the end.
 */
export async function numberAll(query: Query, log: LogName): Promise<void> {
  for (;;) {
    await query(`SELECT position_events_${log}(10000)`);
    const [row] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${log}_positions WHERE position IS NULL`);
    if (row!.n === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The checks of one log after the writers: the replay holds every committed event once and no
 * rolled-back one, the table holds exactly the committed events, each reader's sequence is the
 * replay's, and within each record the replay follows `listByParent` (checked on `recordsChecked`
 * records with the most events).
 */
export async function checkLog(
  db: Database,
  query: Query,
  log: LogName,
  written: WriteLog,
  readers: readonly (readonly string[])[],
  recordsChecked = 50,
): Promise<string[]> {
  const replayed = await replay(db, log);
  const committed = written.committed[log];
  expect(new Set(replayed).size).toBe(replayed.length);
  expect(replayed.length).toBe(committed.length);
  expect([...replayed].sort()).toEqual([...committed].sort());
  expect(replayed.filter((id) => written.rolledBack.has(id))).toEqual([]);
  const stored = await query<{ id: string }>(`SELECT id::text FROM ${log} ORDER BY id`);
  expect(stored.map((r) => r.id)).toEqual([...committed].sort());
  readers.forEach((ids, i) => expectSameSequence(`reader ${i} of ${log}`, ids, replayed));
  // the position order keeps each record's order
  const byRecord = await query<{ parent: string }>(
    `SELECT parent_id::text AS parent FROM ${log} GROUP BY parent_id ORDER BY count(*) DESC, parent_id LIMIT ${recordsChecked}`,
  );
  const place = new Map(replayed.map((id, i) => [id, i]));
  for (const { parent } of byRecord) {
    const order = (await listByParent(db, logTable(log), parent)).map((e) => e.id);
    const positioned = [...order].sort((a, b) => place.get(a)! - place.get(b)!);
    expect(positioned).toEqual(order);
  }
  return replayed;
}
