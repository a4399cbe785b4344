/**
 * `npm run bench`, state part (`BENCH_ONLY=state`): appends with an expected version, concurrent
 * writers, `decide`, `aggregate` and savepoints, side by side in one run with Emmett 0.42's PostgreSQL
 * event store (`@event-driven-io/emmett-postgresql`, a dev dependency of this bench only), on the same
 * PostgreSQL, each side in a fresh database of its own (both dropped at the end). Every figure is
 * reported as a ratio to Emmett's.
 *
 * Emmett runs in a child process (bench/state-emmett.ts, which says why: its driver sets
 * node-postgres's global type parsers), driven over IPC, so that the two sides still alternate within
 * one run: every measure runs in blocks or rounds whose order rotates, so that a drift of the machine
 * (shared, loaded) hits both sides.
 *
 * Our side is on postgres.js through Drizzle, on three tables, each `versioned: true`: a plain events
 * table (Spector's layout: an index on `parent_id`), the same with `recordIndex: true` (an index on
 * `(parent_id, id)`: a record read in order, without a sort) and a record-chained one
 * (`hashed: "record"`). The measures (the events: deposits, `{ amount, note }`; the state: a balance
 * and a count):
 * 1. latency of one writer on one connection, appending one event at a time to an existing record
 *    with its expected version: STATE_BENCH_SINGLE (1,000) appends per side after 100 untimed, in
 *    blocks of 50; p50 and p95 in µs;
 * 2. appends/s of 8 writers on distinct records (10 records each, round-robin), each append with the
 *    record's expected version: STATE_BENCH_SECONDS (2) s per round, STATE_BENCH_ROUNDS (5) rounds
 *    after a warm-up; the median;
 * 1b. and 2b.: 1. and 2. again with synchronous_commit = off in both sides' sessions: a commit then does
 *    not wait for its WAL flush, which is the same for both sides and most of the time of 1. and 2.;
 * 3. successful appends/s of 16 writers on one record, each deciding in a loop (read the state, decide
 *    one deposit, append it with the version read); Emmett's `CommandHandler`;
 * 4. the state of a 1,000-event record: STATE_BENCH_AGGREGATES (60) reads per side, in blocks of 10,
 *    both databases analyzed first; median and p95 in ms (Emmett's `aggregateStream`);
 * 5. the same record read from a savepoint 10 events from its end, against the read without.
 * Then a profile (auto_explain): the statements each side sends per append and per aggregate (round
 * trips), their executor time on the server, their triggers' time, each client's CPU time, and the
 * rows each side reads.
 *
 * Our side is written as the few functions of `ours` below: appends through `appendEvents` with
 * `expected`; the state through `aggregate`, `decide` and `savepoint` (issue 22, branch `state`) once
 * `src/index.ts` exports them with the signatures of the issue, and until then a fold over
 * `listByParent`, the decide and savepoint rows printing "n/a (API not on main)". If the signatures
 * differ, `ours` is the one place to change.
 */
import { loadavg } from "node:os";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as spector from "../src/index.js";
import {
  appendEvents,
  listByParent,
  readVersion,
  spectorTables,
  type AnyEventTable,
  SpectorVersionConflictError,
  type RecordVersion,
  type SpectorDatabase,
} from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import type { EmmettOps } from "./state-emmett.js";
import { startEmmett } from "./emmett-child.js";
import { AUTO_EXPLAIN, explainedLater, type Explained } from "./state-profile.js";
import { fmt, median, percentile } from "./stats.js";

const SINGLE = Number(process.env.STATE_BENCH_SINGLE ?? 1000);
const SINGLE_WARMUP = 100;
const BLOCK = 50;
const WRITERS = 8;
const RECORDS_PER_WRITER = 10;
const DECIDERS = 16;
const SECONDS = Number(process.env.STATE_BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.STATE_BENCH_ROUNDS ?? 5);
const AGGREGATE_EVENTS = 1000;
const AGGREGATES = Number(process.env.STATE_BENCH_AGGREGATES ?? 60);
const AGGREGATE_BLOCK = 10;
const SAVEPOINT_FROM_END = 10;
const NA = "n/a (API not on main)";

// ---------------------------------------------------------------------------------------------------
// Our side: the one place to change when the state API lands.

/** The state of an account: what every side's evolve folds its deposits into. */
interface Account {
  readonly balance: number;
  readonly count: number;
}
const initial = (): Account => ({ balance: 0, count: 0 });
const evolve = (state: Account, event: { payload: unknown }): Account => ({
  balance: state.balance + (event.payload as { amount: number }).amount,
  count: state.count + 1,
});
const deposit = (amount: number) => ({
  schema: "account",
  action: "deposit",
  payload: { amount, note: `deposit ${amount}` },
});

/**
 * The rest of the API of issue 22 (branch `state`), as its brief names it; each function is used once
 * src/index.ts exports it.
 */
interface StateApi {
  aggregate(
    db: SpectorDatabase,
    table: AnyEventTable,
    parentId: string,
    options: {
      initial: Account;
      evolve: typeof evolve;
      fromSavepoint?: (payload: unknown) => Account;
    },
  ): Promise<{ state: Account; version: RecordVersion }>;
  decide(
    db: SpectorDatabase,
    table: AnyEventTable,
    parentId: string,
    options: { initial: Account; evolve: typeof evolve },
    callback: (state: Account) => object[],
  ): Promise<{ rows: unknown[] }>;
  savepoint(db: SpectorDatabase, table: AnyEventTable, parentId: string, options: { state: Account }): Promise<unknown>;
}
const api = spector as unknown as Partial<StateApi>;

/** This process's CPU time (user and system) since `since`, in µs. */
const cpuSince = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since);
  return user + system;
};

/** A record of ours, and its version as last seen. */
interface Rec {
  readonly parentId: string;
  version: RecordVersion;
}

const ours = {
  /** The table option the expected version needs: a heads row per record. */
  tableOptions: { versioned: true },

  /** Starts a record of `events` deposits (untimed): its first event, then the rest 100 at a time. */
  async start(db: SpectorDatabase, table: AnyEventTable, events = 1): Promise<Rec> {
    const { rows, version } = await appendEvents(db, table, {
      events: [{ ...deposit(1), action: "insert" }] as never,
    });
    const rec: Rec = { parentId: (rows[0] as { parentId: string }).parentId, version };
    for (let i = 1; i < events; i += 100) {
      const batch = Array.from({ length: Math.min(100, events - i) }, (_, k) => deposit(i + k + 1));
      rec.version = (
        await appendEvents(db, table, { parentId: rec.parentId, expected: rec.version, events: batch as never })
      ).version;
    }
    return rec;
  },

  /** One event appended to `rec` at the version last seen (`appendEvents` with `expected`). */
  async appendExpected(db: SpectorDatabase, table: AnyEventTable, rec: Rec, amount: number): Promise<void> {
    const { version } = await appendEvents(db, table, {
      parentId: rec.parentId,
      expected: rec.version,
      events: [deposit(amount)] as never,
    });
    rec.version = version;
  },

  /** The state of record `parentId`: `aggregate`, or (main today) a fold over `listByParent`. */
  aggregateKind: api.aggregate ? "aggregate" : "fold over listByParent",
  async aggregate(db: SpectorDatabase, table: AnyEventTable, parentId: string): Promise<Account> {
    if (api.aggregate) return (await api.aggregate(db, table, parentId, { initial: initial(), evolve })).state;
    const events = (await listByParent(db, table, parentId)) as { payload: unknown }[];
    return events.reduce(evolve, initial());
  },

  /**
   * One deposit decided on the state read and appended at its version, retried on a conflict by
   * `decide` itself (its default: 10 attempts): whether it was written (false: still in conflict).
   */
  decide: api.decide
    ? async (db: SpectorDatabase, table: AnyEventTable, parentId: string, writer: number): Promise<boolean> => {
        try {
          await api.decide!(db, table, parentId, { initial: initial(), evolve }, (state) => [
            deposit(state.count + writer),
          ]);
          return true;
        } catch (error) {
          if (error instanceof SpectorVersionConflictError) return false;
          throw error;
        }
      }
    : undefined,

  /** Writes a savepoint of `rec`'s state as of now, at the version read (untimed); `rec` gets the new version. */
  savepoint:
    api.savepoint && api.aggregate
      ? async (db: SpectorDatabase, table: AnyEventTable, rec: Rec): Promise<void> => {
          const { state } = await api.aggregate!(db, table, rec.parentId, { initial: initial(), evolve });
          await api.savepoint!(db, table, rec.parentId, { state });
          rec.version = (await readVersion(db, table, rec.parentId))!;
        }
      : undefined,

  /** The state read from the record's latest savepoint on. */
  aggregateFromSavepoint:
    api.savepoint && api.aggregate
      ? async (db: SpectorDatabase, table: AnyEventTable, parentId: string): Promise<Account> =>
          (
            await api.aggregate!(db, table, parentId, {
              initial: initial(),
              evolve,
              fromSavepoint: (payload) => payload as Account,
            })
          ).state
      : undefined,
};

// ---------------------------------------------------------------------------------------------------

/** The order of `sides` in round `round`: rotated, so that no side always goes first. */
const rotate = <T>(sides: readonly T[], round: number): T[] => sides.map((_, i) => sides[(i + round) % sides.length]!);

interface Row {
  readonly measure: string;
  readonly unit: string;
  /** Our figures by table (plain, record), or undefined where the API is missing; then Emmett's. */
  readonly ours: readonly (number | undefined)[];
  readonly emmett: number | undefined;
  /** "lower" when a lower figure is better (a time); "higher" for a rate. */
  readonly better: "lower" | "higher";
  readonly goal: string;
  readonly note?: string;
}

/** Runs the state part on the server of `url` and prints its figures. */
export async function benchState(url: string): Promise<void> {
  const oursDb = await createFreshDatabase(url, "spector_bench_state");
  const emmettDb = await createFreshDatabase(url, "spector_bench_emmett");
  const client = postgres(oursDb.url, { max: DECIDERS + 2, onnotice: () => {} });
  const one = postgres(oursDb.url, { max: 1, onnotice: () => {} });
  const db = drizzle(client);
  const single = drizzle(one);
  const emmett = startEmmett<EmmettOps>(new URL("./state-emmett.ts", import.meta.url));
  const rows: Row[] = [];
  try {
    const declared = { schemas: { account: 0 }, actions: { deposit: 10 }, ...ours.tableOptions };
    const make = spectorTables as unknown as (options: object) => Record<string, AnyEventTable>;
    const plainTables = make({ table: "plain", ...declared });
    const indexedTables = make({ table: "indexed", recordIndex: true, ...declared });
    const chainedTables = make({ table: "chained", hashed: "record", ...declared });
    for (const statement of splitStatements(await createSql({ ...plainTables, ...indexedTables, ...chainedTables })))
      await client.unsafe(statement);
    const TABLES = [
      { key: "plain", label: "eventTable", table: plainTables.plain! },
      { key: "indexed", label: "recordIndex: true", table: indexedTables.indexed! },
      { key: "chained", label: 'hashed: "record"', table: chainedTables.chained! },
    ] as const;
    await emmett.call("init", { url: emmettDb.url });
    const [{ server_version: version }] = (await client`SHOW server_version`) as unknown as [
      { server_version: string },
    ];
    console.log(
      `state, side by side with Emmett 0.42, PostgreSQL ${version}; ours: postgres.js, databases ${oursDb.name} ` +
        `(ours) and ${emmettDb.name} (Emmett, node-postgres, in a child process)`,
    );
    console.log(`  ours: appends through appendEvents with expected; state through ${ours.aggregateKind}`);
    console.log(
      `  load average at the start: ${loadavg()
        .map((x) => fmt(x))
        .join(" ")}`,
    );

    // 1. one writer, one connection, appends with an expected version: latency; then the same with
    // synchronous_commit = off in both sides' sessions, which takes the commit's WAL flush out of it
    for (const flush of [true, false]) {
      const session = flush
        ? single
        : drizzle(postgres(oursDb.url, { max: 1, onnotice: () => {}, connection: { synchronous_commit: "off" } }));
      const recs = new Map<string, Rec>();
      for (const t of TABLES) recs.set(t.key, await ours.start(session, t.table));
      const times = new Map<string, number[]>([
        ...TABLES.map((t) => [t.key, []] as [string, number[]]),
        ["emmett", []],
      ]);
      const sides = [...TABLES.map((t) => t.key), "emmett"] as const;
      const blocks = [SINGLE_WARMUP, ...Array.from({ length: Math.ceil(SINGLE / BLOCK) }, () => BLOCK)];
      for (const [b, count] of blocks.entries()) {
        for (const side of rotate(sides, b)) {
          let xs: number[];
          if (side === "emmett") xs = await emmett.call("latency", { key: `latency-${flush}`, count, flush });
          else {
            const t = TABLES.find((x) => x.key === side)!;
            xs = [];
            for (let i = 0; i < count; i++) {
              const started = performance.now();
              await ours.appendExpected(session, t.table, recs.get(side)!, i);
              xs.push((performance.now() - started) * 1000);
            }
          }
          if (b > 0) times.get(side)!.push(...xs);
        }
      }
      if (!flush) await (session.$client as postgres.Sql).end();
      console.log(
        `\n  1${flush ? "" : "b"}. one writer, one connection, one event per append to an existing record with its expected version` +
          `${flush ? "" : ", synchronous_commit = off in both sides' sessions (no wait for the WAL flush)"}: ` +
          `${SINGLE} appends per side after ${SINGLE_WARMUP}, blocks of ${BLOCK}, rotated (µs)`,
      );
      console.log(`     ${"".padEnd(34)} ${"p50".padStart(8)} ${"p95".padStart(8)}`);
      for (const [key, label] of [
        ...TABLES.map((t) => [t.key, `ours, ${t.label}`] as const),
        ["emmett", "Emmett appendToStream"] as const,
      ]) {
        const xs = times.get(key)!;
        console.log(
          `     ${label.padEnd(34)} ${fmt(median(xs), 0).padStart(8)} ${fmt(percentile(xs, 95), 0).padStart(8)}`,
        );
      }
      const figure = (key: string, p: number) => percentile(times.get(key)!, p);
      for (const p of [50, 95])
        rows.push({
          measure: `1 writer, append latency p${p}${flush ? "" : ", async commit"}`,
          unit: "µs",
          ours: TABLES.map((t) => figure(t.key, p)),
          emmett: figure("emmett", p),
          better: "lower",
          goal: "<= 1x",
        });
    }

    // 2. 8 writers on distinct records, appends/s; then the same with synchronous_commit = off in both
    // sides' sessions, where the machine's CPU, not the WAL flush, bounds the rate
    for (const flush of [true, false]) {
      const writersDb = flush
        ? db
        : drizzle(
            postgres(oursDb.url, { max: WRITERS, onnotice: () => {}, connection: { synchronous_commit: "off" } }),
          );
      const oursRound = async (table: AnyEventTable): Promise<number> => {
        const own = await Promise.all(
          Array.from({ length: WRITERS }, async () => {
            const mine: Rec[] = [];
            for (let r = 0; r < RECORDS_PER_WRITER; r++) mine.push(await ours.start(writersDb, table));
            return mine;
          }),
        );
        const started = performance.now();
        const deadline = started + SECONDS * 1000;
        const counts = await Promise.all(
          own.map(async (mine) => {
            let n = 0;
            while (performance.now() < deadline) {
              await ours.appendExpected(writersDb, table, mine[n % mine.length]!, n);
              n++;
            }
            return n;
          }),
        );
        return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
      };
      const sides = [...TABLES.map((t) => t.key), "emmett"] as const;
      const rates = new Map<string, number[]>(sides.map((s) => [s, []]));
      for (let round = -1; round < ROUNDS; round++) {
        for (const side of rotate(sides, round + 1)) {
          const rate =
            side === "emmett"
              ? await emmett.call("throughput", {
                  writers: WRITERS,
                  recordsPerWriter: RECORDS_PER_WRITER,
                  seconds: SECONDS,
                  flush,
                })
              : await oursRound(TABLES.find((t) => t.key === side)!.table);
          if (round >= 0) rates.get(side)!.push(rate);
        }
      }
      if (!flush) await (writersDb.$client as postgres.Sql).end();
      console.log(
        `\n  2${flush ? "" : "b"}. appends/s, ${WRITERS} writers on distinct records (${RECORDS_PER_WRITER} each, round-robin), each append ` +
          `with its record's expected version${flush ? "" : ", synchronous_commit = off in both sides' sessions"}; ` +
          `${SECONDS} s per round, median of ${ROUNDS} rounds (min-max)`,
      );
      for (const [key, label] of [
        ...TABLES.map((t) => [t.key, `ours, ${t.label}`] as const),
        ["emmett", "Emmett appendToStream"] as const,
      ]) {
        const xs = rates.get(key)!;
        console.log(
          `     ${label.padEnd(34)} ${fmt(median(xs), 0).padStart(8)} (${fmt(Math.min(...xs), 0)}-${fmt(Math.max(...xs), 0)})`,
        );
      }
      rows.push({
        measure: `${WRITERS} writers, distinct records${flush ? "" : ", async commit"}`,
        unit: "appends/s",
        ours: TABLES.map((t) => median(rates.get(t.key)!)),
        emmett: median(rates.get("emmett")!),
        better: "higher",
        goal: ">= 1x",
      });
    }

    // 3. 16 writers on one record, decide: successful appends/s
    {
      const oursRound = async (table: AnyEventTable): Promise<number> => {
        const rec = await ours.start(db, table);
        const started = performance.now();
        const deadline = started + SECONDS * 1000;
        const counts = await Promise.all(
          Array.from({ length: DECIDERS }, async (_, w) => {
            let n = 0;
            while (performance.now() < deadline) if (await ours.decide!(db, table, rec.parentId, w)) n++;
            return n;
          }),
        );
        const successes = counts.reduce((a, b) => a + b, 0);
        const state = await ours.aggregate(db, table, rec.parentId);
        if (state.count !== successes + 1)
          throw new Error(`our record has ${state.count} events, not ${successes + 1} (successes + 1)`);
        return successes / ((performance.now() - started) / 1000);
      };
      const sides = [...(ours.decide ? TABLES.map((t) => t.key) : []), "emmett"];
      const rates = new Map<string, number[]>(sides.map((s) => [s, []]));
      const conflicts: number[] = [];
      for (let round = -1; round < ROUNDS; round++) {
        for (const side of rotate(sides, round + 1)) {
          let rate: number;
          if (side === "emmett") {
            const result = await emmett.call("decide", { writers: DECIDERS, seconds: SECONDS });
            rate = result.rate;
            if (round >= 0) conflicts.push(result.conflicts / (result.successes + result.conflicts));
          } else rate = await oursRound(TABLES.find((t) => t.key === side)!.table);
          if (round >= 0) rates.get(side)!.push(rate);
        }
      }
      console.log(
        `\n  3. successful appends/s, ${DECIDERS} writers on ONE record, each deciding in a loop (read the state, ` +
          `decide a deposit, append it with the version read); ${SECONDS} s per round, median of ${ROUNDS} rounds (min-max)`,
      );
      for (const [key, label] of [
        ...TABLES.map((t) => [t.key, `ours decide, ${t.label}`] as const),
        ["emmett", "Emmett CommandHandler"] as const,
      ]) {
        const xs = rates.get(key);
        console.log(
          `     ${label.padEnd(34)} ${xs ? `${fmt(median(xs), 0).padStart(8)} (${fmt(Math.min(...xs), 0)}-${fmt(Math.max(...xs), 0)})` : NA.padStart(8)}`,
        );
      }
      console.log(
        `     Emmett: ${fmt(median(conflicts) * 100, 0)}% of its handler calls ended in a version conflict ` +
          `(its default: no retry; the writer calls again at once)`,
      );
      rows.push({
        measure: `${DECIDERS} writers, one record, decide`,
        unit: "appends/s",
        ours: TABLES.map((t) => (rates.has(t.key) ? median(rates.get(t.key)!) : undefined)),
        emmett: median(rates.get("emmett")!),
        better: "higher",
        goal: ">= 1x",
      });
    }

    // 4. and 5. aggregate of a 1,000-event record; from a savepoint 10 events from its end
    {
      const recs = new Map<string, Rec>();
      const saved = new Map<string, Rec>();
      for (const t of TABLES) {
        recs.set(t.key, await ours.start(db, t.table, AGGREGATE_EVENTS));
        if (ours.savepoint) {
          const rec = await ours.start(db, t.table, AGGREGATE_EVENTS - SAVEPOINT_FROM_END);
          await ours.savepoint(db, t.table, rec);
          for (let i = 0; i < SAVEPOINT_FROM_END; i++)
            await ours.appendExpected(db, t.table, rec, AGGREGATE_EVENTS - SAVEPOINT_FROM_END + i + 1);
          saved.set(t.key, rec);
        }
      }
      await emmett.call("prepareAggregate", { key: "aggregate", events: AGGREGATE_EVENTS });
      // statistics on both sides, as autovacuum would have them: the planner then picks its scan knowingly
      await client.unsafe("ANALYZE");
      const theirs = postgres(emmettDb.url, { max: 1, onnotice: () => {} });
      await theirs.unsafe("ANALYZE").finally(() => theirs.end());
      const expected: Account = { balance: (AGGREGATE_EVENTS * (AGGREGATE_EVENTS + 1)) / 2, count: AGGREGATE_EVENTS };
      const check = (side: string, state: Account | undefined) => {
        if (state?.balance !== expected.balance || state.count !== expected.count)
          throw new Error(`${side}: state ${JSON.stringify(state)}, not ${JSON.stringify(expected)}`);
      };
      type Side = { key: string; run(): Promise<Account> } | { key: "emmett" };
      const sides: Side[] = [
        ...TABLES.map((t) => ({ key: t.key, run: () => ours.aggregate(single, t.table, recs.get(t.key)!.parentId) })),
        ...(ours.aggregateFromSavepoint
          ? TABLES.map((t) => ({
              key: `${t.key}+savepoint`,
              run: () => ours.aggregateFromSavepoint!(single, t.table, saved.get(t.key)!.parentId),
            }))
          : []),
        { key: "emmett" },
      ];
      const times = new Map<string, number[]>(sides.map((s) => [s.key, []]));
      for (let b = -1; b < Math.ceil(AGGREGATES / AGGREGATE_BLOCK); b++) {
        for (const side of rotate(sides, b + 1)) {
          let xs: number[];
          if (!("run" in side)) {
            const result = await emmett.call("aggregate", { key: "aggregate", runs: AGGREGATE_BLOCK });
            check("Emmett", result.state);
            xs = result.times;
          } else {
            xs = [];
            for (let i = 0; i < AGGREGATE_BLOCK; i++) {
              const started = performance.now();
              const state = await side.run();
              xs.push(performance.now() - started);
              check(`ours, ${side.key}`, state);
            }
          }
          if (b >= 0) times.get(side.key)!.push(...xs);
        }
      }
      console.log(
        `\n  4. the state of a ${AGGREGATE_EVENTS}-event record (all events read and folded, the result checked): ` +
          `${AGGREGATES} reads per side after ${AGGREGATE_BLOCK}, blocks of ${AGGREGATE_BLOCK}, rotated (ms)`,
      );
      console.log(`     ${"".padEnd(44)} ${"p50".padStart(8)} ${"p95".padStart(8)}`);
      const labels: [string, string][] = [
        ...TABLES.map((t) => [t.key, `ours ${ours.aggregateKind}, ${t.label}`] as [string, string]),
        ...TABLES.map((t) => [`${t.key}+savepoint`, `ours from a savepoint, ${t.label}`] as [string, string]),
        ["emmett", "Emmett aggregateStream"],
      ];
      for (const [key, label] of labels) {
        const xs = times.get(key);
        console.log(
          `     ${label.padEnd(44)} ${xs ? `${fmt(median(xs), 2).padStart(8)} ${fmt(percentile(xs, 95), 2).padStart(8)}` : NA.padStart(8)}`,
        );
      }
      rows.push({
        measure: `aggregate, ${AGGREGATE_EVENTS} events, p50`,
        unit: "ms",
        ours: TABLES.map((t) => median(times.get(t.key)!)),
        emmett: median(times.get("emmett")!),
        better: "lower",
        goal: "<= 1x",
      });
      const fromSavepoint = TABLES.map((t) => {
        const xs = times.get(`${t.key}+savepoint`);
        return xs ? median(times.get(t.key)!) / median(xs) : undefined;
      });
      rows.push({
        measure: `savepoint ${SAVEPOINT_FROM_END} from the end: speed-up`,
        unit: "x",
        ours: fromSavepoint,
        emmett: undefined,
        better: "higher",
        goal: ">= 10x without",
      });
    }

    // profile: the statements each side sends per append and per aggregate, and their executor time
    {
      const N = 50;
      let statements = 0;
      const explained: Explained[] = [];
      const profiled = postgres(oursDb.url, {
        max: 1,
        debug: () => statements++,
        onnotice: (notice) => {
          const plan = explainedLater(notice.message ?? "");
          if (plan) explained.push(plan);
        },
      });
      const lines: string[] = [];
      const savepointLines: string[] = [];
      const describe = (
        label: string,
        append: { statements: number; explained: Explained[]; cpu: number },
        aggregate: { statements: number; explained: Explained[]; cpu: number },
        row: { bytes: number; rows: number },
      ) => {
        const perAppend = append.explained.length / N;
        const appendMs = append.explained.map((e) => e.ms);
        const triggers = append.explained.map((e) => e.triggerMs);
        const aggregateMs = aggregate.explained.reduce((sum, e) => sum + e.ms, 0);
        lines.push(
          `     ${label.padEnd(26)} ${fmt(append.statements / N, 1).padStart(5)} ${fmt(perAppend, 1).padStart(7)} ` +
            `${fmt(median(appendMs) * 1000 * perAppend, 0).padStart(9)} ${fmt(median(triggers) * 1000 * perAppend, 0).padStart(8)} ` +
            `${fmt(append.cpu, 0).padStart(8)}   ${String(aggregate.statements).padStart(5)} ${fmt(aggregateMs, 2).padStart(8)} ` +
            `${fmt(aggregate.cpu / 1000, 2).padStart(8)} ${`${row.rows} x ${row.bytes} B`.padStart(14)}  ` +
            `${aggregate.explained.map((e) => e.scans).join("; ")}`,
        );
        lines.push(`     ${"".padEnd(26)} append: ${[...new Set(append.explained.map((e) => e.query))].join(" | ")}`);
      };
      try {
        for (const statement of AUTO_EXPLAIN) await profiled.unsafe(statement);
        const pdb = drizzle(profiled);
        for (const t of TABLES) {
          const rec = await ours.start(pdb, t.table);
          const big = await ours.start(db, t.table, AGGREGATE_EVENTS);
          await ours.aggregate(pdb, t.table, big.parentId); // warm-up: plans, caches and the JIT
          for (let i = 0; i < N; i++) await ours.appendExpected(pdb, t.table, rec, i);
          const append = { statements: 0, explained: [] as Explained[], cpu: 0 };
          const cpu = process.cpuUsage();
          for (let i = 0; i < N; i++) {
            const [q, e] = [statements, explained.length];
            await ours.appendExpected(pdb, t.table, rec, i);
            append.statements += statements - q;
            append.explained.push(...explained.slice(e));
          }
          append.cpu = cpuSince(cpu) / N;
          const [q, e] = [statements, explained.length];
          const aggregateCpu = process.cpuUsage();
          await ours.aggregate(pdb, t.table, big.parentId);
          const aggregate = { statements: statements - q, explained: explained.slice(e), cpu: cpuSince(aggregateCpu) };
          if (ours.savepoint && ours.aggregateFromSavepoint) {
            const saved = await ours.start(db, t.table, AGGREGATE_EVENTS - SAVEPOINT_FROM_END);
            await ours.savepoint(db, t.table, saved);
            for (let i = 0; i < SAVEPOINT_FROM_END; i++) await ours.appendExpected(db, t.table, saved, i);
            await ours.aggregateFromSavepoint(pdb, t.table, saved.parentId); // warm-up
            const from = explained.length;
            await ours.aggregateFromSavepoint(pdb, t.table, saved.parentId);
            const read = explained.slice(from);
            savepointLines.push(
              `     ${`ours, ${t.label}`.padEnd(26)} ${fmt(
                read.reduce((sum, x) => sum + x.ms, 0),
                2,
              ).padStart(8)} ms  ${read.map((x) => x.scans).join("; ")}`,
            );
          }
          const [row] = (await client.unsafe(
            `SELECT avg(pg_column_size(t.*))::int AS bytes, count(*)::int AS rows FROM ${t.key} t WHERE parent_id = $1`,
            [big.parentId],
          )) as unknown as [{ bytes: number; rows: number }];
          describe(`ours, ${t.label}`, append, aggregate, row);
        }
        const theirs = await emmett.call("profile", { n: N, key: "aggregate" });
        const other = postgres(emmettDb.url, { max: 1, onnotice: () => {} });
        try {
          const [row] = (await other.unsafe(
            `SELECT avg(pg_column_size(m.*))::int AS bytes, count(*)::int AS rows FROM emt_messages m WHERE stream_id = $1`,
            [theirs.stream],
          )) as unknown as [{ bytes: number; rows: number }];
          describe("Emmett", theirs.append, theirs.aggregate, row);
        } finally {
          await other.end();
        }
      } finally {
        await profiled.end();
      }
      console.log(
        `\n  profile (auto_explain in a session of each side): per append, mean of ${N}: statements sent, planned ones, ` +
          `their executor time (p50 µs, BEGIN/COMMIT and the commit's WAL flush not in it), their triggers', ` +
          `and the client process's CPU time (Node: the driver, the query builder, the JSON); ` +
          `per aggregate of ${AGGREGATE_EVENTS} events: statements, executor ms, the client's CPU ms, rows x mean row size, scans`,
      );
      console.log(
        `     ${"".padEnd(26)} ${"sent".padStart(5)} ${"planned".padStart(7)} ${"exec µs".padStart(9)} ${"trig µs".padStart(8)} ` +
          `${"node µs".padStart(8)}   ${"sent".padStart(5)} ${"exec ms".padStart(8)} ${"node ms".padStart(8)} ${"rows".padStart(14)}`,
      );
      for (const line of lines) console.log(line);
      if (savepointLines.length > 0) {
        console.log(
          `     the read from a savepoint ${SAVEPOINT_FROM_END} events from the end of a ${AGGREGATE_EVENTS}-event record: executor ms, scans`,
        );
        for (const line of savepointLines) console.log(line);
      }
    }

    console.log(
      `\n  load average at the end: ${loadavg()
        .map((x) => fmt(x))
        .join(" ")}`,
    );
    console.log(
      `\n  summary: ours as a ratio to Emmett's figure (below 1 is faster for a time, above 1 is faster for a rate)`,
    );
    console.log(
      `     ${"measure".padEnd(40)} ${"Emmett".padStart(12)} ${TABLES.map((t) => t.label.padStart(24)).join(" ")} ${"goal".padStart(15)}  met`,
    );
    for (const row of rows) {
      const cells = row.ours.map((x) => {
        if (x === undefined) return NA;
        if (row.emmett === undefined) return `${fmt(x)}x`;
        return `${fmt(x, row.unit === "ms" ? 2 : 0)} ${row.unit} ${fmt(x / row.emmett)}x`;
      });
      const met = row.ours.map((x) => {
        if (x === undefined) return "-";
        if (row.emmett === undefined) return x >= 10 ? "yes" : "NO";
        return (row.better === "lower" ? x <= row.emmett : x >= row.emmett) ? "yes" : "NO";
      });
      const theirs = row.emmett === undefined ? "-" : `${fmt(row.emmett, row.unit === "ms" ? 2 : 0)} ${row.unit}`;
      console.log(
        `     ${row.measure.padEnd(40)} ${theirs.padStart(12)} ${cells.map((c) => c.padStart(24)).join(" ")} ${row.goal.padStart(15)}  ${met.join("/")}${row.note ? ` (${row.note})` : ""}`,
      );
    }
  } finally {
    await emmett.call("close", undefined as never).catch(() => undefined);
    await emmett.stop();
    await one.end();
    await client.end();
    await oursDb.drop();
    await emmettDb.drop();
  }
}
