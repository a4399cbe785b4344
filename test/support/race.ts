/**
 * Races of concurrent writers (PostgreSQL only: PGlite has one connection): a barrier that lets them
 * go at once, writers on connections of their own of which exactly one must win, and the head of the
 * record they raced on.
 */
import postgres from "postgres";
import { expect } from "vitest";
import { SpectorVersionConflictError, type RecordVersion } from "../../src/index.js";
import type { TestDatabase } from "./backends.js";

/**
 * A barrier: `wait()` resolves once `n` callers are waiting.
 *
 * @example
 * ```ts
 * const ready = barrier(2);
 * await Promise.all([ready.wait(), ready.wait()]);
 * ```
 */
export function barrier(n: number): { wait(): Promise<void> } {
  let waiting = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    wait() {
      if (++waiting === n) open();
      return opened;
    },
  };
}

/** What one writer of a race did: won (wrote its events) or not. */
export type Outcome = { readonly won: boolean; readonly writer: number };

/** One writer of a race: `w` is its number, `client` its own connection. */
export type Writer = (client: postgres.Sql, w: number) => Promise<Outcome>;

/**
 * Runs `writers` writers at once, each on a connection of its own to `url` (closed after): the
 * even-numbered ones through `helper`, the odd ones through `raw`. Expects exactly one to win and
 * returns its number.
 *
 * @example
 * ```ts
 * const winner = await oneWinner(t.url!, 16, helper, raw);
 * ```
 */
export async function oneWinner(url: string, writers: number, helper: Writer, raw: Writer): Promise<number> {
  const clients = Array.from({ length: writers }, () => postgres(url, { max: 1, onnotice: () => undefined }));
  let outcomes: Outcome[];
  try {
    outcomes = await Promise.all(clients.map((client, w) => (w % 2 === 0 ? helper(client, w) : raw(client, w))));
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
  const winners = outcomes.filter((outcome) => outcome.won);
  expect(winners).toHaveLength(1);
  return winners[0]!.writer;
}

/**
 * The head of record `parentId` of table `name` beside what its rows say: the head's count and the
 * rows', the head's last id and the greatest id of the rows.
 *
 * @example
 * ```ts
 * const head = await recordHead(t, "orders", parentId);
 * expect(head.counted).toBe(head.rows);
 * ```
 */
export async function recordHead(
  t: TestDatabase,
  name: string,
  parentId: string,
): Promise<{ counted: number; rows: number; last: string; max: string }> {
  const [head] = await t.query<{ counted: number; rows: number; last: string; max: string }>(
    `SELECT h.event_count::int AS counted, (SELECT count(*)::int FROM ${name} WHERE parent_id = $1) AS rows,
            h.last_id::text AS last, (SELECT id::text FROM ${name} WHERE parent_id = $1 ORDER BY id DESC LIMIT 1) AS max
       FROM ${name}_heads AS h WHERE h.parent_id = $1`,
    [parentId],
  );
  return head!;
}

/**
 * Expects `error` to be the version conflict of an append to record `parentId` at `expected`, and
 * returns it.
 *
 * @example
 * ```ts
 * const conflict = expectConflict(error, parentId, version);
 * expect(conflict.actual?.count).toBe(4);
 * ```
 */
export function expectConflict(error: unknown, parentId: string, expected: RecordVersion): SpectorVersionConflictError {
  expect(error, String(error)).toBeInstanceOf(SpectorVersionConflictError);
  const conflict = error as SpectorVersionConflictError;
  expect([conflict.parentId, conflict.expected]).toEqual([parentId, expected]);
  return conflict;
}
