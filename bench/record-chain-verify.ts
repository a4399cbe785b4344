/**
 * `npm run bench`, record-chain part, verification: this version's `verifyChain` on a table chained in
 * format 2, beside, on the same rows chained in format 1 (the format before issue 20):
 * - today's verification, the anchor: the statement and settings that shipped before issue 20
 *   (commit f47fbf2, frozen in bench/verify-today.ts);
 * - this version's statement with format 1's digest (what `generate` runs to check a format-1 table
 *   before it moves it): the formats' own costs, which the statement's shape does not favour.
 * The three run interleaved, the order rotating every run.
 *
 * Two comparisons:
 * - as shipped: the statement with its parallel plan (a leader and two workers), wall-clock;
 * - each format's own work: the same statements in one process (`max_parallel_workers_per_gather = 0`
 *   for both), wall-clock. On a machine of two shared cores, three processes of a parallel plan compete
 *   for two CPUs and the wall-clock time of one run moves by up to 40% (measured: two concurrent
 *   `SELECT count(sha256(...))` of 1,000,000 rows took 1.07-1.95 s where one alone took 0.97-1.10 s),
 *   so the one-process runs say what each format costs, which the parallel runs blur.
 * Each ratio is the median of the runs' own ratios (the other side's time / format 2's, run by run), so
 * that a drift of the machine during one run weighs once.
 *
 * @module
 */
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { verifyChain } from "../src/index.js";
import { rowQuery } from "../src/queries/rows.js";
import { verifyRecords } from "../src/queries/verify-records.js";
import type { RowQuery } from "../src/queries/rows.js";
import type { AnyEventTable } from "../src/tables/event-table.js";
import { eventTableMeta } from "../src/tables/meta.js";
import { fmt, median } from "./stats.js";
import { verifyToday } from "./verify-today.js";

/** What the comparison needs: both tables, how many events they hold, how many are redacted. */
export interface VerifySides {
  readonly db: PostgresJsDatabase;
  /** The table chained in format 2, with `redacted` events redacted. */
  readonly current: AnyEventTable & { readonly hash: AnyPgColumn };
  /** The same rows chained in format 1. */
  readonly old: AnyEventTable;
  readonly oldName: string;
  readonly events: number;
  readonly redacted: number;
  readonly runs: number;
}

/** One comparison's times (seconds, run by run) and its ratios. */
export interface VerifyComparison {
  /** This version's `verifyChain` on the format-2 table. */
  readonly current: number[];
  /** This version's statement with format 1's digest, on the format-1 table. */
  readonly old: number[];
  /** Today's verification (f47fbf2's statement and settings, bench/verify-today.ts), on the format-1 table. */
  readonly today: number[];
  /** The median of the runs' ratios, today's time / format 2's (above 1: format 2 faster): the goal. */
  readonly ratio: number;
  /** The median of the runs' ratios, format 1's time through this version's statement / format 2's. */
  readonly formatRatio: number;
}

const TRANSACTION = { isolationLevel: "repeatable read", accessMode: "read only" } as const;

/** Runs both comparisons and prints them: as shipped (parallel), then in one process. */
export async function compareVerification(sides: VerifySides): Promise<{
  parallel: VerifyComparison;
  oneProcess: VerifyComparison;
}> {
  const parallel = await compare(sides, false);
  const oneProcess = await compare(sides, true);
  const times = (xs: number[]) =>
    `${xs.map((s) => fmt(s, 2)).join(", ")} s (median ${fmt(sides.events / median(xs), 0)} events/s)`;
  for (const [label, c] of [
    ["as shipped (parallel plan)", parallel],
    ["in one process (no parallel workers)", oneProcess],
  ] as const) {
    console.log(`     ${label}, ${sides.runs} runs interleaved:`);
    console.log(`       format 2, verifyChain:                               ${times(c.current)}`);
    console.log(`       today's verification (f47fbf2), format-1 table:      ${times(c.today)}`);
    console.log(`       this version's statement, format 1's digest:         ${times(c.old)}`);
    console.log(
      `       medians of the runs' ratios: today's / format 2 ${fmt(c.ratio)}x; format 1 / format 2 (one statement) ${fmt(c.formatRatio)}x`,
    );
  }
  return { parallel, oneProcess };
}

async function compare(s: VerifySides, oneProcess: boolean): Promise<VerifyComparison> {
  const times = { current: [] as number[], old: [] as number[], today: [] as number[] };
  const oldMeta = eventTableMeta(s.oldName, s.old);
  /** Runs `verify` in a read-only REPEATABLE READ transaction (in one process when `oneProcess`), timed. */
  const timed = async (side: keyof typeof times, verify: (query: RowQuery) => Promise<void>) => {
    const started = performance.now();
    await s.db.transaction(async (tx) => {
      const query = rowQuery(tx);
      if (oneProcess) await query("SET LOCAL max_parallel_workers_per_gather = 0", []);
      await verify(query);
    }, TRANSACTION);
    times[side].push((performance.now() - started) / 1000);
  };
  const sides = [
    async () => {
      // as shipped: `verifyChain(db, table)`, which opens its own transaction
      const started = performance.now();
      const result = oneProcess
        ? await s.db.transaction(async (tx) => {
            await rowQuery(tx)("SET LOCAL max_parallel_workers_per_gather = 0", []);
            return verifyChain(tx, s.current);
          }, TRANSACTION)
        : await verifyChain(s.db, s.current);
      times.current.push((performance.now() - started) / 1000);
      if (!result?.ok || result.count !== s.events || result.redacted?.length !== s.redacted)
        throw new Error(`the loaded record chains do not verify: ${JSON.stringify(result).slice(0, 300)}`);
    },
    () =>
      timed("today", async (query) => {
        const count = await verifyToday(query, oldMeta);
        if (count !== s.events) throw new Error(`today's verification counted ${count} events, not ${s.events}`);
      }),
    () =>
      timed("old", async (query) => {
        const result = await verifyRecords(query, oldMeta, undefined, undefined, true, 1);
        if (!result?.ok || result.count !== s.events)
          throw new Error(`the format-1 chains do not verify: ${JSON.stringify(result)}`);
      }),
  ];
  // the order rotates every run, so that each side comes first, second and third as often
  for (let run = 0; run < s.runs; run++) {
    for (let i = 0; i < sides.length; i++) await sides[(run + i) % sides.length]!();
  }
  const ratio = (other: number[]) => median(other.map((o, i) => o / times.current[i]!));
  return { ...times, ratio: ratio(times.today), formatRatio: ratio(times.old) };
}
