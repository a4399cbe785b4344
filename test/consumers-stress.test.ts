/**
 * Issue 23's proof, on PostgreSQL: following the log never skips, never repeats and never stalls.
 *
 * Two logs with positions (`ledger`, `versioned: true`; `chain`, `hashed: "record"`). 8 writers for
 * `STRESS_SECONDS` (default 60) mix one-event and multi-event transactions, rolled-back ones,
 * savepoints rolled back inside committed ones, transactions held open for 1 to 3 seconds,
 * transactions that number events themselves, raw `INSERT` and `COPY` (test/support/stress-writers.ts);
 * the multi-event transactions run at READ COMMITTED, REPEATABLE READ or SERIALIZABLE, drawn each time.
 * Meanwhile two readers per log follow it with `readAll` and small limits, and consumers run: per log
 * two instances of name `a` (one in a process of its own, killed with `SIGKILL` a third of the way; a
 * third instance starts two thirds of the way) and one of name `b`, each handler writing what it
 * receives to `received` in its transaction and failing every fifth batch after writing. Afterwards
 * each reader and each consumer name saw every committed event exactly once, no rolled-back one, in the
 * order of a replay from the start, and each record's events in the record's order.
 *
 * Then `pg_dump -Fc`, `pg_restore` into a new cluster (`initdb`: its transaction counter starts over),
 * the positions and the trigger are there as they were, writers write again, and the readers go on
 * from their cursors and the consumers from their restored checkpoints there: still every event once,
 * in the replay's order.
 *
 * And an open transaction holds nobody back: events committed after it are read (and handled by a
 * consumer) while it is open, and its own event comes after them once it commits. What does hold
 * consumers back is a session that numbered events (`readAll`) in a transaction it leaves open:
 * `consumerStatus` names it, and nothing is skipped once it ends.
 */
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, expect, test } from "vitest";
import { appendEvent, consumerStatus, newEventId, readAll } from "../src/index.js";
import { describePostgres, useDatabase } from "./support/backends.js";
import { spawnChild } from "./support/child-timeout.js";
import { createSql } from "./support/ddl.js";
import {
  ConsumerFleet,
  RECEIVED_SQL,
  consumerNames,
  drainConsumers,
  receivedBy,
  stressConsumer,
} from "./support/stress-consumers.js";
import { checkLog, expectSameSequence, follow, numberAll, type Followed, type Query } from "./support/stress-follow.js";
import { LOGS, checkpoints, stressTables, type LogName } from "./support/stress-schema.js";
import { KINDS, WriteLog, psqlCopy, rawInsert, writeStep, type WriterPorts } from "./support/stress-writers.js";
import { startThrowawayCluster, type ThrowawayCluster } from "./support/throwaway-cluster.js";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const WRITERS = 8;
const SECONDS = Number(process.env.STRESS_SECONDS ?? 60);
/** How long the writers write again after the restore. */
const SECONDS_AFTER_RESTORE = Math.max(2, Math.round(SECONDS / 6));

class Rollback extends Error {}

/** A writer's ports on `url`: its own connection, raw SQL through it, `COPY` through psql. */
function writerOn(url: string): { ports: WriterPorts; end: () => Promise<void> } {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  const ports: WriterPorts = {
    db: drizzle(client) as never,
    async insert(log, rows, rollback) {
      const { text, params } = rawInsert(log, rows);
      let ids: string[] = [];
      try {
        await client.begin(async (sql) => {
          ids = (await sql.unsafe<{ id: string }[]>(text, params as never[])).map((r) => r.id);
          if (rollback) throw new Rollback();
        });
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
      }
      return ids;
    },
    copy: (log, rows, rollback) => psqlCopy(url, log, rows, rollback),
    copyRollback: true,
    holdMs: () => 1000 + Math.floor(Math.random() * 2000),
  };
  return { ports, end: () => client.end() };
}

/** Runs `WRITERS` writers on `url` for `seconds`; each first runs every kind once, then draws. */
async function write(url: string, written: WriteLog, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const { ports, end } = writerOn(url);
      try {
        for (let step = 0; Date.now() < until; step++) {
          await writeStep(ports, written, w, step < KINDS.length ? KINDS[(w + step) % KINDS.length] : undefined);
        }
      } finally {
        await end();
      }
    }),
  );
}

/** Two readers per log on `url`, each on its own connection, going on from `from` (one per reader). */
function readersOn(url: string, done: () => boolean, from?: readonly Followed[]) {
  const clients: postgres.Sql[] = [];
  const runs = LOGS.flatMap((log, l) =>
    [0, 1].map((r) => {
      const client = postgres(url, { max: 1, onnotice: () => undefined });
      clients.push(client);
      return follow(drizzle(client) as never, log, done, from?.[l * 2 + r]);
    }),
  );
  return {
    readers: Promise.all(runs),
    end: () => Promise.all(clients.map((c) => c.end())),
  };
}

/** The readers of `log` among all readers. */
const readersOf = (followed: readonly Followed[], log: LogName) =>
  followed.filter((_, i) => LOGS[Math.floor(i / 2)] === log).map((f) => f.ids);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each consumer name of each log received every event once, in the replay's order (`replays`, per log). */
async function checkConsumers(
  db: Parameters<typeof drainConsumers>[0],
  query: Query,
  fleet: ConsumerFleet,
  replays: Record<LogName, string[]>,
) {
  for (const log of LOGS) await drainConsumers(db, log, fleet.stats);
  for (const log of LOGS) {
    for (const name of consumerNames(log)) expectSameSequence(name, await receivedBy(query, name), replays[log]);
  }
}

/** A database's positions rows (first id, position, ids, queued), as text, in position order. */
async function positionsOf(url: string, log: LogName): Promise<string[]> {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const rows = await client.unsafe<{ row: string }[]>(
      `SELECT id::text || ' ' || coalesce(position::text, '-') || ' ' || coalesce(ids::text, '-') || ' ' || queued::text AS row
         FROM ${log}_positions ORDER BY position, queued`,
    );
    return rows.map((r) => r.row);
  } finally {
    await client.end();
  }
}

describePostgres("consumers under stress: never skip, never repeat, never stall", () => {
  const t = useDatabase("postgres", async (t) => {
    await t.execMigration(await createSql(stressTables));
    await t.query(RECEIVED_SQL);
  });
  const written = new WriteLog();
  let followed: Followed[] = [];
  let folder: string | undefined;
  let cluster: ThrowawayCluster | undefined;

  afterAll(async () => {
    await cluster?.stop();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  test(`${WRITERS} writers for ${SECONDS} s: every reader and consumer sees every committed event once, none rolled back, in the replay's order`, async () => {
    let writing = true;
    const readers = readersOn(t.url!, () => !writing);
    const fleet = new ConsumerFleet(t.url!, 5);
    let killed = 0;
    try {
      await fleet.start();
      const writers = write(t.url!, written, SECONDS);
      // an instance of each `a` dies a third of the way (its backends terminated); another starts later
      await sleep((SECONDS * 1000) / 3);
      killed = await fleet.kill("a1");
      await sleep((SECONDS * 1000) / 3);
      for (const log of LOGS) fleet.startHere(log, consumerNames(log)[0], "a3");
      await writers;
      for (const log of LOGS) await numberAll(t.query, log);
      writing = false;
      followed = await readers.readers;
    } finally {
      writing = false;
      await readers.end();
      await fleet.stop();
    }
    expect(written.failures).toEqual([]);
    for (const kind of KINDS) expect(written.steps[kind], kind).toBeGreaterThan(0);
    for (const [level, n] of Object.entries(written.isolation)) expect(n, level).toBeGreaterThan(0);
    expect(written.rolledBack.size).toBeGreaterThan(0);
    const replays = {} as Record<LogName, string[]>;
    for (const log of LOGS) replays[log] = await checkLog(t.db, t.query, log, written, readersOf(followed, log));
    expect(fleet.stats.flakes, JSON.stringify(fleet.stats)).toBeGreaterThan(0);
    expect(fleet.deaths).toEqual([]);
    expect(killed).toBe(LOGS.length);
    await checkConsumers(t.db, t.query, fleet, replays);
    console.log(
      `stress: ${written.total} events committed (${LOGS.map((l) => `${l} ${written.committed[l].length}`).join(", ")}), ` +
        `${written.rolledBack.size} rolled back (${written.deadlocks} deadlocks, ${written.serializationFailures} serialization failures); isolation ${JSON.stringify(written.isolation)}; steps ${JSON.stringify(written.steps)}; ` +
        `reads ${followed.map((f) => f.reads).join("/")}; consumers: ${fleet.stats.batches} batches, ` +
        `${fleet.stats.flakes} failed on purpose, ${killed} consumer processes killed`,
    );
  });

  test("after pg_dump and a restore into a new cluster, the positions are as they were, readers go on from their cursors and consumers from their checkpoints", async () => {
    expect(followed.length).toBe(LOGS.length * 2);
    folder = mkdtempSync(join(tmpdir(), "spector-consumers-stress-"));
    const dump = join(folder, "stress.dump");
    const dumped = spawnChild(join(BIN, "pg_dump"), ["-Fc", "-f", dump, "-d", t.url!], { encoding: "utf8" });
    expect(dumped.status, dumped.stderr).toBe(0);
    cluster = await startThrowawayCluster({});
    const admin = postgres(cluster.url(), { max: 1, onnotice: () => undefined });
    await admin.unsafe(`CREATE DATABASE restored`);
    await admin.end();
    const url = cluster.url("restored");
    const restored = spawnChild(join(BIN, "pg_restore"), ["--exit-on-error", "-d", url, dump], { encoding: "utf8" });
    expect(restored.status, restored.stderr).toBe(0);
    const client = postgres(url, { max: 2, onnotice: () => undefined });
    try {
      // a new cluster: its transaction counter started over, far below the source's
      const [source] = await t.query<{ xid: string }>(`SELECT pg_current_xact_id()::text AS xid`);
      const [copy] = await client.unsafe<{ xid: string }[]>(`SELECT pg_current_xact_id()::text AS xid`);
      expect(BigInt(copy!.xid)).toBeLessThan(BigInt(source!.xid));
      for (const log of LOGS) {
        expect(await positionsOf(url, log)).toEqual(await positionsOf(t.url!, log));
        const triggers = await client.unsafe<{ tgname: string }[]>(
          `SELECT tgname FROM pg_trigger WHERE tgrelid = '${log}'::regclass AND NOT tgisinternal ORDER BY tgname`,
        );
        expect(triggers.map((r) => r.tgname)).toContain(`queue_positions_${log}`);
      }
      // the writers again, on the restored records too; the readers go on from their cursors
      let writing = true;
      const readers = readersOn(url, () => !writing, followed);
      const fleet = new ConsumerFleet(url, 5);
      const before = written.total;
      try {
        await fleet.start();
        await write(url, written, SECONDS_AFTER_RESTORE);
        const query: Query = async (text, params) => (await client.unsafe(text, params as never[])) as never;
        for (const log of LOGS) await numberAll(query, log);
        writing = false;
        followed = await readers.readers;
      } finally {
        writing = false;
        await readers.end();
        await fleet.stop();
      }
      expect(written.failures).toEqual([]);
      expect(written.total).toBeGreaterThan(before);
      const query: Query = async (text, params) => (await client.unsafe(text, params as never[])) as never;
      const db = drizzle(client) as never;
      const replays = {} as Record<LogName, string[]>;
      for (const log of LOGS) replays[log] = await checkLog(db, query, log, written, readersOf(followed, log));
      // the consumers went on from their restored checkpoints: received (restored too) holds each event once
      await checkConsumers(db, query, fleet, replays);
      expect(fleet.deaths).toEqual([]);
      console.log(`stress after restore: ${written.total - before} events more, ${written.total} in all`);
    } finally {
      await client.end();
    }
  });
});

describePostgres("an open transaction holds no reader back", () => {
  const t = useDatabase("postgres", async (t) => {
    await t.execMigration(await createSql(stressTables));
    await t.query(RECEIVED_SQL);
  });

  test("events committed after an open transaction's insert are read and handled while it is open; its event comes after them", async () => {
    const { ledger } = stressTables;
    const first = await appendEvent(t.db, ledger, { schema: "account", action: "insert", payload: { n: 0 } });
    const start = await readAll(t.db, ledger);
    expect(start.events.map((e) => e.id)).toEqual([first.id]);
    const stats = { batches: 0, flakes: 0 };
    const follower = stressConsumer(t.db, "ledger", "ledger/stall", stats, { batchSize: 100 });
    expect(await follower.runOnce()).toBe(1);
    let handledWhileOpen = 0;
    const holder = postgres(t.url!, { max: 1, onnotice: () => undefined });
    const held = newEventId();
    let whileOpen: Awaited<ReturnType<typeof readAll<typeof ledger>>> | undefined;
    const later: string[] = [];
    try {
      await holder.begin(async (sql) => {
        await sql.unsafe(
          `INSERT INTO ledger (id, parent_id, schema, action, payload) VALUES ($1, $1, 0, 1, '{"held":true}')`,
          [held],
        );
        // other writers commit while it is open, one of them a transaction of several events
        for (let n = 1; n <= 3; n++) {
          later.push((await appendEvent(t.db, ledger, { schema: "note", action: "insert", payload: { n } })).id);
        }
        whileOpen = await readAll(t.db, ledger, { after: start.next });
        handledWhileOpen = await follower.runOnce();
        const [state] = await t.query<{ state: string }>(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [
          (await sql.unsafe<{ pid: number }[]>(`SELECT pg_backend_pid() AS pid`))[0]!.pid,
        ]);
        expect(state!.state).toBe("idle in transaction");
      });
    } finally {
      await holder.end();
    }
    // read while it was open: the events committed after its insert, not its own
    expect(whileOpen!.events.map((e) => e.id)).toEqual(later);
    expect(handledWhileOpen).toBe(later.length);
    // once committed, its event comes after them, though its id is smaller
    expect(held < later[0]!).toBe(true);
    const after = await readAll(t.db, ledger, { after: whileOpen!.next });
    expect(after.events.map((e) => e.id)).toEqual([held]);
    const replay = await readAll(t.db, ledger);
    expect(replay.events.map((e) => e.id)).toEqual([first.id, ...later, held]);
    // and the consumer handles it next, after them
    expect(await follower.runOnce()).toBe(1);
    expect(await receivedBy(t.query, "ledger/stall")).toEqual([first.id, ...later, held]);
  });

  test("a session that called the numbering function in a transaction it leaves open holds consumers back, consumerStatus names it, and nothing is skipped", async () => {
    const { chain } = stressTables;
    const stats = { batches: 0, flakes: 0 };
    const follower = stressConsumer(t.db, "chain", "chain/held", stats, { batchSize: 100 });
    while ((await follower.runOnce()) > 0);
    const holder = postgres(t.url!, { max: 1, onnotice: () => undefined });
    const written: string[] = [];
    let whileOpen = -1;
    let holderPid = 0;
    try {
      await drizzle(holder).transaction(async (tx) => {
        // readAll in a transaction numbers nothing, so it holds nobody back ...
        await readAll(tx, chain, { limit: 1 });
        // ... but the numbering function called in one takes the positioner's lock until it ends
        await tx.execute(sql`SELECT public.position_events_chain(1)`);
        holderPid = (await tx.execute<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`))[0]!.pid;
        for (let n = 0; n < 3; n++) {
          written.push((await appendEvent(t.db, chain, { schema: "account", action: "insert", payload: { n } })).id);
        }
        whileOpen = await follower.runOnce();
        const [status] = (await consumerStatus(t.db, checkpoints)).filter((s) => s.name === "chain/held");
        expect(status!.lagEvents).toBe(3);
        expect(status!.heldBy).toEqual([
          expect.objectContaining({ lock: "positioner", pid: holderPid, state: "idle in transaction" }),
        ]);
      });
    } finally {
      await holder.end();
    }
    // held back (no event is numbered while the lock is held), never skipped
    expect(whileOpen).toBe(0);
    expect(await follower.runOnce()).toBe(3);
    expect((await receivedBy(t.query, "chain/held")).slice(-3)).toEqual(written);
  });
});
