/**
 * `npm run bench`, consumers part (`BENCH_ONLY=consumers`, issue 23): our consumer side by side in one
 * run with a raw keyset `SELECT` of the same rows and with Emmett 0.42's PostgreSQL consumer
 * (`postgreSQLEventStoreConsumer` of `@event-driven-io/emmett-postgresql`, a dev dependency of this
 * bench only), on the same PostgreSQL, each side in fresh databases of its own (dropped at the end).
 * Emmett runs in a child process (bench/consumers-emmett.ts; bench/state-emmett.ts says why).
 *
 * 1. Throughput, no-op handler: BENCH_EVENTS (1,000,000) events, appended 100 per transaction (one
 *    record, or one Emmett stream, per transaction) by one writer (untimed), both databases vacuumed and
 *    analyzed, a CHECKPOINT written; then, each reading them all, BENCH_BATCH (1,000) per batch:
 *    - the raw keyset: `SELECT * FROM events WHERE id > $1 ORDER BY id LIMIT n` on postgres.js, until
 *      a batch comes back empty;
 *    - ours: `consumer(...).run()`, a no-op `handle` that aborts it once it has seen every event (`run`
 *      catching up hands over up to 10 batches in a transaction; `runOnce()` in a loop, a transaction
 *      per batch, is shown beside it), under a new name each time, in BENCH_ROUNDS (5) rounds with the
 *      keyset, the runOnce loop, readAll and the bare statement below, the order rotating every round,
 *      each figure the median of its rounds (after a first keyset pass that warms the cache and an
 *      untimed round of every side that warms the process, not counted):
 *      - a first pass: the events queued (the positioner gives them their positions as the consumer
 *        reads: a consumer's first pass over events nobody read yet). Once right after the load (shown,
 *        not counted: it runs in the slowest part of the run), then in each round with every event put
 *        back in the queue by the bench (their positions cleared, the positions table vacuumed, untimed);
 *      - a replay: the events positioned already (another consumer, or a rebuild);
 *    - the bare statement our read runs (its text built by src/consumers/read-statement.ts), on
 *      postgres.js: the positions rows after a cursor, each row's events read by one index range on
 *      `id` (or looked up by id), no transaction, no checkpoint, no decoding: the most a reader in
 *      position order reaches;
 *    - Emmett: a consumer with one reactor (`eachMessage` a no-op; Emmett stores a checkpoint per
 *      message), `pulling: { batchSize: n, pullingFrequencyInMs: 0 }` (its default, 50 ms, would sleep
 *      between full batches), stopped when no message is left.
 * 2. Commit-to-handler latency: 8 writers, each appending one event per transaction to a record (a
 *    stream) of its own in a loop, 2 rounds of BENCH_LATENCY_SECONDS (10) per side, in the order ours,
 *    Emmett, Emmett, ours, each round on empty tables; a consumer runs meanwhile from the start of the
 *    round. Latency = the time the handler got the event - the time the writer's append returned (after
 *    its COMMIT), one clock per process (the writers and the consumer in the same process on each side;
 *    Emmett's writers put a key in the event's data, the handler looks it up). Ours: `run({ signal })`
 *    (woken by LISTEN/NOTIFY, batches of BENCH_BATCH); Emmett: its default pulling (batches of 100, and a
 *    wait doubling from 100 ms to 1 s after a batch that was not full). Each side's delivery is checked:
 *    every appended event handled exactly once. After the throughput part, both databases are vacuumed
 *    and a CHECKPOINT written first (the big tables' autovacuum would run during the rounds).
 * 3. The append cost of `positions: true`: a table with it against the same table without, in one
 *    database, interleaved: one writer on one connection appending one event at a time to an existing
 *    record (1,000 per table after 100, blocks of 50, rotated; p50 µs), and 8 writers on distinct
 *    records (bench/appends.ts; 2 s rounds, 5 rounds after a warm-up, rotated; median appends/s). No
 *    consumer runs meanwhile: the events stay queued.
 * A last table puts each figure beside its goal.
 *
 * Our side is the few functions of `ours` below: tables made with `positions: true`, `consumer` with a
 * `consumerTable`, and `readAll`.
 */
import { loadavg } from "node:os";
import { is, Placeholder } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import {
  appendEvent,
  consumer,
  consumerTable,
  readAll,
  spectorTables,
  type AnyEventTable,
  type Consumer,
  type SpectorDatabase,
} from "../src/index.js";
import { buildRead } from "../src/consumers/read-statement.js";
import { rowPositions } from "../src/consumers/row-positions.js";
import { names } from "../src/naming/index.js";
import { quoteIdent } from "../src/sql/quote.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase, type FreshDatabase } from "../test/support/fresh-database.js";
import { startThrowawayCluster } from "../test/support/throwaway-cluster.js";
import { appendsPerSecond } from "./appends.js";
import type { EmmettConsumerOps } from "./consumers-emmett.js";
import { startEmmett } from "./emmett-child.js";
import { fmt, median, percentile } from "./stats.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const PER_APPEND = 100;
/** Rounds of the keyset, the replay, the runOnce loop, readAll and the bare statement in the throughput part (BENCH_ROUNDS). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// one writer: Emmett's consumer reads in transaction order but keeps the last global position as its
// checkpoint, so that it skips events when concurrent writers commit out of position order (measured: 2,832
// of 20,000 events never handled with 4 loading writers); with one, it delivers them all
const LOAD_WRITERS = 1;
const WRITERS = 8;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const DRAIN_SECONDS = 30;
const QUIET_MS = 3000;
const SINGLE = 1000;
const SINGLE_WARMUP = 100;
const BLOCK = 50;
const APPEND_SECONDS = 2;
const APPEND_ROUNDS = 5;
/** Which of the three measures to run (BENCH_CONSUMER_PARTS, e.g. "13"; all by default). */
const PARTS = process.env.BENCH_CONSUMER_PARTS ?? "123";

const declared = { schemas: { account: 0, item: 1 }, actions: { deposit: 10 } } as const;

// ---------------------------------------------------------------------------------------------------
// Our side: the one place to change when the consumer API lands.

const checkpoints = consumerTable("checkpoints");

const ours = {
  /** The tables of the bench: `name` with positions or without. */
  tables(name: string, positions: boolean): Record<string, AnyEventTable> {
    const make = spectorTables as unknown as (options: object) => Record<string, AnyEventTable>;
    return make({ table: name, ...declared, ...(positions ? { positions: true } : {}) });
  },
  /** A consumer `name` of `table`, batches of BATCH, whose handler calls `handle` (and writes nothing). */
  consumer(
    db: PostgresJsDatabase,
    table: AnyEventTable,
    name: string,
    handle: (events: readonly { id: string }[]) => void,
  ): Consumer {
    return consumer(db, table, {
      name,
      checkpoints,
      batchSize: BATCH,
      handle: async (events) => handle(events as unknown as { id: string }[]),
    });
  },
  /** Reads `table` from the start with `readAll`, BATCH at a time, until a read comes back empty: the events read. */
  async readAllLoop(db: SpectorDatabase, table: AnyEventTable): Promise<number> {
    let after: string | undefined;
    let read = 0;
    for (;;) {
      const { events, next } = await readAll(db, table, { after, limit: BATCH });
      if (events.length === 0) return read;
      read += events.length;
      after = next;
    }
  },
};

// ---------------------------------------------------------------------------------------------------

const rotate = <T>(sides: readonly T[], round: number): T[] => sides.map((_, i) => sides[(i + round) % sides.length]!);

const load = () =>
  loadavg()
    .map((x) => fmt(x))
    .join(" ");

/** A line of the summary: a measure, ours, the reference, the ratio and its goal. */
interface Line {
  readonly measure: string;
  readonly ours: string;
  readonly reference: string;
  readonly ratio: number;
  readonly goal: string;
  readonly met: boolean;
}

/**
 * Runs the consumers part and prints its figures: on a throwaway cluster of its own (the local
 * PostgreSQL binaries, default settings), or on the server of `url` with BENCH_CONSUMERS_SERVER=shared.
 * Why a cluster of its own: Emmett's consumer reads only events of transactions older than the
 * cluster's oldest running one (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`), so that on
 * a shared server any session idle in a transaction, in any database, stops it (seen here: a test
 * session of another project idle in its transaction for minutes); its throughput would measure them.
 */
export async function benchConsumers(sharedUrl: string): Promise<void> {
  const shared = process.env.BENCH_CONSUMERS_SERVER === "shared";
  const cluster = shared ? undefined : await startThrowawayCluster({});
  try {
    await benchOn(cluster?.url() ?? sharedUrl, shared ? "the shared server" : "a throwaway cluster of its own");
  } finally {
    await cluster?.stop();
  }
}

async function benchOn(url: string, server: string): Promise<void> {
  const created: FreshDatabase[] = [];
  const fresh = async (prefix: string) => {
    const db = await createFreshDatabase(url, prefix);
    created.push(db);
    return db;
  };
  const oursDb = await fresh("spector_bench_consumers");
  const emmettDb = await fresh("spector_bench_consumers_emmett");
  const admin = postgres(oursDb.url, { max: LOAD_WRITERS, onnotice: () => {} });
  const one = postgres(oursDb.url, { max: 1, onnotice: () => {} });
  const writers = postgres(oursDb.url, { max: WRITERS, onnotice: () => {} });
  const consumerClient = postgres(oursDb.url, { max: 2, onnotice: () => {} });
  const emmett = startEmmett<EmmettConsumerOps>(new URL("./consumers-emmett.ts", import.meta.url));
  const lines: Line[] = [];
  /** Runs `vacuum` in both databases, then a CHECKPOINT (one cluster): no background work left for what is measured next. */
  const quiet = async (vacuum: "VACUUM" | "VACUUM ANALYZE") => {
    await admin.unsafe(vacuum);
    const other = postgres(emmettDb.url, { max: 1, onnotice: () => {} });
    await other.unsafe(vacuum).finally(() => other.end());
    await admin.unsafe("CHECKPOINT");
  };
  try {
    const tables: Record<string, AnyEventTable> = {
      ...ours.tables("events", true),
      ...ours.tables("live_1", true),
      ...ours.tables("live_2", true),
      ...ours.tables("positioned", true),
      ...ours.tables("plain", false),
    };
    // in one transaction, as drizzle-kit's migrate runs a migration (the positions' backfill locks the table)
    const ddl = splitStatements(await createSql({ ...tables, checkpoints }));
    await admin.begin(async (tx) => {
      for (const statement of ddl) await tx.unsafe(statement);
    });
    const [{ server_version: version }] = (await admin`SHOW server_version`) as unknown as [{ server_version: string }];
    console.log(
      `consumers, side by side with a raw keyset SELECT and Emmett 0.42's PostgreSQL consumer, PostgreSQL ${version} ` +
        `(${server}); ` +
        `databases ${oursDb.name} (ours, postgres.js) and ${emmettDb.name} (Emmett, node-postgres, in a child process)`,
    );
    console.log(`  load average at the start: ${load()}`);

    // 1. throughput -----------------------------------------------------------------------------------
    if (PARTS.includes("1")) {
      const started = performance.now();
      await admin.unsafe(`CREATE FUNCTION bench_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
        $$ SELECT (lpad(to_hex(1790000000000 + n), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`);
      let next = 0;
      await Promise.all(
        Array.from({ length: LOAD_WRITERS }, async () => {
          while (next < EVENTS) {
            const from = next;
            const count = Math.min(PER_APPEND, EVENTS - from);
            next += count;
            // one record per transaction: its root (insert) and the deposits after it
            await admin.unsafe(`INSERT INTO events (id, parent_id, schema, action, payload)
              SELECT bench_id(${from} + k), bench_id(${from}), 0, CASE WHEN k = 0 THEN 1 ELSE 10 END,
                     jsonb_build_object('amount', ${from} + k + 1, 'note', 'deposit ' || (${from} + k + 1))
                FROM generate_series(0, ${count - 1}) AS k`);
          }
        }),
      );
      const oursLoad = performance.now() - started;
      const theirs = await emmett.call("load", {
        url: emmettDb.url,
        events: EVENTS,
        perAppend: PER_APPEND,
        writers: LOAD_WRITERS,
      });
      // the load and the vacuums left dirty pages: written out now, not by the checkpointer during the
      // passes (every side's first rounds are slower than its later ones, with this CHECKPOINT or without)
      await quiet("VACUUM ANALYZE");
      console.log(
        `\n  1. throughput, no-op handler: ${EVENTS} events, ${PER_APPEND} per transaction, loaded by ${LOAD_WRITERS} writers ` +
          `(ours: INSERT ... SELECT, ${fmt(oursLoad / 1000, 1)} s; Emmett: appendToStream, ${fmt(theirs.ms / 1000, 1)} s), ` +
          `vacuumed and analyzed; batches of ${BATCH}`,
      );

      const keyset = async (): Promise<number> => {
        let last = "00000000-0000-0000-0000-000000000000";
        let read = 0;
        const t0 = performance.now();
        for (;;) {
          const rows = await one`SELECT * FROM events WHERE id > ${last} ORDER BY id LIMIT ${BATCH}`;
          if (rows.length === 0) break;
          read += rows.length;
          last = (rows[rows.length - 1] as unknown as { id: string }).id;
        }
        const ms = performance.now() - t0;
        if (read !== EVENTS) throw new Error(`the keyset read ${read} events, not ${EVENTS}`);
        return ms;
      };
      // `run` until the handler has seen every event (it then aborts), or `runOnce` until it returns 0
      const consume = async (name: string, loop: "run" | "runOnce" = "run"): Promise<number> => {
        let handled = 0;
        const stop = new AbortController();
        const c = ours.consumer(drizzle(one), tables.events!, name, (events) => {
          handled += events.length;
          if (handled >= EVENTS) stop.abort();
        });
        const t0 = performance.now();
        if (loop === "run") await c.run({ signal: stop.signal });
        else while ((await c.runOnce()) > 0);
        const ms = performance.now() - t0;
        if (handled !== EVENTS) throw new Error(`our consumer ${name} handled ${handled} events, not ${EVENTS}`);
        return ms;
      };
      // the statement our read runs (src/consumers/read-statement.ts: each positions row's events read
      // by one index range on `id`, or looked up by `id`), bare, its text built by our code: what
      // reading in position order costs before any transaction, checkpoint or decoding
      const bareRead = buildRead(drizzle(one), tables.events as never, tables.events_positions as never, false).toSQL();
      const bareParams = (last: number) =>
        bareRead.params.map((param) =>
          is(param, Placeholder) ? (param.name === "after" ? last : BATCH) : (param as string | number),
        );
      const positionOrder = async (): Promise<number> => {
        let last = 0;
        let read = 0;
        const t0 = performance.now();
        for (;;) {
          const rows = await one.unsafe(bareRead.sql, bareParams(last), { prepare: true });
          if (rows.length === 0) break;
          read += rows.length;
          const records = rows as unknown as Record<string, string>[];
          for (const at of rowPositions(records, (i) => records[i]!.id)) last = Math.max(last, at);
        }
        const ms = performance.now() - t0;
        if (read !== EVENTS) throw new Error(`the position-order read read ${read} events, not ${EVENTS}`);
        return ms;
      };
      const readAllPass = async (): Promise<number> => {
        const t0 = performance.now();
        const read = await ours.readAllLoop(drizzle(one), tables.events!);
        const ms = performance.now() - t0;
        if (read !== EVENTS) throw new Error(`readAll read ${read} events, not ${EVENTS}`);
        return ms;
      };
      const rate = (ms: number) => EVENTS / (ms / 1000);
      // a first pass over queued events: the bench puts every event back in the queue (its positions
      // cleared, in `queued` order as loaded), untimed, then a consumer of a new name reads them all (its
      // positioner numbering them as it goes); the positions table is vacuumed after it, untimed too, so
      // that the next side finds it as a replay would. Each time a CHECKPOINT then writes the dirty pages
      // out, as after the load: the 20 MB of positions rows rewritten by the bench are not written out
      // during the pass, nor the pass's own numbering during the next side
      const positionsTable = quoteIdent(names.positions.table("events"));
      const settled = async (statements: string[]) => {
        for (const statement of statements) await admin.unsafe(statement);
        await admin.unsafe("CHECKPOINT");
      };
      const firstPass = async (name: string): Promise<number> => {
        await settled([
          `UPDATE ${positionsTable} SET position = NULL WHERE position IS NOT NULL`,
          `VACUUM ANALYZE ${positionsTable}`,
        ]);
        const ms = await consume(name);
        await settled([`VACUUM ANALYZE ${positionsTable}`]);
        return ms;
      };
      // a first keyset pass, untimed in the figures: the table's pages come into the cache (the rounds'
      // figures would otherwise include one cold run of the keyset); then the first pass once, right
      // after the load (shown, not counted: it runs in the slowest part of the run); then ROUNDS rounds of
      // the keyset, a first pass again, a replay over positioned events (a consumer name of its own each
      // round), the runOnce loop, readAll and the bare statement, in an order rotating every round; each
      // figure the median of its rounds
      const warmup = await keyset();
      const firstAfterLoad = await consume("throughput-first");
      await settled([`VACUUM ANALYZE ${positionsTable}`]);
      const sides: [string, (round: number) => Promise<number>][] = [
        ["keyset", keyset],
        ["first", (round) => firstPass(`throughput-first-${round}`)],
        ["replay", (round) => consume(`throughput-replay-${round}`)],
        ["runOnce", (round) => consume(`throughput-once-${round}`, "runOnce")],
        ["readAll", readAllPass],
        ["bare", positionOrder],
      ];
      // one untimed round of every side first: a process's first passes over 1,000,000 events take up
      // to twice its later ones whatever they run (measured: one consumer's replay 4.5, 3.7, 2.4, 2.5,
      // 2.4 s in a row in one process, again in the next process), which would fall on the sides of the
      // first rounds
      for (const [, run] of sides) await run(ROUNDS);
      const runs: Record<string, number[]> = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const [side, run] of rotate(sides, round)) (runs[side] ??= []).push(await run(round));
      }
      const [raw, first, replay, once, readAllReplay, joined] = [
        "keyset",
        "first",
        "replay",
        "runOnce",
        "readAll",
        "bare",
      ].map((side) => median(runs[side]!)) as [number, number, number, number, number, number];
      const em = await emmett.call("throughput", {
        url: emmettDb.url,
        batchSize: BATCH,
        pullingFrequencyInMs: 0,
        processorId: "throughput",
      });
      if (em.handled !== EVENTS) throw new Error(`Emmett's consumer handled ${em.handled} events, not ${EVENTS}`);
      const show = (label: string, ms: number) =>
        console.log(
          `     ${label.padEnd(100)} ${fmt(ms / 1000, 1).padStart(7)} s ${fmt(rate(ms), 0).padStart(9)} events/s`,
        );
      const each = (side: string) => runs[side]!.map((ms) => fmt(ms / 1000, 2)).join(", ");
      show("raw keyset SELECT (postgres.js), the first pass over the table (not counted)", warmup);
      console.log("     (then one round of every side below, not counted: the process warms up)");
      show(`raw keyset SELECT (postgres.js), median of ${each("keyset")} s`, raw);
      show(
        "ours, consumer.run, events still queued (first pass), once right after the load (not counted)",
        firstAfterLoad,
      );
      show(`ours, consumer.run, events put back in the queue (first pass), median of ${each("first")} s`, first);
      show(`ours, consumer.run, events positioned (replay), median of ${each("replay")} s`, replay);
      show(`ours, consumer.runOnce loop (a transaction per batch), replay, median of ${each("runOnce")} s`, once);
      show(`ours, readAll loop, events positioned (replay), median of ${each("readAll")} s`, readAllReplay);
      show(`raw position-order SELECT (postgres.js): our read's statement, median of ${each("bare")} s`, joined);
      show("Emmett consumer, one reactor, pullingFrequencyInMs 0", em.ms);
      console.log(
        `     raw position-order SELECT / raw keyset: ${fmt(raw / joined)}x (the most a reader in position order can reach); ` +
          `consumer replay / raw position-order SELECT: ${fmt(joined / replay)}x`,
      );
      const measures: [string, number][] = [
        ["consumer, first pass", first],
        ["consumer, replay", replay],
      ];
      for (const [label, ms] of measures) {
        lines.push({
          measure: `throughput, ${label}, vs raw keyset`,
          ours: `${fmt(rate(ms), 0)}/s`,
          reference: `${fmt(rate(raw), 0)}/s`,
          ratio: raw / ms,
          goal: ">= 0.70x",
          met: raw / ms >= 0.7,
        });
        lines.push({
          measure: `throughput, ${label}, vs Emmett`,
          ours: `${fmt(rate(ms), 0)}/s`,
          reference: `${fmt(rate(em.ms), 0)}/s`,
          ratio: em.ms / ms,
          goal: ">= 1x",
          met: ms <= em.ms,
        });
      }
    }

    // 2. commit-to-handler latency ----------------------------------------------------------------------
    if (PARTS.includes("2")) {
      if (PARTS.includes("1")) {
        // the throughput part left both sides' big tables to autovacuum (numbered positions rows,
        // Emmett's checkpoints): vacuum them and write the dirty pages out now, so that this part
        // measures the consumers, not that background work (measured: p99 103 ms after the part at
        // 1,000,000 events, 35 ms without it)
        await quiet("VACUUM");
      }
      const wdb = drizzle(writers);
      const oursRound = async (table: AnyEventTable, round: number) => {
        const committed = new Map<string, number>();
        // how long each timed append took, its COMMIT included: the floor under a tail of the latency
        const appends: number[] = [];
        const handled = new Map<string, number>();
        let twice = 0;
        let lastHandled = 0;
        const controller = new AbortController();
        const handle = (events: readonly { id: string }[]) => {
          const now = performance.now();
          lastHandled = now;
          for (const event of events) {
            if (handled.has(event.id)) twice++;
            else handled.set(event.id, now);
          }
        };
        const running = ours
          .consumer(drizzle(consumerClient), table, `latency-${round}`, handle)
          .run({ signal: controller.signal });
        const records = await Promise.all(
          Array.from(
            { length: WRITERS },
            async (_, w) =>
              (
                (await appendEvent(wdb, table, {
                  schema: "account",
                  action: "insert",
                  payload: { amount: 0, note: `writer ${w}` },
                } as never)) as { id: string }
              ).id,
          ),
        );
        // the records' first events are not timed, but must be delivered too
        const untimed = new Set(records);
        const started = performance.now();
        const deadline = started + LATENCY_SECONDS * 1000;
        await Promise.all(
          records.map(async (parentId, w) => {
            for (let n = 0; performance.now() < deadline; n++) {
              const called = performance.now();
              const row = (await appendEvent(wdb, table, {
                schema: "account",
                action: "deposit",
                parentId,
                payload: { amount: n, note: `deposit ${n}`, key: `${w}:${n}` },
              } as never)) as { id: string };
              const returned = performance.now();
              committed.set(row.id, returned);
              appends.push(returned - called);
            }
          }),
        );
        const appendSeconds = (performance.now() - started) / 1000;
        const drain = performance.now() + DRAIN_SECONDS * 1000;
        // until every event is handled, or none was for QUIET_MS
        while (
          handled.size < committed.size + untimed.size &&
          performance.now() < drain &&
          performance.now() - Math.max(lastHandled, deadline) < QUIET_MS
        )
          await new Promise((resolve) => setTimeout(resolve, 20));
        controller.abort();
        await running;
        const latencies: number[] = [];
        for (const [id, at] of committed) {
          const got = handled.get(id);
          if (got !== undefined) latencies.push(got - at);
        }
        return {
          latencies,
          appends,
          appended: committed.size + untimed.size,
          appendsPerSecond: committed.size / appendSeconds,
          handled: handled.size,
          twice,
        };
      };
      const emmettDbs = [await fresh("spector_bench_live_emmett"), await fresh("spector_bench_live_emmett")];
      type Result = Omit<Awaited<ReturnType<typeof oursRound>>, "appends"> & { appends?: number[] };
      const results = new Map<string, Result[]>([
        ["ours", []],
        ["emmett", []],
      ]);
      const order = ["ours", "emmett", "emmett", "ours"] as const;
      let oursRounds = 0;
      let emmettRounds = 0;
      for (const side of order) {
        if (side === "ours") {
          oursRounds++;
          results.get("ours")!.push(await oursRound(tables[`live_${oursRounds}`]!, oursRounds));
        } else {
          emmettRounds++;
          results.get("emmett")!.push(
            await emmett.call("latency", {
              url: emmettDbs[emmettRounds - 1]!.url,
              writers: WRITERS,
              seconds: LATENCY_SECONDS,
              drainSeconds: DRAIN_SECONDS,
              round: emmettRounds,
            }),
          );
        }
      }
      console.log(
        `\n  2. commit-to-handler latency, ${WRITERS} writers appending one event per transaction, ` +
          `2 rounds of ${LATENCY_SECONDS} s per side (ours, Emmett, Emmett, ours): ms from the append's return to the handler`,
      );
      console.log(
        `     ${"".padEnd(44)} ${"p50".padStart(8)} ${"p90".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)} ` +
          `${"appends/s".padStart(10)} ${"delivered".padStart(20)}`,
      );
      const figures = new Map<string, { p50: number; p99: number }>();
      for (const [side, label] of [
        ["ours", "ours, consumer.run (LISTEN/NOTIFY)"],
        ["emmett", "Emmett consumer, default pulling"],
      ] as const) {
        const rounds = results.get(side)!;
        const all = rounds.flatMap((r) => r.latencies);
        const appended = rounds.reduce((a, r) => a + r.appended, 0);
        const handled = rounds.reduce((a, r) => a + r.handled, 0);
        const twice = rounds.reduce((a, r) => a + r.twice, 0);
        const delivered = `${handled}/${appended}${twice > 0 ? `, ${twice} twice` : ""}`;
        figures.set(side, { p50: percentile(all, 50), p99: percentile(all, 99) });
        console.log(
          `     ${label.padEnd(44)} ${fmt(percentile(all, 50), 1).padStart(8)} ${fmt(percentile(all, 90), 1).padStart(8)} ` +
            `${fmt(percentile(all, 99), 1).padStart(8)} ${fmt(Math.max(...all), 1).padStart(8)} ` +
            `${fmt(median(rounds.map((r) => r.appendsPerSecond)), 0).padStart(10)} ${delivered.padStart(20)}`,
        );
        if (handled !== appended || twice > 0)
          console.log(`     ${label}: NOT every appended event was handled exactly once`);
      }
      // the writers' own appends in our rounds, call to return: the same process and machine (a
      // commit's WAL flush, the CPU the writers and the consumer share) under the consumer's latency
      const appendTimes = results.get("ours")!.flatMap((r) => r.appends ?? []);
      console.log(
        `     ${"ours, the writers' appends themselves".padEnd(44)} ${fmt(percentile(appendTimes, 50), 1).padStart(8)} ` +
          `${fmt(percentile(appendTimes, 90), 1).padStart(8)} ${fmt(percentile(appendTimes, 99), 1).padStart(8)} ` +
          `${fmt(Math.max(...appendTimes), 1).padStart(8)}`,
      );
      const theirs = figures.get("emmett")!;
      const mine = figures.get("ours")!;
      for (const p of ["p50", "p99"] as const)
        lines.push({
          measure: `latency ${p}, 8 writers`,
          ours: `${fmt(mine[p], 1)} ms`,
          reference: `${fmt(theirs[p], 1)} ms`,
          ratio: mine[p] / theirs[p],
          goal: p === "p50" ? "<= 1x" : "<= 1x, < 50 ms",
          met: mine[p] <= theirs[p] && (p === "p50" || mine[p] < 50),
        });
    }

    // 3. the append cost of positions ---------------------------------------------------------------------
    if (PARTS.includes("3")) {
      const sides = [
        { key: "positioned", label: "positions: true", table: tables.positioned! },
        { key: "plain", label: "without positions", table: tables.plain! },
      ] as const;
      const single = drizzle(one);
      const parents = new Map<string, string>();
      for (const side of sides)
        parents.set(
          side.key,
          (
            (await appendEvent(single, side.table, {
              schema: "account",
              action: "insert",
              payload: { amount: 0 },
            } as never)) as { id: string }
          ).id,
        );
      const times = new Map<string, number[]>(sides.map((s) => [s.key, []]));
      const blocks = [SINGLE_WARMUP, ...Array.from({ length: Math.ceil(SINGLE / BLOCK) }, () => BLOCK)];
      for (const [b, count] of blocks.entries())
        for (const side of rotate(sides, b)) {
          const xs: number[] = [];
          for (let i = 0; i < count; i++) {
            const t0 = performance.now();
            await appendEvent(single, side.table, {
              schema: "account",
              action: "deposit",
              parentId: parents.get(side.key)!,
              payload: { amount: i, note: `deposit ${i}` },
            } as never);
            xs.push((performance.now() - t0) * 1000);
          }
          if (b > 0) times.get(side.key)!.push(...xs);
        }
      const rates = new Map<string, number[]>(sides.map((s) => [s.key, []]));
      const wdb = drizzle(writers);
      for (let round = -1; round < APPEND_ROUNDS; round++)
        for (const side of rotate(sides, round + 1)) {
          const rate = await appendsPerSecond(wdb, side.table, {
            writers: WRITERS,
            recordsPerWriter: 10,
            seconds: APPEND_SECONDS,
          });
          if (round >= 0) rates.get(side.key)!.push(rate);
        }
      console.log(
        `\n  3. the append cost of positions: ` +
          `one writer, one event per append (${SINGLE} per table after ${SINGLE_WARMUP}, blocks of ${BLOCK}, rotated), ` +
          `and ${WRITERS} writers on distinct records (${APPEND_SECONDS} s rounds, median of ${APPEND_ROUNDS}, rotated)`,
      );
      console.log(`     ${"".padEnd(24)} ${"p50 µs".padStart(8)} ${"p95 µs".padStart(8)} ${"appends/s".padStart(10)}`);
      for (const side of sides) {
        const xs = times.get(side.key)!;
        const rs = rates.get(side.key)!;
        console.log(
          `     ${side.label.padEnd(24)} ${fmt(median(xs), 0).padStart(8)} ${fmt(percentile(xs, 95), 0).padStart(8)} ` +
            `${fmt(median(rs), 0).padStart(10)} (${fmt(Math.min(...rs), 0)}-${fmt(Math.max(...rs), 0)})`,
        );
      }
      const latency = median(times.get("positioned")!) / median(times.get("plain")!);
      const rate = median(rates.get("plain")!) / median(rates.get("positioned")!);
      lines.push({
        measure: "append p50, 1 writer, positions / without",
        ours: `${fmt(median(times.get("positioned")!), 0)} µs`,
        reference: `${fmt(median(times.get("plain")!), 0)} µs`,
        ratio: latency,
        goal: "<= 1.15x",
        met: latency <= 1.15,
      });
      lines.push({
        measure: "appends/s, 8 writers, without / positions",
        ours: `${fmt(median(rates.get("positioned")!), 0)}/s`,
        reference: `${fmt(median(rates.get("plain")!), 0)}/s`,
        ratio: rate,
        goal: "<= 1.15x",
        met: rate <= 1.15,
      });
    }

    console.log(`\n  load average at the end: ${load()}`);
    console.log(
      `\n  summary (ratio: throughput, ours / the reference's; latency, ours / Emmett's; append cost, with positions / without)`,
    );
    console.log(
      `     ${"measure".padEnd(44)} ${"ours".padStart(12)} ${"reference".padStart(12)} ${"ratio".padStart(8)} ${"goal".padStart(15)}  met`,
    );
    for (const line of lines)
      console.log(
        `     ${line.measure.padEnd(44)} ${line.ours.padStart(12)} ${line.reference.padStart(12)} ` +
          `${`${fmt(line.ratio)}x`.padStart(8)} ${line.goal.padStart(15)}  ${line.met ? "yes" : "NO"}`,
      );
  } finally {
    await emmett.call("close", undefined as never).catch(() => undefined);
    await emmett.stop();
    await Promise.all([admin.end(), one.end(), writers.end(), consumerClient.end()]);
    for (const db of created) await db.drop();
  }
}
