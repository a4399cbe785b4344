/**
 * Materialized tables on PGlite and PostgreSQL: `appendEvents(..., { materialize })` upserts (or
 * deletes) the record's row in the append's transaction; `rebuild` recomputes exactly the rows the
 * inline path wrote (many records, with deletes and custom actions; 10,000 records on PostgreSQL, 400
 * on PGlite), resumably; `get` with `at` replays; `import` turns rows into records; bad input is a
 * clear error with nothing written. Concurrent appends: test/materialized-concurrency.test.ts.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorVersionConflictError,
  appendEvents,
  listByParent,
  materialized,
  payloadType,
  readVersion,
  shardSet,
  spectorActions,
  spectorTables,
  type EventInput,
  type EventRow,
  type RebuildProgress,
} from "../src/index.js";
import { newEventId } from "../src/ids.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRefusedBeforeSql, expectRejects } from "./support/failures.js";

const schemas = { order: 0, note: 1 } as const;
const actions = spectorActions(["ship", "refund"]);
type Payloads = {
  order: { total?: number; tracking?: string; amount?: number };
  note: { text: string };
};
const payloads = payloadType<Payloads>();
const { events, events_heads } = spectorTables({ table: "events", hashed: "record", schemas, actions, payloads });
const { olog, olog_heads } = spectorTables({ table: "olog", versioned: true, schemas, actions, payloads });
const vshards = spectorTables({ shards: ["ms_0", "ms_1"], versioned: true, schemas, actions, payloads });
const shards = shardSet([vshards.ms_0, vshards.ms_1]);
const { plain } = spectorTables({ table: "plain", schemas, actions, payloads });
// old order payloads (`__version__: 1`) said `amount` for `total`: upcast on read
const { uplog, uplog_heads } = spectorTables({
  table: "uplog",
  versioned: true,
  schemas,
  actions,
  payloads,
  upcast: {
    order: (payload: any, version: number) =>
      version === 1 ? { total: payload.amount } : (payload as Payloads["order"]),
  },
});

const columns = () => ({
  id: uuid("id").primaryKey(),
  total: integer("total").notNull(),
  updates: integer("updates").notNull(),
  tracking: text("tracking"),
  lastEvent: uuid("last_event").notNull(),
});
const orderRows = pgTable("order_rows", columns());
const ologRows = pgTable("olog_rows", columns());
const shardRows = pgTable("shard_rows", columns());
const noteRows = pgTable("note_rows", { id: uuid("id").primaryKey(), text: text("text").notNull() });
const upRows = pgTable("up_rows", columns());
const schema = {
  uplog,
  uplog_heads,
  upRows,
  events,
  events_heads,
  olog,
  olog_heads,
  ...vshards,
  plain,
  orderRows,
  ologRows,
  shardRows,
  noteRows,
};

type OrderRow = typeof orderRows.$inferSelect;
/** What evolve reads of an order event, on any of the events tables. */
type OrderEvent = Pick<Extract<EventRow<typeof events>, { schema: "order" }>, "id" | "parentId" | "action" | "payload">;

/** The fold: insert makes the row, update changes the total, ship sets tracking, refund subtracts, delete removes it. */
function evolve(row: OrderRow | undefined, event: OrderEvent): OrderRow | undefined {
  const p = event.payload ?? {};
  switch (event.action) {
    case "insert":
      return { id: event.parentId, total: p.total ?? 0, updates: 0, tracking: null, lastEvent: event.id };
    case "update":
      return row && { ...row, total: p.total ?? row.total, updates: row.updates + 1, lastEvent: event.id };
    case "ship":
      return row && { ...row, tracking: p.tracking ?? null, lastEvent: event.id };
    case "refund":
      return row && { ...row, total: row.total - (p.amount ?? 0), lastEvent: event.id };
    case "delete":
      return undefined;
    default:
      return row;
  }
}

const orders = materialized(orderRows, { events, schema: "order", evolve });
const ologOrders = materialized(ologRows, { events: olog, schema: "order", evolve });
const shardOrders = materialized(shardRows, { events: shards, schema: "order", evolve });
const upOrders = materialized(upRows, { events: uplog, schema: "order", evolve });
const notes = materialized(noteRows, {
  events,
  schema: "note",
  evolve: (row, event) => (event.action === "delete" ? undefined : { id: event.parentId, text: event.payload!.text }),
});

const insert = (total: number) => ({ schema: "order" as const, action: "insert" as const, payload: { total } });
const update = (total: number) => ({ schema: "order" as const, action: "update" as const, payload: { total } });
const ship = (tracking: string) => ({ schema: "order" as const, action: "ship" as const, payload: { tracking } });
const refund = (amount: number) => ({ schema: "order" as const, action: "refund" as const, payload: { amount } });
const remove = { schema: "order" as const, action: "delete" as const, payload: null };

/** Every row of `table`, by id. */
async function allRows(t: TestDatabase, table: string): Promise<Record<string, unknown>[]> {
  return t.query(`SELECT * FROM ${table} ORDER BY id`);
}

/** A small deterministic random generator. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describeBackends("materialized tables", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await createSql(schema)));
  const RECORDS = backend === "postgres" ? 10_000 : 400;

  test("appendEvents with materialize: a new record's row, then updates, a custom action and a delete, each in the append's transaction", async () => {
    for (const [m, log, table] of [
      [orders, events, "order_rows"],
      [ologOrders, olog, "olog_rows"],
      [shardOrders, shards, "shard_rows"],
    ] as const) {
      const first = await appendEvents(t.db, log as typeof events, {
        events: [insert(10), update(12)],
        materialize: [m as typeof orders],
      });
      const id = first.rows[0]!.id;
      expect(await m.get(t.db, id)).toEqual({
        id,
        total: 12,
        updates: 1,
        tracking: null,
        lastEvent: first.rows[1]!.id,
      });
      const next = await appendEvents(t.db, log as typeof events, {
        parentId: id,
        expected: first.version,
        events: [ship("1Z"), refund(5)],
        materialize: [m as typeof orders],
      });
      expect(next.version.count).toBe(4);
      const [row] = await t.query(`SELECT total, updates, tracking FROM ${table} WHERE id = $1`, [id]);
      expect(row).toEqual({ total: 7, updates: 1, tracking: "1Z" });
      // the row is the fold of the log
      const history = await listByParent(t.db, log as typeof events, id);
      expect(await m.get(t.db, id)).toEqual(history.reduce(evolve as never, undefined));
      // time travel: as of the second event
      expect(await m.get(t.db, id, { at: first.rows[1]!.id })).toEqual({
        id,
        total: 12,
        updates: 1,
        tracking: null,
        lastEvent: first.rows[1]!.id,
      });
      await appendEvents(t.db, log as typeof events, {
        parentId: id,
        events: [remove],
        materialize: [m as typeof orders],
      });
      expect(await m.get(t.db, id)).toBeUndefined();
      expect(await t.query(`SELECT id FROM ${table} WHERE id = $1`, [id])).toEqual([]);
      // a stale expected version: a conflict, nothing written
      await expectRejects(
        appendEvents(t.db, log as typeof events, {
          parentId: id,
          expected: next.version,
          events: [insert(1)],
          materialize: [m as typeof orders],
        }),
        { instanceOf: SpectorVersionConflictError },
      );
      expect((await readVersion(t.db, log as typeof events, id))!.count).toBe(5);
      expect(await m.get(t.db, id)).toBeUndefined();
    }
  });

  test("events of another schema leave the row alone; two tables in one append; in a transaction of the caller's", async () => {
    const started = await appendEvents(t.db, events, {
      events: [insert(1), { schema: "note", action: "insert", payload: { text: "hi" } }],
      materialize: [orders, notes],
    });
    const id = started.rows[0]!.id;
    expect(await orders.get(t.db, id)).toMatchObject({ id, total: 1 });
    expect(await notes.get(t.db, id)).toEqual({ id, text: "hi" });
    await t.db.transaction(async (tx) => {
      await appendEvents(tx, events, { parentId: id, events: [update(2)], materialize: [orders, notes] });
      expect(await orders.get(tx, id)).toMatchObject({ total: 2, updates: 1 });
    });
    expect(await notes.get(t.db, id)).toEqual({ id, text: "hi" });
    expect(await orders.get(t.db, id)).toMatchObject({ total: 2, updates: 1 });
  });

  test(`rebuild yields exactly the rows the inline path wrote (${RECORDS} records, deletes, custom actions), resumably`, async () => {
    const next = random(42);
    const ids: string[] = [];
    const writers = backend === "postgres" ? 8 : 1;
    let made = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (made < RECORDS) {
          made++;
          const list: EventInput<typeof events>[] = [insert(Math.floor(next() * 100))];
          for (let n = Math.floor(next() * 5); n > 0; n--) {
            const r = next();
            list.push(r < 0.5 ? update(Math.floor(next() * 100)) : r < 0.8 ? ship(`T${n}`) : refund(1));
          }
          const { rows } = await appendEvents(t.db, events, { events: list, materialize: [orders] });
          const id = rows[0]!.id;
          ids.push(id);
          // a second append to some: more events, or a delete
          const r = next();
          if (r < 0.15) await appendEvents(t.db, events, { parentId: id, events: [remove], materialize: [orders] });
          else if (r < 0.5) {
            await appendEvents(t.db, events, { parentId: id, events: [update(7), refund(2)], materialize: [orders] });
          }
        }
      }),
    );
    const inline = await allRows(t, "order_rows");
    const mine = new Set(ids);
    const present = new Set(inline.map((row) => row.id as string));
    const kept = inline.filter((row) => mine.has(row.id as string)).length;
    expect(kept).toBeGreaterThan(RECORDS * 0.7);
    expect(kept).toBeLessThan(RECORDS);
    // the inline rows are the fold of the log, on a sample
    for (const id of ids.slice(0, 50)) {
      const history = (await listByParent(t.db, events, id)).filter((e) => e.schema === "order");
      expect(await orders.get(t.db, id)).toEqual(history.reduce(evolve as never, undefined));
    }
    // wipe and damage the table: a wrong row, a row of a deleted record, a missing row
    await t.query("UPDATE order_rows SET total = -1 WHERE id IN (SELECT id FROM order_rows ORDER BY id LIMIT 10)");
    const deleted = ids.find((id) => !present.has(id))!;
    await t.query("INSERT INTO order_rows (id, total, updates, tracking, last_event) VALUES ($1, 0, 0, NULL, $1)", [
      deleted,
    ]);
    await t.query("DELETE FROM order_rows WHERE id IN (SELECT id FROM order_rows ORDER BY id DESC LIMIT 10)");
    // a rebuild that stops after two batches, resumed from its cursor
    const reports: RebuildProgress[] = [];
    const stop = new Error("stopped");
    await expect(
      orders.rebuild(t.db, {
        batchSize: 100,
        onProgress: (progress) => {
          reports.push(progress);
          if (reports.length === 2) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect(reports[1]!.records).toBe(200);
    const done = await orders.rebuild(t.db, { batchSize: 100, after: reports[1]!.cursor });
    expect(done.records + 200).toBeGreaterThanOrEqual(new Set(ids).size);
    expect(await allRows(t, "order_rows")).toEqual(inline);
    // and a whole rebuild, from an empty table, again gives the same rows
    await t.query("DELETE FROM order_rows");
    const whole = await orders.rebuild(t.db);
    expect(await allRows(t, "order_rows")).toEqual(inline);
    expect(whole.upserted).toBe(inline.length);
    expect(whole.deleted).toBe(whole.records - inline.length);
  });

  test("payloads upcast as the read helpers do, inline and in rebuild; savepoints are not folded", async () => {
    const old = {
      schema: "order" as const,
      action: "update" as const,
      payload: { __version__: 1, amount: 42 } as never,
    };
    const { rows } = await appendEvents(t.db, uplog, { events: [insert(1), old], materialize: [upOrders] });
    const id = rows[0]!.id;
    expect(await upOrders.get(t.db, id)).toMatchObject({ total: 42, updates: 1 });
    // the rows returned are as written
    expect(rows[1]!.payload).toEqual({ __version__: 1, amount: 42 });
    const savepoint = { schema: "order" as const, action: "savepoint" as const, payload: { total: 0 } as never };
    await appendEvents(t.db, uplog, { parentId: id, events: [savepoint], materialize: [upOrders] });
    const inline = await allRows(t, "up_rows");
    expect(inline).toEqual([expect.objectContaining({ id, total: 42, updates: 1, last_event: rows[1]!.id })]);
    await t.query("DELETE FROM up_rows");
    await upOrders.rebuild(t.db);
    expect(await allRows(t, "up_rows")).toEqual(inline);
    expect(await upOrders.get(t.db, id, { at: rows[1]!.id })).toMatchObject({ total: 42 });
  });

  test("rebuild on a shard set and on a versioned table", async () => {
    for (const [m, table] of [
      [shardOrders, "shard_rows"],
      [ologOrders, "olog_rows"],
    ] as const) {
      const before = await allRows(t, table);
      await t.query(`DELETE FROM ${table}`);
      await m.rebuild(t.db, { batchSize: 1 });
      expect(await allRows(t, table)).toEqual(before);
    }
  });

  test("get with at: the row as of each event equals the fold of the prefix; an event of another record is refused", async () => {
    const { rows } = await appendEvents(t.db, events, {
      events: [insert(1), update(2), ship("A"), refund(1), remove, insert(9)],
      materialize: [orders],
    });
    for (let i = 0; i < rows.length; i++) {
      expect(await orders.get(t.db, rows[0]!.id, { at: rows[i]!.id })).toEqual(
        rows.slice(0, i + 1).reduce(evolve as never, undefined),
      );
    }
    const other = await appendEvents(t.db, events, { events: [insert(1)] });
    await expectRejects(orders.get(t.db, rows[0]!.id, { at: other.rows[0]!.id }), { option: "at" });
  });

  test("import: rows without a record become records with an insert event; again, nothing; rebuild keeps them", async () => {
    const existing = await appendEvents(t.db, events, {
      events: [{ schema: "note", action: "insert", payload: { text: "logged" } }],
      materialize: [notes],
    });
    const old = Array.from({ length: 25 }, (_, i) => ({ id: newEventId(), text: `old ${i}` }));
    await t.db.insert(noteRows).values(old);
    const result = await notes.import(t.db, { batchSize: 10 });
    expect(result.imported).toBe(25);
    for (const row of old) {
      const history = await listByParent(t.db, events, row.id);
      expect(history.map((e) => [e.id, e.schema, e.action, e.payload])).toEqual([
        [row.id, "note", "insert", { id: row.id, text: row.text }],
      ]);
    }
    expect((await listByParent(t.db, events, existing.rows[0]!.id)).length).toBe(1);
    expect((await notes.import(t.db)).imported).toBe(0);
    const before = await allRows(t, "note_rows");
    await t.query("DELETE FROM note_rows");
    await notes.rebuild(t.db);
    expect(await allRows(t, "note_rows")).toEqual(before);
  });

  test("an evolve that throws, or returns a row of another id: the error, nothing written (alone or in a transaction of the caller's)", async () => {
    const boom = new Error("evolve failed");
    const failing = materialized(orderRows, {
      events,
      schema: "order",
      evolve: (row, event) => {
        if (event.action === "refund") throw boom;
        return evolve(row, event);
      },
    });
    const wrongId = materialized(orderRows, {
      events,
      schema: "order",
      evolve: (row, event) => ({ ...evolve(row, event)!, id: randomUUID() }),
    });
    const [count] = await t.query<{ n: number }>("SELECT count(*)::int AS n FROM events");
    await expectRejects(appendEvents(t.db, events, { events: [insert(1), refund(1)], materialize: [failing] }), {
      mentions: ["evolve failed"],
    });
    await expectRejects(appendEvents(t.db, events, { events: [insert(1)], materialize: [wrongId] }), {
      option: "evolve(...).id",
    });
    expect(await t.query<{ n: number }>("SELECT count(*)::int AS n FROM events")).toEqual([count]);
    const { rows, version } = await appendEvents(t.db, events, { events: [insert(5)], materialize: [orders] });
    const id = rows[0]!.id;
    const row = await orders.get(t.db, id);
    await expectRejects(
      appendEvents(t.db, events, { parentId: id, events: [update(6), refund(1)], materialize: [failing] }),
      {
        mentions: ["evolve failed"],
      },
    );
    // in a transaction of the caller's: the append is undone (a savepoint), the transaction goes on
    await t.db.transaction(async (tx) => {
      await expectRejects(appendEvents(tx, events, { parentId: id, events: [refund(1)], materialize: [failing] }), {
        mentions: ["evolve failed"],
      });
      await tx.execute(sql`select 1`);
    });
    expect(await readVersion(t.db, events, id)).toEqual(version);
    expect(await orders.get(t.db, id)).toEqual(row);
  });

  test("bad input: a state table without a single uuid primary key, an events table without heads, a bad schema or evolve, a materialize of another table", async () => {
    const noKey = pgTable("no_key", { id: uuid("id"), total: integer("total") });
    const textKey = pgTable("text_key", { id: text("id").primaryKey() });
    const twoKeys = pgTable("two_keys", { a: uuid("a"), b: uuid("b") }, (t) => [primaryKey({ columns: [t.a, t.b] })]);
    for (const table of [noKey, textKey, twoKeys]) {
      expect(() => materialized(table as never, { events, schema: "order", evolve: () => undefined })).toThrow(
        SpectorOptionError,
      );
      try {
        materialized(table as never, { events, schema: "order", evolve: () => undefined });
      } catch (error) {
        expect((error as SpectorOptionError).option).toBe("stateTable");
        expect((error as Error).message).toMatch(/one `uuid` column/);
      }
    }
    const refused = (run: () => unknown, option: string) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(SpectorOptionError);
        expect((error as SpectorOptionError).option).toBe(option);
        return;
      }
      throw new Error("not refused");
    };
    refused(() => materialized(orderRows, { events: plain, schema: "order", evolve: () => undefined }), "events");
    refused(() => materialized(orderRows, { events, schema: "nope" as never, evolve: () => undefined }), "schema");
    refused(() => materialized(orderRows, { events, schema: "order", evolve: 1 as never }), "evolve");
    await expectRefusedBeforeSql(
      t,
      (db) => appendEvents(db, olog, { events: [insert(1)], materialize: [orders as never] }),
      { option: "materialize[0]" },
    );
    await expectRefusedBeforeSql(
      t,
      (db) => appendEvents(db, events, { events: [insert(1)], materialize: [{} as never] }),
      { option: "materialize[0]" },
    );
    await expectRefusedBeforeSql(t, (db) => orders.rebuild(db, { batchSize: 0 }), { option: "batchSize" });
    await expectRefusedBeforeSql(t, (db) => orders.get(db, "x"), { option: "id" });
  });
});
