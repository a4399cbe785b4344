/**
 * `npm run bench`, record-chain part, verification: format 2's `verifyChain` (this version's) beside
 * format 1's (today's before format 2: the same statement with format 1's digest) on the same rows,
 * interleaved, the order swapped every run.
 *
 * Two comparisons:
 * - as shipped: the statement with its parallel plan (a leader and two workers), wall-clock;
 * - each format's own work: the same statements in one process (`max_parallel_workers_per_gather = 0`
 *   for both), wall-clock. On a machine of two shared cores, three processes of a parallel plan compete
 *   for two CPUs and the wall-clock time of one run moves by up to 40% (measured: two concurrent
 *   `SELECT count(sha256(...))` of 1,000,000 rows took 1.07-1.95 s where one alone took 0.97-1.10 s),
 *   so the one-process runs say what each format costs, which the parallel runs blur.
 * The ratio of each comparison is the median of the runs' own ratios (format 1's time / format 2's, run
 * by run), so that a drift of the machine during one pair weighs once.
 *
 * @module
 */
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { verifyChain } from "../src/index.js";
import { rowQuery } from "../src/queries/rows.js";
import { verifyRecords } from "../src/queries/verify-records.js";
import type { AnyEventTable } from "../src/tables/event-table.js";
import { eventTableMeta } from "../src/tables/meta.js";
import { fmt, median } from "./stats.js";

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

/** One comparison's times (seconds, run by run) and its ratio. */
export interface VerifyComparison {
  readonly current: number[];
  readonly old: number[];
  /** The median of the runs' ratios, format 1's time / format 2's (above 1: format 2 faster). */
  readonly ratio: number;
}

const TRANSACTION = { isolationLevel: "repeatable read", accessMode: "read only" } as const;

/** Runs both comparisons and prints them: as shipped (parallel), then in one process. */
export async function compareVerification(sides: VerifySides): Promise<{
  parallel: VerifyComparison;
  oneProcess: VerifyComparison;
}> {
  const parallel = await compare(sides, false);
  const oneProcess = await compare(sides, true);
  for (const [label, c] of [
    ["as shipped (parallel plan)", parallel],
    ["in one process (no parallel workers)", oneProcess],
  ] as const) {
    console.log(
      `     ${label}, ${sides.runs} runs interleaved: format 2 ${c.current.map((s) => fmt(s, 2)).join(", ")} s ` +
        `(median ${fmt(sides.events / median(c.current), 0)} events/s); format 1 ${c.old.map((s) => fmt(s, 2)).join(", ")} s ` +
        `(median ${fmt(sides.events / median(c.old), 0)} events/s); format 2 / format 1, median of the runs: ${fmt(c.ratio)}x`,
    );
  }
  return { parallel, oneProcess };
}

async function compare(s: VerifySides, oneProcess: boolean): Promise<VerifyComparison> {
  const current: number[] = [];
  const old: number[] = [];
  const serial = async (tx: Parameters<Parameters<PostgresJsDatabase["transaction"]>[0]>[0]) => {
    if (oneProcess) await rowQuery(tx)("SET LOCAL max_parallel_workers_per_gather = 0", []);
  };
  const runCurrent = async () => {
    const started = performance.now();
    const result = oneProcess
      ? await s.db.transaction(async (tx) => {
          await serial(tx);
          return verifyChain(tx, s.current);
        }, TRANSACTION)
      : await verifyChain(s.db, s.current);
    current.push((performance.now() - started) / 1000);
    if (!result?.ok || result.count !== s.events || result.redacted?.length !== s.redacted)
      throw new Error(`the loaded record chains do not verify: ${JSON.stringify(result).slice(0, 300)}`);
  };
  const runOld = async () => {
    const started = performance.now();
    const result = await s.db.transaction(async (tx) => {
      await serial(tx);
      return verifyRecords(rowQuery(tx), eventTableMeta(s.oldName, s.old), undefined, undefined, true, 1);
    }, TRANSACTION);
    old.push((performance.now() - started) / 1000);
    if (!result?.ok || result.count !== s.events)
      throw new Error(`the format-1 chains do not verify: ${JSON.stringify(result)}`);
  };
  for (let run = 0; run < s.runs; run++) {
    for (const side of run % 2 === 0 ? [runCurrent, runOld] : [runOld, runCurrent]) await side();
  }
  return { current, old, ratio: median(old.map((o, i) => o / current[i]!)) };
}
