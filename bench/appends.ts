/** What the benchmarks that append share: appends per second through `appendEvent` with concurrent writers. */
import { appendEvent, type AnyEventTable, type SpectorDatabase } from "../src/index.js";

/** How many writers, how many records each, and for how long. */
export interface AppendRound {
  readonly writers: number;
  readonly recordsPerWriter: number;
  readonly seconds: number;
}

/**
 * Appends per second to `table` through `appendEvent`: each of `writers` concurrent writers starts
 * `recordsPerWriter` records of its own (untimed), then appends to them round-robin for `seconds`
 * seconds. The events are of schema `item`, actions `insert` and `update`.
 *
 * @example
 * ```ts
 * const rate = await appendsPerSecond(db, events, { writers: 8, recordsPerWriter: 10, seconds: 2 });
 * ```
 */
export async function appendsPerSecond(
  db: SpectorDatabase,
  table: AnyEventTable,
  { writers, recordsPerWriter, seconds }: AppendRound,
): Promise<number> {
  const append = (event: { action: string; payload: object; parentId?: string }) =>
    appendEvent(db, table, { schema: "item", ...event } as never) as Promise<{ id: string }>;
  const records = await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const ids: string[] = [];
      for (let r = 0; r < recordsPerWriter; r++) ids.push((await append({ action: "insert", payload: { w, r } })).id);
      return ids;
    }),
  );
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const counts = await Promise.all(
    records.map(async (ids, w) => {
      let n = 0;
      while (performance.now() < deadline) {
        await append({ action: "update", payload: { w, n }, parentId: ids[n % ids.length]! });
        n++;
      }
      return n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
}
