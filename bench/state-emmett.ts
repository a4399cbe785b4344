/**
 * The Emmett side of `BENCH_ONLY=state` (bench/state.ts), in a child process of its own.
 *
 * Why a child: Emmett's PostgreSQL driver (dumbo, `setNodePostgresTypeParser`) sets node-postgres's
 * GLOBAL type parsers when its first pool is made (int8 as `BigInt`, json and jsonb through its own
 * JSON parser). Our side runs on postgres.js, which does not read them, but anything of ours on
 * node-postgres in the same process would read its rows differently after Emmett starts. Here nothing
 * else runs, so nothing of ours can be changed by it.
 *
 * The parent sends `{ id, op, args }` messages over the IPC channel and gets `{ id, ok, result }` or
 * `{ id, ok: false, error }` back; the ops are the measures of bench/state.ts, Emmett's way:
 * `getPostgreSQLEventStore(url)` (on a node-postgres pool of the size the measure needs, given through
 * `connectionOptions.pool`: Emmett's own pool has node-postgres's default of 10 connections, and takes
 * no size), `appendToStream` with `expectedStreamVersion`, `aggregateStream`, and `CommandHandler`.
 */
import {
  CommandHandler,
  isExpectedVersionConflictError,
  STREAM_DOES_NOT_EXIST,
  type Event,
} from "@event-driven-io/emmett";
import { getPostgreSQLEventStore, type PostgresEventStore } from "@event-driven-io/emmett-postgresql";
import pg from "pg";
import { closeStores, serveOps } from "./emmett-child.js";
import { AUTO_EXPLAIN, explainedLater, type Explained } from "./state-profile.js";

type Deposited = Event<"Deposited", { amount: number; note: string }>;
interface Account {
  readonly balance: number;
  readonly count: number;
}
const initialState = (): Account => ({ balance: 0, count: 0 });
const evolve = (state: Account, event: Deposited): Account => ({
  balance: state.balance + event.data.amount,
  count: state.count + 1,
});
const deposit = (amount: number): Deposited => ({ type: "Deposited", data: { amount, note: `deposit ${amount}` } });

// Every statement Emmett sends goes through node-postgres's Client#query (pooled clients included):
// counted, for the round trips per operation.
let queries = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

/** This process's CPU time (user and system) since `since`, in µs. */
const cpuSince = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since);
  return user + system;
};

let url = "";
const stores = new Map<string, { store: PostgresEventStore; pool: pg.Pool }>();

/**
 * An event store on a pool of `size` connections (one per size, made once, schema migrated); with
 * `flush` false, its sessions do not wait for the WAL flush of their commits (synchronous_commit off).
 */
async function storeOf(size: number, flush = true): Promise<PostgresEventStore> {
  const key = `${size}-${flush}`;
  const made = stores.get(key);
  if (made) return made.store;
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    ...(flush ? {} : { options: "-c synchronous_commit=off" }),
  });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  stores.set(key, { store, pool });
  return store;
}

let streams = 0;
/** A new stream of `events` deposits, appended 100 at a time with expected versions; its version. */
async function newStream(store: PostgresEventStore, events = 1): Promise<{ name: string; version: bigint }> {
  const name = `account-${++streams}`;
  let version: bigint | undefined;
  for (let i = 0; i < events; i += 100) {
    const batch = Array.from({ length: Math.min(100, events - i) }, (_, k) => deposit(i + k + 1));
    const result = await store.appendToStream(name, batch, { expectedStreamVersion: version ?? STREAM_DOES_NOT_EXIST });
    version = result.nextExpectedStreamVersion;
  }
  return { name, version: version! };
}

const latencyStreams = new Map<string, { name: string; version: bigint }>();

const ops = {
  async init(args: { url: string }) {
    url = args.url;
    await storeOf(1);
    return null;
  },

  /**
   * `count` appends with an expected version to stream `key`, one after the other: each one's µs
   * (`flush` false: with synchronous_commit off).
   */
  async latency(args: { key: string; count: number; flush: boolean }) {
    const store = await storeOf(1, args.flush);
    let stream = latencyStreams.get(args.key);
    if (!stream) latencyStreams.set(args.key, (stream = await newStream(store)));
    const times: number[] = [];
    for (let i = 0; i < args.count; i++) {
      const started = performance.now();
      const result = await store.appendToStream(stream.name, [deposit(i)], { expectedStreamVersion: stream.version });
      times.push((performance.now() - started) * 1000);
      stream.version = result.nextExpectedStreamVersion;
    }
    return times;
  },

  /**
   * `writers` writers on streams of their own (`recordsPerWriter` each, round-robin) for `seconds`:
   * appends/s (`flush` false: with synchronous_commit off).
   */
  async throughput(args: { writers: number; recordsPerWriter: number; seconds: number; flush: boolean }) {
    const store = await storeOf(args.writers, args.flush);
    const own = await Promise.all(
      Array.from({ length: args.writers }, async () => {
        const mine = [];
        for (let r = 0; r < args.recordsPerWriter; r++) mine.push(await newStream(store));
        return mine;
      }),
    );
    const started = performance.now();
    const deadline = started + args.seconds * 1000;
    const counts = await Promise.all(
      own.map(async (mine) => {
        let n = 0;
        while (performance.now() < deadline) {
          const stream = mine[n % mine.length]!;
          const result = await store.appendToStream(stream.name, [deposit(n)], {
            expectedStreamVersion: stream.version,
          });
          stream.version = result.nextExpectedStreamVersion;
          n++;
        }
        return n;
      }),
    );
    return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
  },

  /**
   * `writers` writers on ONE new stream, each calling a CommandHandler (aggregateStream, decide, append
   * with the version read) in a loop for `seconds`: successful appends/s, and the conflicts. Emmett's
   * default handler (no retry): a conflicted call throws, and the writer calls again at once (a retry
   * with no back-off; `retry: { onVersionConflict: true }` waits 100 ms and more between attempts).
   */
  async decide(args: { writers: number; seconds: number }) {
    const store = await storeOf(args.writers);
    const handle = CommandHandler<Account, Deposited>({ evolve, initialState });
    const { name } = await newStream(store);
    let conflicts = 0;
    const started = performance.now();
    const deadline = started + args.seconds * 1000;
    const counts = await Promise.all(
      Array.from({ length: args.writers }, async (_, w) => {
        let n = 0;
        while (performance.now() < deadline) {
          try {
            await handle(store, name, (state) => deposit(state.count + w));
            n++;
          } catch (error) {
            if (!isExpectedVersionConflictError(error)) throw error;
            conflicts++;
          }
        }
        return n;
      }),
    );
    const successes = counts.reduce((a, b) => a + b, 0);
    const { state } = await store.aggregateStream(name, { evolve, initialState });
    // every successful call appended exactly one event, and nothing else was appended (+1: the first)
    if (state.count !== successes + 1)
      throw new Error(`Emmett's stream has ${state.count} events, not ${successes + 1} (successes + 1)`);
    return { rate: successes / ((performance.now() - started) / 1000), successes, conflicts };
  },

  /** Makes the stream of `events` events `key` (untimed). */
  async prepareAggregate(args: { key: string; events: number }) {
    latencyStreams.set(args.key, await newStream(await storeOf(1), args.events));
    return null;
  },

  /** `runs` aggregateStream calls of stream `key`: each one's ms, and the last state. */
  async aggregate(args: { key: string; runs: number }) {
    const store = await storeOf(1);
    const name = latencyStreams.get(args.key)!.name;
    const times: number[] = [];
    let last: Account | undefined;
    for (let i = 0; i < args.runs; i++) {
      const started = performance.now();
      last = (await store.aggregateStream(name, { evolve, initialState })).state;
      times.push(performance.now() - started);
    }
    return { times, state: last };
  },

  /**
   * The profile: for `n` appends with an expected version and one aggregate of stream `key`, the
   * statements sent (round trips) and the executor time auto_explain reports for each planned one, on a
   * pool of one connection of its own (auto_explain loaded in it, plans sent back as notices).
   */
  async profile(args: { n: number; key: string }) {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const explained: Explained[] = [];
    pool.on("connect", (client) => {
      client.on("notice", (notice) => {
        const plan = explainedLater(notice.message ?? "");
        if (plan) explained.push(plan);
      });
      void client.query(AUTO_EXPLAIN.join("; "));
    });
    const store = getPostgreSQLEventStore(url, { connectionOptions: { pool }, schema: { autoMigration: "None" } });
    try {
      const stream = await newStream(store);
      const name = latencyStreams.get(args.key)!.name;
      // warm-up: the connection and its SETs, plans, caches and the JIT
      await store.aggregateStream(name, { evolve, initialState });
      for (let i = 0; i < args.n; i++)
        stream.version = (
          await store.appendToStream(stream.name, [deposit(i)], { expectedStreamVersion: stream.version })
        ).nextExpectedStreamVersion;
      const append = { statements: 0, explained: [] as Explained[], cpu: 0 };
      const cpu = process.cpuUsage();
      for (let i = 0; i < args.n; i++) {
        const [q, e] = [queries, explained.length];
        stream.version = (
          await store.appendToStream(stream.name, [deposit(i)], { expectedStreamVersion: stream.version })
        ).nextExpectedStreamVersion;
        append.statements += queries - q;
        append.explained.push(...explained.slice(e));
      }
      append.cpu = cpuSince(cpu) / args.n;
      const [q, e] = [queries, explained.length];
      const aggregateCpu = process.cpuUsage();
      await store.aggregateStream(name, { evolve, initialState });
      const aggregate = { statements: queries - q, explained: explained.slice(e), cpu: cpuSince(aggregateCpu) };
      return { append, aggregate, stream: name };
    } finally {
      await store.close();
      await pool.end();
    }
  },

  async close() {
    await closeStores(stores);
    return null;
  },
};

export type EmmettOps = typeof ops;

serveOps(ops);
