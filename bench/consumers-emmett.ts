/**
 * The Emmett side of `BENCH_ONLY=consumers` (bench/consumers.ts), in a child process of its own, for
 * the reason bench/state-emmett.ts gives (Emmett's driver sets node-postgres's global type parsers).
 *
 * The parent sends `{ id, op, args }` messages over the IPC channel and gets `{ id, ok, result }` or
 * `{ id, ok: false, error }` back. The ops, Emmett's way, each on the database of its `url` (an event
 * store made once per URL, its schema migrated):
 * - `load`: events appended with `appendToStream`, a new stream per append (untimed for the figures);
 * - `throughput`: a `postgreSQLEventStoreConsumer` with one reactor (`eachMessage` a no-op, the
 *   checkpoint Emmett's `postgreSQLCheckpointer`, which stores one per message) from the beginning,
 *   stopped when no message is left (`stopWhen: { noMessagesLeft: true }`): the time to handle them all;
 * - `latency`: the same consumer with Emmett's default pulling (batches of 100, 50 ms between full
 *   batches, and a wait doubling from 100 ms up to 1 s after a batch that was not full) while writers
 *   append single events in a loop; each writer notes the time its `appendToStream` returned under a key
 *   it puts in the event's data, the handler the time it got the event under the same key (one clock:
 *   this process's `performance.now()`).
 */
import { type Event } from "@event-driven-io/emmett";
import {
  getPostgreSQLEventStore,
  postgreSQLEventStoreConsumer,
  type PostgresEventStore,
} from "@event-driven-io/emmett-postgresql";
import pg from "pg";
import { closeStores, serveOps } from "./emmett-child.js";

type Deposited = Event<"Deposited", { amount: number; note: string; key?: string }>;
const deposit = (amount: number, key?: string): Deposited => ({
  type: "Deposited",
  data: { amount, note: `deposit ${amount}`, ...(key === undefined ? {} : { key }) },
});

const stores = new Map<string, { store: PostgresEventStore; pool: pg.Pool }>();

/** The event store on `url` (a pool of `size` connections the first time), its schema migrated once. */
async function storeOf(url: string, size = 10): Promise<{ store: PostgresEventStore; pool: pg.Pool }> {
  const made = stores.get(url);
  if (made) return made;
  const pool = new pg.Pool({ connectionString: url, max: size });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  const entry = { store, pool };
  stores.set(url, entry);
  return entry;
}

/** The highest global position in the store (0 when empty): where a consumer that only wants new events starts. */
async function lastPosition(pool: pg.Pool): Promise<bigint> {
  const { rows } = await pool.query<{ last: string }>(
    "SELECT coalesce(max(global_position), 0)::text AS last FROM emt_messages",
  );
  return BigInt(rows[0]!.last);
}

let streams = 0;
const QUIET_MS = 3000;

const ops = {
  /**
   * `events` deposits, `perAppend` per `appendToStream` (each on a new stream), by `writers` concurrent
   * writers: the ms it took.
   */
  async load(args: { url: string; events: number; perAppend: number; writers: number }) {
    const { store } = await storeOf(args.url, args.writers);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: args.writers }, async () => {
        while (next < args.events) {
          const from = next;
          const count = Math.min(args.perAppend, args.events - from);
          next += count;
          const batch = Array.from({ length: count }, (_, k) => deposit(from + k + 1));
          await store.appendToStream(`account-${++streams}`, batch);
        }
      }),
    );
    return { ms: performance.now() - started };
  },

  /**
   * A consumer with one no-op reactor `processorId` reading the whole store from the beginning,
   * `batchSize` messages per batch, `pullingFrequencyInMs` between full batches, until none is left:
   * the ms from `start()` to its end, and the messages handled.
   */
  async throughput(args: { url: string; batchSize: number; pullingFrequencyInMs: number; processorId: string }) {
    await storeOf(args.url);
    let handled = 0;
    const consumer = postgreSQLEventStoreConsumer<Deposited>({
      connectionString: args.url,
      pulling: { batchSize: args.batchSize, pullingFrequencyInMs: args.pullingFrequencyInMs },
      stopWhen: { noMessagesLeft: true },
    });
    consumer.reactor<Deposited>({
      processorId: args.processorId,
      eachMessage: async () => {
        handled++;
      },
    });
    try {
      const started = performance.now();
      await consumer.start();
      return { ms: performance.now() - started, handled };
    } finally {
      await consumer.close();
    }
  },

  /**
   * `writers` writers, each on a stream of its own, appending one event per `appendToStream` in a loop
   * for `seconds`, while a consumer with Emmett's default pulling handles what they append (from the
   * store's end as it was before they started). Waits until every appended event was handled (at most
   * `drainSeconds`, and no more than 3 s without a handled event): each event's handler time minus its writer's time after the append returned (ms),
   * the events appended, and how many were handled (once, twice, or never).
   */
  async latency(args: { url: string; writers: number; seconds: number; drainSeconds: number; round: number }) {
    const { store, pool } = await storeOf(args.url, args.writers + 2);
    const committed = new Map<string, number>();
    const handled = new Map<string, number>();
    let twice = 0;
    let lastHandled = 0;
    const consumer = postgreSQLEventStoreConsumer<Deposited>({ connectionString: args.url });
    consumer.reactor<Deposited>({
      processorId: `latency-${args.round}`,
      startFrom: { lastCheckpoint: await lastPosition(pool) },
      eachMessage: async (message) => {
        const now = performance.now();
        lastHandled = now;
        const key = message.data.key!;
        if (handled.has(key)) twice++;
        else handled.set(key, now);
      },
    });
    const running = consumer.start();
    const started = performance.now();
    const deadline = started + args.seconds * 1000;
    await Promise.all(
      Array.from({ length: args.writers }, async (_, w) => {
        const stream = `latency-${args.round}-${w}`;
        for (let n = 0; performance.now() < deadline; n++) {
          const key = `${w}:${n}`;
          await store.appendToStream(stream, [deposit(n, key)]);
          committed.set(key, performance.now());
        }
      }),
    );
    const appendSeconds = (performance.now() - started) / 1000;
    const drainDeadline = performance.now() + args.drainSeconds * 1000;
    // until every event is handled, or none was for QUIET_MS (more than Emmett's longest wait, 1 s)
    while (
      handled.size < committed.size &&
      performance.now() < drainDeadline &&
      performance.now() - Math.max(lastHandled, started + args.seconds * 1000) < QUIET_MS
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    await consumer.close();
    await running;
    const latencies: number[] = [];
    for (const [key, at] of committed) {
      const got = handled.get(key);
      if (got !== undefined) latencies.push(got - at);
    }
    return {
      latencies,
      appended: committed.size,
      appendsPerSecond: committed.size / appendSeconds,
      handled: handled.size,
      twice,
    };
  },

  async close() {
    await closeStores(stores);
    return null;
  },
};

export type EmmettConsumerOps = typeof ops;

serveOps(ops);
