/**
 * A consumer catching up (`run` with a backlog), on PGlite and PostgreSQL through postgres.js and
 * node-postgres: batches of `batchSize` handed over several to a transaction while a full batch is
 * known numbered ahead, and a throw in one of them rolls back the whole transaction.
 */
import { sql } from "drizzle-orm";
import { pgTable, integer, text, uuid } from "drizzle-orm/pg-core";
import { expect, test } from "vitest";
import { appendEvent, consumer, consumerTable, readAll, spectorTables } from "../src/index.js";
import type { EventRow } from "../src/index.js";
import { backends, describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";

const { backlog, backlog_positions } = spectorTables({ table: "backlog", positions: true });
const checkpoints = consumerTable("checkpoints");
const handled = pgTable("handled", {
  consumer: text("consumer").notNull(),
  id: uuid("id").notNull(),
  n: integer("n").notNull(),
});
const schema = { backlog, backlog_positions, checkpoints, handled };

describeBackends(
  "a consumer catching up",
  (backend) => {
    const t = useDatabase(backend, async (t) => {
      await t.execMigration(await createSql(schema));
    });
    type Tx = { insert: TestDatabase["db"]["insert"] };

    /** Appends `n` events (one statement each) and returns their ids in position order. */
    const appendMany = async (n: number): Promise<string[]> => {
      for (let i = 0; i < n; i++) await appendEvent(t.db, backlog, { schema: 1, action: 1, payload: {} });
      return (await readAll(t.db, backlog, { limit: 10_000 })).events.map((e) => e.id);
    };
    /** The ids consumer `name` wrote to `handled`, in the order it wrote them. */
    const handledBy = async (name: string) =>
      (await t.query<{ id: string }>(`SELECT id::text FROM handled WHERE consumer = $1 ORDER BY n`, [name])).map(
        (r) => r.id,
      );
    /** The id of transaction `tx` (each driver gives rows its own way). */
    const transactionId = async (tx: Tx): Promise<string> => {
      const result = (await (tx as unknown as TestDatabase["db"]).execute(
        sql`SELECT pg_catalog.txid_current()::text AS id`,
      )) as unknown as { id: string }[] | { rows: { id: string }[] };
      return (Array.isArray(result) ? result : result.rows)[0]!.id;
    };
    const cursorOf = async (name: string) =>
      (await t.query<{ cursor: string }>(`SELECT cursor FROM checkpoints WHERE name = $1`, [name]))[0]?.cursor;

    test("run hands a backlog over in batches of batchSize, up to 10 to a transaction while a full batch is numbered ahead", async () => {
      const ids = await appendMany(25);
      const sent: string[] = [];
      // the transaction each batch was handed over in, in order
      const transactions: string[] = [];
      const sizes: number[] = [];
      const stop = new AbortController();
      let n = 0;
      const c = consumer(t.logged(sent), backlog, {
        name: "catching-up",
        checkpoints,
        batchSize: 2,
        handle: async (events: EventRow<typeof backlog>[], tx: Tx) => {
          sizes.push(events.length);
          transactions.push(await transactionId(tx));
          for (const e of events) await tx.insert(handled).values({ consumer: "catching-up", id: e.id, n: n++ });
          if (n === ids.length) stop.abort();
        },
      });
      await c.run({ signal: stop.signal });
      expect(await handledBy("catching-up")).toEqual(ids);
      expect(sizes).toEqual([...Array<number>(12).fill(2), 1]);
      // all 25 are numbered (by readAll, above): the first transaction hands over batches 1 to 10 (10 at
      // most), the second 11 and 12 (after 24, less than a full batch is numbered ahead), and after
      // numbering again the third the last event
      const runs = transactions.reduce<number[]>(
        (acc, id, i) => (i > 0 && id === transactions[i - 1] ? [...acc.slice(0, -1), acc.at(-1)! + 1] : [...acc, 1]),
        [],
      );
      expect(runs).toEqual([10, 2, 1]);
      expect(new Set(transactions).size).toBe(3);
      expect(sent.filter((text) => text.includes("position_events_backlog")).length).toBe(2);
      expect(await cursorOf("catching-up")).toBe((await readAll(t.db, backlog, { limit: 10_000 })).next);
    });

    test("a throw in a batch of run rolls back its transaction's batches, and they all come again", async () => {
      const ids = await appendMany(9);
      let calls = 0;
      let n = 0;
      const write = async (events: EventRow<typeof backlog>[], tx: Tx) => {
        for (const e of events) await tx.insert(handled).values({ consumer: "thrower", id: e.id, n: n++ });
      };
      const thrower = (handle: (events: EventRow<typeof backlog>[], tx: Tx) => Promise<void>) =>
        consumer(t.db, backlog, { name: "thrower", checkpoints, batchSize: 2, handle });
      const failing = thrower(async (events, tx) => {
        await write(events, tx);
        if (++calls === 3) throw new Error("third batch failed");
      });
      await expect(failing.run()).rejects.toThrow("third batch failed");
      // batches 1 and 2 were handled in the same transaction as batch 3: nothing of them is kept
      expect(calls).toBe(3);
      expect(await handledBy("thrower")).toEqual([]);
      // the name's checkpoint row, made in that transaction, is not kept either
      expect(await cursorOf("thrower")).toBeUndefined();
      const stop = new AbortController();
      let seen = 0;
      const again = thrower(async (events, tx) => {
        await write(events, tx);
        seen += events.length;
        if (seen === ids.length) stop.abort();
      });
      await again.run({ signal: stop.signal });
      expect(await handledBy("thrower")).toEqual(ids);
    });
  },
  backends({ drivers: true }),
);
