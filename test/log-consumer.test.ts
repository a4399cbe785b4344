/**
 * Consumers, on PGlite and PostgreSQL through postgres.js and node-postgres (no concurrency here: test/consumers-stress.test.ts): batches in
 * position order, the handler's writes and the checkpoint commit together, a throw moves nothing and
 * the batch comes again, `run` wakes on new events (LISTEN, or polling), `resetConsumer` replays,
 * `consumerStatus` gives lag and what holds a consumer, bad input is refused before any SQL.
 */
import { sql } from "drizzle-orm";
import { drizzle as drizzleProxy } from "drizzle-orm/pg-proxy";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { expect, test } from "vitest";
import {
  appendEvent,
  consumer,
  consumerStatus,
  consumerTable,
  readAll,
  resetConsumer,
  spectorActions,
  spectorTables,
  type EventRow,
} from "../src/index.js";
import { backends, describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { driverError } from "../src/queries/violation.js";
import { expectRejects, expectThrows } from "./support/failures.js";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

const actions = spectorActions([]);
const { feed, feed_positions } = spectorTables({ table: "feed", positions: true, schemas: { a: 0, b: 1 }, actions });
const { other, other_positions } = spectorTables({ table: "other", positions: true, actions });
const checkpoints = consumerTable("checkpoints");
const received = pgTable("received", {
  consumer: text("consumer").notNull(),
  id: uuid("id").notNull(),
  n: integer("n").notNull(),
});
const schema = { feed, feed_positions, other, other_positions, checkpoints, received };

/** The ids consumer `name` wrote to `received`, in the order it wrote them. */
async function receivedBy(t: TestDatabase, name: string): Promise<string[]> {
  const rows = await t.query<{ id: string }>(`SELECT id::text FROM received WHERE consumer = $1 ORDER BY n`, [name]);
  return rows.map((r) => r.id);
}

/** A handler that writes each event to `received` in the batch's transaction. */
function recorder(name: string) {
  let n = 0;
  return async (events: EventRow<typeof feed>[], tx: { insert: TestDatabase["db"]["insert"] }) => {
    for (const event of events) await tx.insert(received).values({ consumer: name, id: event.id, n: n++ });
  };
}

describeBackends(
  "consumers",
  (backend) => {
    const t = useDatabase(backend, async (t) => {
      await t.execMigration(await createSql(schema));
    });
    const append = (schema: "a" | "b" = "a") => appendEvent(t.db, feed, { schema, action: "insert", payload: {} });

    test("batches in position order, each event once, the handler's writes and the checkpoint together", async () => {
      const written = [];
      for (let i = 0; i < 7; i++) written.push((await append()).id);
      const c = consumer(t.db, feed, { name: "one", checkpoints, handle: recorder("one"), batchSize: 3 });
      expect(await c.runOnce()).toBe(3);
      expect(await c.runOnce()).toBe(3);
      expect(await c.runOnce()).toBe(1);
      expect(await c.runOnce()).toBe(0);
      const all = await readAll(t.db, feed, { limit: 100 });
      const replay = all.events.map((e) => e.id);
      expect(await receivedBy(t, "one")).toEqual(replay);
      // the checkpoint is the cursor readAll gives after the same events
      const [row] = await t.query<{ cursor: string }>(`SELECT cursor FROM checkpoints WHERE name = 'one'`);
      expect(row!.cursor).toBe(all.next);
      expect([...replay].sort()).toEqual([...written].sort());
      const [status] = await consumerStatus(t.db, checkpoints);
      expect(status).toMatchObject({ name: "one", log: "public.feed", lagEvents: 0, lagSeconds: 0, heldBy: [] });
      await append();
      const [behind] = await consumerStatus(t.db, checkpoints);
      expect(behind!.lagEvents).toBe(1);
      expect(await c.runOnce()).toBe(1);
    });

    test("runOnce numbers first unless a full batch is numbered ahead, and runs no empty batch to find out", async () => {
      const sent: string[] = [];
      const c = consumer(t.logged(sent), feed, {
        name: "boundary",
        checkpoints,
        handle: recorder("boundary"),
        batchSize: 2,
      });
      while ((await c.runOnce()) > 0);
      for (let i = 0; i < 4; i++) await append();
      // statements sent since `sent` was emptied: numbering calls, and batches (each takes the lock once)
      const counts = () => [
        sent.filter((text) => text.includes("position_events_feed")).length,
        sent.filter((text) => text.includes("pg_advisory_xact_lock")).length,
      ];
      sent.length = 0;
      expect(await c.runOnce()).toBe(2); // numbers the four, reads two
      expect(await c.runOnce()).toBe(2); // two more were numbered ahead: read without numbering first
      expect(counts()).toEqual([1, 2]);
      const late = [(await append()).id, (await append()).id, (await append()).id];
      sent.length = 0;
      // nothing known numbered ahead: each call numbers first, and each batch reads something but the last
      expect(await c.runOnce()).toBe(2);
      expect(await c.runOnce()).toBe(1);
      expect(await c.runOnce()).toBe(0);
      expect(counts()).toEqual([3, 3]);
      expect((await receivedBy(t, "boundary")).slice(-3)).toEqual(
        (await readAll(t.db, feed, { limit: 1000 })).events.slice(-3).map((e) => e.id),
      );
      expect((await receivedBy(t, "boundary")).slice(-3).sort()).toEqual([...late].sort());
    });

    test("a handler that throws moves nothing: its writes roll back, runOnce rejects, the batch comes again", async () => {
      const c0 = consumer(t.db, feed, { name: "flaky", checkpoints, handle: recorder("flaky") });
      await c0.runOnce();
      const e = await append();
      let fail = true;
      const handle = async (events: EventRow<typeof feed>[], tx: Parameters<ReturnType<typeof recorder>>[1]) => {
        await recorder("flaky")(events, tx);
        if (fail) throw new Error("handler failed");
      };
      const c = consumer(t.db, feed, { name: "flaky", checkpoints, handle });
      await expect(c.runOnce()).rejects.toThrow("handler failed");
      expect(await receivedBy(t, "flaky")).not.toContain(e.id);
      fail = false;
      expect(await c.runOnce()).toBe(1);
      expect((await receivedBy(t, "flaky")).filter((id) => id === e.id)).toHaveLength(1);
    });

    test("the handler's writes and the checkpoint commit in one transaction; a checkpoint that cannot move keeps nothing", async () => {
      await append();
      const c = consumer(t.db, feed, { name: "atomic", checkpoints, handle: recorder("atomic"), batchSize: 1000 });
      expect(await c.runOnce()).toBeGreaterThan(0);
      const [same] = await t.query<{ xmins: string[]; checkpoint: string }>(
        `SELECT array_agg(DISTINCT r.xmin::text) AS xmins, (SELECT c.xmin::text FROM checkpoints AS c WHERE c.name = 'atomic') AS checkpoint
           FROM received AS r WHERE r.consumer = 'atomic'`,
      );
      expect(same!.xmins).toEqual([same!.checkpoint]);
      // the checkpoint's UPDATE fails (a trigger refuses it): the batch's writes and the new checkpoint row go
      await t.query(`CREATE FUNCTION refuse_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.name = 'refused' THEN RAISE EXCEPTION 'checkpoint refused'; END IF; RETURN NEW; END $$`);
      await t.query(
        `CREATE TRIGGER refuse BEFORE UPDATE ON checkpoints FOR EACH ROW EXECUTE FUNCTION refuse_checkpoint()`,
      );
      const refused = consumer(t.db, feed, { name: "refused", checkpoints, handle: recorder("refused") });
      try {
        const error = await refused.runOnce().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(driverError(error)?.message).toBe("checkpoint refused");
        expect(await receivedBy(t, "refused")).toEqual([]);
        expect(await t.query(`SELECT name FROM checkpoints WHERE name = 'refused'`)).toEqual([]);
      } finally {
        await t.query(`DROP TRIGGER refuse ON checkpoints`);
        await t.query(`DROP FUNCTION refuse_checkpoint()`);
      }
      while ((await refused.runOnce()) > 0);
      const all = (await readAll(t.db, feed, { limit: 10_000 })).events.map((e) => e.id);
      expect(await receivedBy(t, "refused")).toEqual(all);
    });

    test("`schemas` hands over only those schemas and moves past the others", async () => {
      const seen: string[] = [];
      const c = consumer(t.db, feed, {
        name: "only-b",
        checkpoints,
        schemas: ["b"],
        handle: async (events) => void seen.push(...events.map((e) => e.schema)),
      });
      while ((await c.runOnce()) > 0);
      await append("a");
      const b = await append("b");
      while ((await c.runOnce()) > 0);
      expect(seen.every((s) => s === "b")).toBe(true);
      expect(seen.length).toBeGreaterThan(0);
      const [status] = (await consumerStatus(t.db, checkpoints)).filter((s) => s.name === "only-b");
      expect(status!.lagEvents).toBe(0);
      expect(b.schema).toBe("b");
    });

    for (const listen of [true, false]) {
      test(`run wakes on new events (${listen ? "LISTEN" : "polling"}) and stops when aborted`, async () => {
        const name = `runner-${listen}`;
        const c = consumer(t.db, feed, { name, checkpoints, handle: recorder(name), listen, pollInterval: 50 });
        const stop = new AbortController();
        const running = c.run({ signal: stop.signal });
        const e = await append();
        for (let i = 0; i < 400 && !(await receivedBy(t, name)).includes(e.id); i++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        stop.abort();
        await running;
        expect(await receivedBy(t, name)).toContain(e.id);
        const replay = (await readAll(t.db, feed, { limit: 10_000 })).events.map((x) => x.id);
        expect(await receivedBy(t, name)).toEqual(replay);
      });
    }

    test("resetConsumer replays from the start, or from a cursor", async () => {
      const c = consumer(t.db, other, { name: "replayed", checkpoints, handle: async () => {} });
      await appendEvent(t.db, other, { schema: 0, action: "insert", payload: {} });
      await appendEvent(t.db, other, { schema: 0, action: "insert", payload: {} });
      expect(await c.runOnce()).toBe(2);
      expect(await c.runOnce()).toBe(0);
      await resetConsumer(t.db, other, { name: "replayed", checkpoints });
      expect(await c.runOnce()).toBe(2);
      const { next } = await readAll(t.db, other, { limit: 1 });
      await resetConsumer(t.db, other, { name: "replayed", checkpoints, to: next });
      expect(await c.runOnce()).toBe(1);
    });

    test("a name used for another log, and bad options, are refused before anything is written", async () => {
      await consumer(t.db, feed, { name: "taken", checkpoints, handle: async () => {} }).runOnce();
      await expectRejects(consumer(t.db, other, { name: "taken", checkpoints, handle: async () => {} }).runOnce(), {
        option: "name",
        mentions: ["public.feed"],
      });
      const handle = async () => {};
      expectThrows(() => consumer(t.db, feed, { name: "", checkpoints, handle }), { option: "name" });
      expectThrows(() => consumer(t.db, feed, { name: "x", checkpoints: feed, handle }), {
        option: "checkpoints",
        mentions: ["consumerTable"],
      });
      expectThrows(() => consumer(t.db, feed, { name: "x", checkpoints, handle: 1 as never }), { option: "handle" });
      expectThrows(() => consumer(t.db, feed, { name: "x", checkpoints, handle, batchSize: 0 }), {
        option: "batchSize",
      });
      expectThrows(() => consumer(t.db, feed, { name: "x", checkpoints, handle, pollInterval: -1 }), {
        option: "pollInterval",
      });
      expectThrows(() => consumer(t.db, feed, { name: "x", checkpoints, handle, listen: "yes" as never }), {
        option: "listen",
      });
      await expectRejects(resetConsumer(t.db, feed, { name: "x", checkpoints, to: "p1:1,1" }), { option: "to" });
      expect((await t.query(`SELECT name FROM checkpoints WHERE name = 'x'`)).length).toBe(0);
    });

    if (backend !== "pglite") {
      test("consumerStatus names the backend of an instance stuck in a batch", async () => {
        const c = consumer(t.db, feed, { name: "stuck", checkpoints, handle: async () => {} });
        await c.runOnce();
        await append();
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let entered!: () => void;
        const inBatch = new Promise<void>((r) => (entered = r));
        const stuck = consumer(t.db, feed, {
          name: "stuck",
          checkpoints,
          handle: async () => {
            entered();
            await held;
          },
        }).runOnce();
        await inBatch;
        try {
          const [status] = (await consumerStatus(t.db, checkpoints)).filter((s) => s.name === "stuck");
          expect(status!.heldBy).toHaveLength(1);
          expect(status!.heldBy[0]).toMatchObject({ lock: "consumer", state: "idle in transaction" });
          expect(status!.lagEvents).toBe(1);
        } finally {
          release(); // never leave the batch open: the suite closes its connections after
        }
        expect(await stuck).toBe(1);
        const [after] = (await consumerStatus(t.db, checkpoints)).filter((s) => s.name === "stuck");
        expect(after!.heldBy).toEqual([]);
      });

      if (backend === "postgres")
        test("where the default isolation level is SERIALIZABLE, batches still run at READ COMMITTED", async () => {
          // a connection whose transactions begin SERIALIZABLE unless told otherwise
          const client = postgres(t.url!, {
            max: 2,
            onnotice: () => {},
            connection: { default_transaction_isolation: "serializable" },
          });
          try {
            const strict = drizzlePostgres(client);
            const levels: string[] = [];
            const record = recorder("strict");
            const c = consumer(strict, feed, {
              name: "strict",
              checkpoints,
              batchSize: 2,
              handle: async (events, tx) => {
                const [row] = await tx.execute<{ level: string }>(
                  sql`SELECT current_setting('transaction_isolation') AS level`,
                );
                levels.push(row!.level);
                await record(events, tx);
              },
            });
            while ((await c.runOnce()) > 0);
            const e = await append();
            expect(await c.runOnce()).toBe(1);
            expect(new Set(levels)).toEqual(new Set(["read committed"]));
            expect(await receivedBy(t, "strict")).toEqual(
              (await readAll(t.db, feed, { limit: 1000 })).events.map((x) => x.id),
            );
            expect(await receivedBy(t, "strict")).toContain(e.id);
          } finally {
            await client.end();
          }
        });

      test("a second instance waits while the first handles a batch, and takes over when the first dies", async () => {
        const name = "pair";
        const first = consumer(t.db, feed, { name, checkpoints, handle: recorder(name) });
        while ((await first.runOnce()) > 0);
        const e = await append();
        let entered!: () => void;
        const inBatch = new Promise<void>((r) => (entered = r));
        const dying = consumer(t.db, feed, {
          name,
          checkpoints,
          handle: async (_events, tx) => {
            entered();
            // stuck, until its backend is terminated below: node-postgres in a statement (the
            // consumer's listener keeps the dead client's error event from ending the process);
            // postgres.js idle in the transaction (a statement in flight there meets a driver bug
            // that ends the process: porsager/postgres#1208, docs/consumers.md)
            if (backend === "postgres") await new Promise(() => {});
            else await tx.execute(sql`SELECT pg_catalog.pg_sleep(3600)`);
          },
        }).runOnce();
        const dyingFails = expect(dying).rejects.toThrow();
        await inBatch;
        const second = consumer(t.db, feed, { name, checkpoints, handle: recorder(name) }).runOnce();
        const [status] = (await consumerStatus(t.db, checkpoints)).filter((s) => s.name === name);
        // the first holds the name's lock (the second may be numbering meanwhile: the positioner's lock)
        const holders = status!.heldBy.filter((h) => h.lock === "consumer");
        expect(holders).toHaveLength(1);
        // the second waits for the first's lock: nothing handled yet
        expect(await receivedBy(t, name)).not.toContain(e.id);
        await t.query(`SELECT pg_terminate_backend($1)`, [holders[0]!.pid]);
        await dyingFails;
        expect(await second).toBe(1);
        expect((await receivedBy(t, name)).filter((id) => id === e.id)).toHaveLength(1);
      });
    }
  },
  backends({ drivers: true }),
);

// the handler's types: the table's rows, and the database's own transaction
type Handle = Parameters<typeof consumer<typeof feed, TestDatabase["db"]>>[2]["handle"];
type _events = Expect<Equal<Parameters<Handle>[0], EventRow<typeof feed>[]>>;

test("consumer and resetConsumer refuse an HTTP driver before any SQL, naming readAll as the alternative", async () => {
  const sent: string[] = [];
  const proxy = drizzleProxy(async (text) => {
    sent.push(text);
    return { rows: [] };
  });
  const handle = async () => {};
  expectThrows(() => consumer(proxy as never, feed, { name: "x", checkpoints, handle }), {
    option: "db",
    mentions: ["pg-proxy", "`readAll`"],
  });
  await expectRejects(resetConsumer(proxy as never, feed, { name: "x", checkpoints }), {
    option: "db",
    mentions: ["pg-proxy", "`resetConsumer`"],
  });
  expect(sent).toEqual([]);
});
