/**
 * How `readAll` and consumers read a writer statement's events (on PGlite and PostgreSQL): a positions
 * row of 8 events or more is read in one index range on `id` when that range holds its events and
 * nothing else, each event looked up by id otherwise. Here: the range path's reads are few; another
 * statement's event inside a row's range, an event gone from it, `schemas`, and reads that start or end
 * inside a row, or hold rows of both paths, give every event once, in the replay's order.
 */
import { expect, test } from "vitest";
import {
  appendEvent,
  consumer,
  consumerTable,
  readAll,
  resetConsumer,
  spectorActions,
  spectorTables,
  type EventRow,
} from "../src/index.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";

const schemas = { order: 0, note: 1 } as const;
const actions = spectorActions([]);
const { ranged, ranged_positions } = spectorTables({ table: "ranged", positions: true, schemas, actions });
const checkpoints = consumerTable("range_checkpoints");
const schema = { ranged, ranged_positions, checkpoints };

/** The UUIDv7-shaped id `n` of test `group`: ids of one group sort by `n`. */
const id = (group: number, n: number) =>
  `${group.toString(16).padStart(8, "0")}-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;

type Row = EventRow<typeof ranged>;

describeBackends("reading a statement's events by range", (backend) => {
  const t = useDatabase(backend, async (t) => {
    await t.execMigration(await createSql(schema));
  });
  let names = 0;

  /** Appends a record's first event (the parent of the statements below) and returns its id and the cursor after every event so far. */
  async function begin(): Promise<{ parent: string; start: string }> {
    const parent = (await appendEvent(t.db, ranged, { schema: "order", action: "insert", payload: {} })).id;
    return { parent, start: (await readAll(t.db, ranged, { limit: 10_000 })).next };
  }

  /** One INSERT of the events `ns` of `group` (schema `order`, or `note` for the ns in `notes`). */
  async function statement(parent: string, group: number, ns: readonly number[], notes: readonly number[] = []) {
    await t.query(
      `INSERT INTO ranged (id, parent_id, payload, schema, action)
       SELECT s.id, $1, jsonb_build_object('n', s.n), CASE WHEN s.n = ANY ($4::int[]) THEN 1 ELSE 0 END, 1
         FROM unnest($2::uuid[], $3::int[]) AS s(id, n)`,
      [parent, ns.map((n) => id(group, n)), ns, notes],
    );
  }

  /** Every event after `start`, read on from `next` `limit` at a time until `next` stays (and the reads' count). */
  async function readOn(db: TestDatabase["db"], start: string, limit: number, only?: readonly "order"[]) {
    const seen: Row[] = [];
    let after = start;
    for (let reads = 1; ; reads++) {
      const { events, next } = await readAll(db, ranged, { after, limit, ...(only ? { schemas: only } : {}) });
      // with `schemas`, a read may leave out every event it reads past
      if (next === after) return { ids: seen.map((e) => e.id), reads };
      seen.push(...events);
      after = next;
    }
  }

  /** The ids a new consumer hands over after `start`, batches of `batchSize` (in its transactions: the other way the read runs). */
  async function consumed(start: string, batchSize: number, count: number): Promise<string[]> {
    const handled: string[] = [];
    const stop = new AbortController();
    const name = `range-${names++}`;
    await resetConsumer(t.db, ranged, { name, checkpoints, to: start });
    const c = consumer(t.db, ranged, {
      name,
      checkpoints,
      batchSize,
      handle: async (events) => {
        handled.push(...events.map((e) => e.id));
        if (handled.length >= count) stop.abort();
      },
    });
    await c.run({ signal: stop.signal });
    return handled;
  }

  /** `expected` is what reads of every size give, through readAll and a consumer, and a replay from `start` in one read. */
  async function expectEveryRead(start: string, expected: readonly string[]) {
    const replay = (await readAll(t.db, ranged, { after: start, limit: 10_000 })).events.map((e) => e.id);
    expect(replay).toEqual(expected);
    for (const limit of [1, 3, 7, 11, 1000]) {
      expect((await readOn(t.db, start, limit)).ids).toEqual(expected);
      await t.db.transaction(async (tx) => expect((await readOn(tx, start, limit)).ids).toEqual(expected));
    }
    expect(await consumed(start, 5, expected.length)).toEqual(expected);
  }

  test("a statement's events are read by one range: a read of 100 of them scans the primary key a few times, not 100", async () => {
    const { parent, start } = await begin();
    const ns = Array.from({ length: 100 }, (_, n) => n);
    await statement(parent, 1, ns);
    await readAll(t.db, ranged, { after: start, limit: 1 }); // numbers them
    const scans = async () => {
      await t.query(`SELECT pg_catalog.pg_stat_force_next_flush()`);
      const [row] = await t.query<{ n: string }>(
        `SELECT idx_scan::text AS n FROM pg_catalog.pg_stat_user_indexes WHERE indexrelname = 'ranged_pkey'`,
      );
      return Number(row!.n);
    };
    const before = await scans();
    const read = await readAll(t.db, ranged, { after: start, limit: 1000 });
    const after = await scans();
    expect(read.events.map((e) => e.id)).toEqual(ns.map((n) => id(1, n)));
    // the check and the range (once each per row), not one lookup per event
    expect(after - before).toBeLessThanOrEqual(4);
    await expectEveryRead(
      start,
      ns.map((n) => id(1, n)),
    );
  });

  test("another statement's event inside a row's id range, positioned after the row or before it", async () => {
    const { parent, start } = await begin();
    const evens = Array.from({ length: 12 }, (_, i) => 2 * i);
    await statement(parent, 2, evens); // positioned first
    await statement(parent, 2, [5]); // inside the evens' range, positioned after them
    await readAll(t.db, ranged, { after: start, limit: 1 });
    await statement(parent, 2, [101]); // positioned before the next row, inside its range
    await statement(
      parent,
      2,
      Array.from({ length: 10 }, (_, i) => 100 + 2 * i),
    );
    await expectEveryRead(
      start,
      [...evens, 5, 101, ...Array.from({ length: 10 }, (_, i) => 100 + 2 * i)].map((n) => id(2, n)),
    );
  });

  test("an event gone from a row (deleted) is read past, also when it ends a read", async () => {
    const { parent, start } = await begin();
    const ns = Array.from({ length: 12 }, (_, n) => n);
    await statement(parent, 3, ns);
    await statement(parent, 3, [50]);
    await readAll(t.db, ranged, { after: start, limit: 1 });
    await t.query(`DELETE FROM ranged WHERE id = $1`, [id(3, 6)]);
    // reads of 7 end at the gone event
    await expectEveryRead(
      start,
      [...ns.filter((n) => n !== 6), 50].map((n) => id(3, n)),
    );
  });

  test("`schemas` leaves out a row's other events and reads past them", async () => {
    const { parent, start } = await begin();
    const ns = Array.from({ length: 20 }, (_, n) => n);
    const notes = ns.filter((n) => n % 3 === 0);
    await statement(parent, 4, ns, notes);
    await statement(parent, 4, [30, 31, 32, 33, 34, 35, 36, 37], [30, 31, 32, 33, 34, 35, 36, 37]);
    await statement(parent, 4, [40]);
    const orders = [...ns.filter((n) => !notes.includes(n)), 40].map((n) => id(4, n));
    for (const limit of [1, 3, 8, 1000]) expect((await readOn(t.db, start, limit, ["order"])).ids).toEqual(orders);
    await t.db.transaction(async (tx) => expect((await readOn(tx, start, 3, ["order"])).ids).toEqual(orders));
  });

  test("reads holding rows of both paths (one event, few, many, mixed in one range) give the replay's order", async () => {
    const { parent, start } = await begin();
    const written: number[] = [];
    const write = async (ns: number[]) => {
      await statement(parent, 5, ns);
      written.push(...ns);
    };
    await write([1000]);
    await write(Array.from({ length: 9 }, (_, i) => 10 + i));
    await write([3, 4, 5]);
    await write(Array.from({ length: 8 }, (_, i) => 30 + 2 * i));
    await write([33]); // inside the row before it
    await write([2000]);
    await write(Array.from({ length: 40 }, (_, i) => 100 + i));
    await expectEveryRead(
      start,
      written.map((n) => id(5, n)),
    );
  });
});
