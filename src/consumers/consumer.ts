/**
 * `consumer`: follows a log from a checkpoint, handing each batch of events to a handler in the
 * transaction that moves the checkpoint.
 *
 * @module
 */
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { OPTIONS, at, checkBoolean, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { names } from "../naming/index.js";
import { driverError, SERIALIZATION_FAILURE } from "../queries/violation.js";
import type { EventRow, SpectorDatabase } from "../queries/types.js";
import type { AnyEventTable } from "../tables/event-table.js";
import type { ShardSet } from "../tables/shards.js";
import { checkConsumerName, refuseHttpDriver, resolveCheckpoints, type Checkpoints } from "./checkpoints.js";
import { listenForDeath } from "./client-errors.js";
import { lockCheckpoint, logKey } from "./lock-checkpoint.js";
import { moveCheckpoint } from "./move-checkpoint.js";
import { settle } from "./settle.js";
import { wakeup } from "./listen.js";
import { checkSchemas, resolveLog, type Log } from "./log.js";
import { checkLimit, numberEvents } from "./read-all.js";
import { readWindow } from "./read-window.js";

/** A Drizzle database that runs transactions (`db.transaction(...)`): a consumer's. */
export type ConsumerDatabase = SpectorDatabase & Pick<PgDatabase<PgQueryResultHKT, any, any>, "transaction">;

/** The transaction `handle` is given: the consumer's database's own transaction type. */
export type TransactionOf<D> = D extends { transaction(run: (tx: infer TX) => Promise<any>, config?: any): any }
  ? TX
  : never;

/** The options of {@link consumer}. */
export interface ConsumerOptions<T extends AnyEventTable, D> {
  /** The consumer's name: its row in `checkpoints`. One instance of a name handles events at a time. */
  readonly name: string;
  /** The table of checkpoints (`consumerTable`). */
  readonly checkpoints: object;
  /**
   * Handles a batch of events, in position order, in the transaction `tx` that then moves the
   * checkpoint past them: what it writes through `tx` commits with the checkpoint, exactly once. A
   * throw rolls both back (the batch comes again; in `run`, catching up, with the batches before it in
   * the same transaction). Effects outside the database happen at least once.
   */
  readonly handle: (events: EventRow<T>[], tx: TransactionOf<D>) => Promise<void>;
  /** Events per batch at most (1 to 10,000). Default 1,000. */
  readonly batchSize?: number | undefined;
  /** Only events of these schemas (as `readAll`'s `schemas`); the others are passed over. */
  readonly schemas?: readonly (T["_"]["columns"]["schema"]["_"]["data"] | number)[] | undefined;
  /** `run`'s wake-up by `LISTEN` (`false` behind a transaction-mode pooler: polling only). Default `true`. */
  readonly listen?: boolean | undefined;
  /**
   * `run`'s longest wait, in milliseconds, between two looks for new events (writers announce nothing:
   * `run` looks 2 ms after a batch, then twice as late each time nothing is new, up to this; a look
   * that finds nothing is one statement; other consumers' numbering wakes it sooner, by `LISTEN`).
   * Default 100.
   */
  readonly pollInterval?: number | undefined;
}

/** A consumer: {@link Consumer.runOnce} handles one batch; {@link Consumer.run} follows the log. */
export interface Consumer {
  /** Handles the next batch (waiting while another instance of the name handles one) and returns its size. */
  runOnce(): Promise<number>;
  /**
   * Handles batches until `signal` aborts, waking on `LISTEN` or every `pollInterval`; rejects when a
   * batch fails. Catching up (a full batch known numbered after the checkpoint), it hands over up to 10
   * batches, and up to 10,000 events, in one transaction.
   */
  run(options?: { readonly signal?: AbortSignal }): Promise<void>;
}

/** What one batch did: events handled, whether the checkpoint moved (past events of other schemas too), and where it is. */
interface Step {
  readonly handled: number;
  readonly moved: boolean;
  readonly cursor: number[];
}

/**
 * A consumer of a log (an events table made with `positions: true`, or a shard set of them), which
 * hands every committed event to `handle` exactly once per consumer name, in position order (see
 * `readAll`), from the checkpoint kept in `checkpoints` under `name`.
 *
 * Each batch runs in one READ COMMITTED transaction: it takes the name's lock (a transaction-level
 * advisory lock: a second instance of the name waits there, and takes over when the first commits or
 * dies), reads the checkpoint, reads up to `batchSize` events after it, calls `handle(events, tx)`, and
 * moves the checkpoint. The handler's writes through `tx` commit with the checkpoint; a throw leaves the
 * checkpoint where it was, and `runOnce` rejects with it. `run`, while it knows a full batch is
 * numbered after the one it handled, reads that one in the same transaction (sent before the handler
 * is called) and hands it over too, up to 10 batches and 10,000 events a transaction: a
 * transaction's own statements cost about a third of a batch's time; a throw then rolls back those
 * batches too, and they come again. Nothing skips on a timer: an open writer's
 * transaction holds nobody back (its events come after, once it commits). Needs interactive
 * transactions: refused on HTTP drivers (neon-http, `pg-proxy`), where `readAll` with a cursor you
 * store works.
 *
 * @example
 * ```ts
 * const projector = consumer(db, events, {
 *   name: "post-titles",
 *   checkpoints,
 *   handle: async (batch, tx) => {
 *     for (const event of batch) await tx.insert(titles).values({ id: event.id, title: String(event.action) });
 *   },
 * });
 * await projector.runOnce(); // one batch; or:
 * const stop = new AbortController();
 * void projector.run({ signal: stop.signal });
 * ```
 * @throws {SpectorOptionError} when the table has no positions, the driver has no transactions, or an
 * option is not as documented.
 */
export function consumer<T extends AnyEventTable, D extends ConsumerDatabase>(
  db: D,
  table: T | ShardSet<T>,
  options: ConsumerOptions<T, D>,
): Consumer {
  const log = resolveLog("table", table);
  const given = checkObject(OPTIONS, options, [
    "name",
    "checkpoints",
    "handle",
    "batchSize",
    "schemas",
    "listen",
    "pollInterval",
  ]);
  const name = checkConsumerName(at(OPTIONS, "name"), given.name);
  const checkpoints = resolveCheckpoints(at(OPTIONS, "checkpoints"), given.checkpoints);
  if (typeof given.handle !== "function") {
    throw new SpectorOptionError(at(OPTIONS, "handle"), given.handle, "a function `async (events, tx) => { ... }`");
  }
  const batchSize = checkLimit(at(OPTIONS, "batchSize"), given.batchSize);
  const codes = checkSchemas(at(OPTIONS, "schemas"), given.schemas, log.meta);
  const listen = checkBoolean(at(OPTIONS, "listen"), given.listen, true);
  const pollInterval = given.pollInterval ?? 100;
  if (
    typeof pollInterval !== "number" ||
    !Number.isInteger(pollInterval) ||
    pollInterval < 1 ||
    pollInterval > 3_600_000
  ) {
    throw new SpectorOptionError(
      at(OPTIONS, "pollInterval"),
      pollInterval,
      "a number of milliseconds from 1 to 3,600,000",
    );
  }
  refuseHttpDriver(db, "consumer");
  const handle = given.handle as (events: unknown[], tx: unknown) => Promise<void>;
  const settings: Batch = { name, checkpoints, handle, batchSize, codes, level: { set: false }, last: {} };
  // the last position each table's numbering reported (positions only grow: a lower bound of what is
  // numbered), and whether a full batch is numbered after the cursor: the next batch then reads without
  // numbering first (a replay, a consumer catching up: one statement less per batch), and a batch that
  // read the last numbered positions numbers before the next, not after an empty one
  let numbered = log.tables.map(() => -1);
  let ahead = false;
  const number = async () => {
    const last = await numberAt(db, log, settings);
    numbered = last.map((p, i) => Math.max(p, numbered[i]!));
    return last;
  };
  // whether a full batch is known numbered after `cursor`
  const full: More = (cursor) => cursor.reduce((sum, p, i) => sum + Math.max(0, numbered[i]! - p), 0) >= batchSize;
  const batch = async (group?: More) => {
    const done = await consumeBatch(db, log, settings, group);
    ahead = done.moved && full(done.cursor);
    return done;
  };
  return {
    async runOnce() {
      if (ahead) {
        const done = await batch();
        if (done.moved) return done.handled;
      }
      await number();
      return (await batch()).handled;
    },
    async run(runOptions = {}) {
      const signal = runOptions.signal;
      const channels = log.tables.map((t) => names.positions.channel(t.meta.name));
      const client = (db as unknown as { $client?: unknown }).$client;
      const wake = await wakeup(client, channels, listen);
      // the cursor this instance last saw: a look that finds nothing after it costs one statement (the
      // numbering; none while a full batch is numbered ahead); every IDLE_LOOKS looks, the checkpoint is read anyway (another instance, a reset).
      // After a batch it looks again soon (FIRST_WAIT ms), then twice as late each time, up to pollInterval.
      let seen: number[] | undefined;
      let idle = 0;
      let pause = FIRST_WAIT;
      const rest = async () => {
        await wake.wait(Math.min(pause, pollInterval), signal);
        pause = Math.min(pause * 2, pollInterval);
      };
      try {
        while (!signal?.aborted) {
          if (!ahead) {
            const last = await number();
            const nothingNew = seen !== undefined && last.every((p, i) => p >= 0 && p <= seen![i]!);
            if (nothingNew && ++idle < IDLE_LOOKS) {
              await rest();
              continue;
            }
          }
          idle = 0;
          const done = await batch(full);
          seen = done.cursor;
          if (done.moved) pause = FIRST_WAIT;
          else await rest();
        }
      } finally {
        await wake.close();
      }
    },
  };
}

/** How long `run` waits, in milliseconds, before its first look after a batch (then twice as long each time). */
const FIRST_WAIT = 2;

/** Whether a batch's transaction may take in the batch after the one that ended at `cursor`. */
type More = (cursor: readonly number[]) => boolean;

/**
 * The most batches `run` hands over in one transaction while catching up: a transaction's own
 * statements (`BEGIN`, the lock, the checkpoint's `UPDATE`, `COMMIT`) cost about 1.8 ms, a third of a
 * batch of 1,000 on its own.
 */
const GROUP_BATCHES = 10;

/** The most events `run` hands over in one transaction while catching up (a batch of more is alone). */
const GROUP_EVENTS = 10_000;

/** How many looks in a row `run` may skip the checkpoint for when nothing is new. */
const IDLE_LOOKS = 20;

/** What a batch needs of its consumer. */
interface Batch {
  readonly name: string;
  readonly checkpoints: Checkpoints;
  readonly handle: (events: unknown[], tx: unknown) => Promise<void>;
  readonly batchSize: number;
  readonly codes: number[] | undefined;
  /** Whether each batch sets READ COMMITTED (`SET TRANSACTION`): once the database's default proved another level. */
  readonly level: { set: boolean };
  /** The cursor this instance's last batch committed: the next batch reads after it while it takes the lock. */
  readonly last: { cursor?: number[] | undefined };
}

/** A batch begun at another isolation level than READ COMMITTED (the database's default): it runs again, setting it. */
class OtherIsolation extends Error {}

/**
 * One batch of consumer `name`, in one READ COMMITTED transaction: lock, read, handle, move the
 * checkpoint. The level is the database's default almost everywhere: the first statement checks it,
 * and only where it is another does every batch set it (a round trip less per batch elsewhere).
 */
async function consumeBatch(db: ConsumerDatabase, log: Log, c: Batch, more?: More): Promise<Step> {
  try {
    return await attempt(db, log, c, more);
  } catch (error) {
    if (!(error instanceof OtherIsolation)) throw error;
  }
  c.level.set = true;
  // the numbering before it ran at that level too, where it numbers nothing: again, at READ COMMITTED
  await numberAt(db, log, c);
  return attempt(db, log, c, more);
}

/**
 * Numbers committed events (`numberEvents`) at READ COMMITTED, the only level the positioner numbers
 * at: in a statement of its own where that is the database's default, else in a transaction that sets it.
 */
function numberAt(db: ConsumerDatabase, log: Log, c: Batch): Promise<number[]> {
  if (!c.level.set) return numberEvents(db, log, c.batchSize);
  return db.transaction((tx) => numberEvents(tx, log, c.batchSize), { isolationLevel: "read committed" });
}

/** {@link consumeBatch}'s transaction. */
async function attempt(db: ConsumerDatabase, log: Log, c: Batch, more: More | undefined): Promise<Step> {
  const key = logKey(log);
  let stop = (): void => {};
  let confirm = async (): Promise<void> => {};
  const guess = c.last.cursor;
  c.last.cursor = undefined;
  try {
    const step = await db.transaction(
      async (tx) => {
        // until the transaction has ended, its COMMIT or ROLLBACK included
        stop = listenForDeath(tx);
        const taking = lockCheckpoint(tx, c.checkpoints, c.name, key, log.tables.length);
        // the read after the cursor this instance's last batch left, sent behind the lock without
        // waiting for it (one round trip for both where the driver pipelines, postgres.js), and kept only
        // if the checkpoint is that cursor. Whichever runs first, it reads positions as any READ
        // COMMITTED statement does: a prefix of those after the cursor (positions are given in order, by
        // one positioner at a time, each committing before the next begins)
        const early = guess && settle(readWindow(tx, log, guess, c.batchSize, c.codes));
        const taken = await taking.catch((error: unknown) => {
          // above READ COMMITTED, a row another instance moved fails the statement (40001)
          throw !c.level.set && driverError(error)?.code === SERIALIZATION_FAILURE ? new OtherIsolation() : error;
        });
        if (!c.level.set && taken.isolation !== "read committed") throw new OtherIsolation();
        const after = taken.positions;
        // a read that failed has aborted the transaction: its error is the batch's
        const read = early && (await early);
        if (read && !read.ok) throw read.error;
        let window =
          read && sameCursor(guess!, after) ? read.value : await readWindow(tx, log, after, c.batchSize, c.codes);
        if (sameCursor(window.positions, after)) return { handled: 0, moved: false, cursor: after };
        let handled = 0;
        for (let batches = 1; ; batches++) {
          // while a full batch is known numbered after this one (`run` catching up), the next batch joins
          // this transaction, its read sent before this one is handed over
          const goOn =
            more?.(window.positions) === true && batches < GROUP_BATCHES && (batches + 1) * c.batchSize <= GROUP_EVENTS;
          const next = goOn ? settle(readWindow(tx, log, window.positions, c.batchSize, c.codes)) : undefined;
          if (window.events.length > 0) {
            try {
              await c.handle(window.events, tx);
            } catch (error) {
              // a read that failed aborted the transaction under the handler: its error is the batch's
              const failed = next && (await next);
              throw failed && !failed.ok ? failed.error : error;
            }
          }
          handled += window.events.length;
          if (next === undefined) break;
          const got = await next;
          if (!got.ok) throw got.error;
          if (sameCursor(got.value.positions, window.positions)) break;
          window = got.value;
        }
        confirm = await moveCheckpoint(tx, c.checkpoints, c.name, window.positions);
        return { handled, moved: true, cursor: window.positions };
      },
      c.level.set ? { isolationLevel: "read committed" } : undefined,
    );
    await confirm();
    c.last.cursor = step.cursor;
    return step;
  } finally {
    stop();
  }
}

/** Whether cursors `a` and `b` hold the same positions. */
function sameCursor(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}
