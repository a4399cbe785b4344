/**
 * Positions and `readAll`, on PGlite and PostgreSQL: every writer's events get a position once
 * committed (helpers, raw SQL, COPY), rolled-back ones never; reading on from `next` gives every
 * event once, in one order that a second read from the start repeats; `schemas` filters; bad input
 * is refused before any SQL. Concurrent writers and restores: test/consumers-stress.test.ts.
 */
import { expect, test } from "vitest";
import {
  appendEvent,
  appendEvents,
  eventTable,
  positionsTable,
  readAll,
  shardSet,
  spectorActions,
  spectorTables,
  type EventRow,
  type PositionsTable,
} from "../src/index.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects, expectThrows } from "./support/failures.js";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

const schemas = { order: 0, note: 1 } as const;
const actions = spectorActions([]);
const { log, log_positions } = spectorTables({ table: "log", positions: true, schemas, actions });
const { chained, chained_heads, chained_positions } = spectorTables({
  table: "chained",
  hashed: "record",
  positions: true,
  actions,
});
const bare = eventTable("bare", { positions: true, actions });
const bare_positions = positionsTable(bare);
const { none } = spectorTables({ table: "none" });
const sharded = spectorTables({ shards: ["pl_0", "pl_1"], positions: true, schemas, actions });
const shards = shardSet([sharded.pl_0, sharded.pl_1]);
const schema = {
  log,
  log_positions,
  chained,
  chained_heads,
  chained_positions,
  bare,
  bare_positions,
  none,
  ...sharded,
};

type _positions = Expect<Equal<typeof bare_positions, PositionsTable<"bare_positions", undefined>>>;
type _row = Expect<
  Equal<
    (typeof log_positions)["$inferSelect"],
    { id: string; position: number | null; ids: string[] | null; queued: number }
  >
>;

/** Every event of `table` by reading on from cursor `from` (the start when left out), `limit` at a time. */
async function readEverything<T extends typeof log>(db: TestDatabase["db"], table: T, limit: number, from?: string) {
  const seen: EventRow<T>[] = [];
  let after = from;
  for (;;) {
    const { events, next } = await readAll(db, table, { after, limit });
    if (events.length === 0) {
      expect(next).toBe(after ?? next);
      return seen;
    }
    seen.push(...events);
    after = next;
  }
}

describeBackends("positions and readAll", (backend) => {
  const t = useDatabase(backend, async (t) => {
    await t.execMigration(await createSql(schema));
  });

  /** Each event's position in `positions` (a row's events take the positions up to its own), as text, in order; `-` for a queued one. */
  async function eventPositions(positions: string): Promise<string[]> {
    const rows = await t.query<{ position: string | null }>(
      `SELECT (p.position - coalesce(cardinality(p.ids), 1) + m.place)::text AS position
         FROM ${positions} AS p CROSS JOIN LATERAL unnest(coalesce(p.ids, ARRAY[p.id])) WITH ORDINALITY AS m(id, place)
        ORDER BY p.position - coalesce(cardinality(p.ids), 1) + m.place`,
    );
    return rows.map((r) => r.position ?? "-");
  }

  test("every writer's committed events are read once, in one order, and rolled-back ones never", async () => {
    const first = await appendEvent(t.db, log, { schema: "order", action: "insert", payload: { n: 1 } });
    await appendEvents(t.db, log, {
      parentId: first.id,
      events: [
        { schema: "note", action: "update", payload: { n: 2 } },
        { schema: "order", action: "update", payload: { n: 3 } },
      ],
    });
    // raw SQL, and a statement rolled back
    await t.query(
      `INSERT INTO log (id, parent_id, payload, schema, action) VALUES (gen_random_uuid(), $1, '{"n":4}', 0, 1)`,
      [first.id],
    );
    await expect(
      t.db.transaction(async (tx) => {
        await appendEvent(tx, log, { parentId: first.id, schema: "order", action: "update", payload: { n: 99 } });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    // COPY
    const copied = "018f0000-0000-7000-8000-000000000001";
    await t.copyIn("log (id, parent_id, payload, schema, action)", `${copied}\t${first.id}\t{"n":5}\t0\t1\n`);
    const all = await readEverything(t.db, log, 2);
    expect(all.map((e) => (e.payload as { n: number }).n).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(all.map((e) => e.id)).size).toBe(5);
    // the same order from the start, in one read or many
    const again = await readAll(t.db, log, { limit: 100 });
    expect(again.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    // the positions are 1..5, each event once, and nothing is left unnumbered
    expect(await eventPositions("log_positions")).toEqual(["1", "2", "3", "4", "5"]);
    // rows come back as the other helpers return them, schemas by name
    expect(all[0]).toMatchObject({ schema: "order", action: "insert", parentId: first.id });
  });

  test("a statement's events share a positions row (1,000 at most), read in id order across rows and reads", async () => {
    const parent = (await appendEvent(t.db, log, { schema: "order", action: "insert", payload: { n: 0 } })).id;
    const before = await readEverything(t.db, log, 1000);
    const start = (await readAll(t.db, log, { limit: 10_000 })).next;
    // one statement of 2,500 events, ids in reverse order of insertion: three rows (1,000, 1,000, 500)
    await t.query(
      `INSERT INTO log (id, parent_id, payload, schema, action)
       SELECT ('018f0000-0000-7000-8000-' || lpad(to_hex(3000 - k), 12, '0'))::uuid, $1, jsonb_build_object('k', k), 0, 1
         FROM generate_series(1, 2500) AS k`,
      [parent],
    );
    const last = "018f0000-0000-7000-8000-00000000b000";
    await t.query(`INSERT INTO log (id, parent_id, payload, schema, action) VALUES ($1, $2, '{}', 0, 1)`, [
      last,
      parent,
    ]);
    const queued = await t.query<{ n: number | null; first: boolean }>(
      `SELECT cardinality(ids) AS n, id = ids[1] AS first FROM log_positions WHERE position IS NULL ORDER BY queued`,
    );
    expect(queued.map((r) => r.n)).toEqual([1000, 1000, 500, null]);
    expect(queued.slice(0, 3).every((r) => r.first)).toBe(true);
    // reads of 7 cross the rows' ends; one read of 10,000 gives the same order: the statement's ids in order, then the last event
    const ids = (await readEverything(t.db, log, 7, start)).map((e) => e.id);
    expect(ids).toHaveLength(2501);
    expect(ids.slice(0, 2500)).toEqual([...ids.slice(0, 2500)].sort());
    expect(ids[2500]).toBe(last);
    expect((await readAll(t.db, log, { after: start, limit: 10_000 })).events.map((e) => e.id)).toEqual(ids);
    const total = before.length + 2501;
    expect(await eventPositions("log_positions")).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
  });

  test("a gap between positions (a positions row deleted) is read past, not waited at", async () => {
    const parent = (await appendEvent(t.db, log, { schema: "order", action: "insert", payload: { n: 0 } })).id;
    const start = (await readAll(t.db, log, { limit: 10_000 })).next;
    const statement = async (n: number) =>
      (
        await t.query<{ id: string }>(
          `INSERT INTO log (id, parent_id, payload, schema, action)
           SELECT gen_random_uuid(), $1, jsonb_build_object('k', k), 0, 1 FROM generate_series(1, $2::int) AS k RETURNING id::text`,
          [parent, n],
        )
      ).map((r) => r.id);
    const [a, b, c] = [await statement(5), await statement(1200), await statement(5)];
    await readAll(t.db, log, { after: start, limit: 10_000 }); // numbers them
    // b's first row: its 1,000 smallest ids
    await t.query(`DELETE FROM log_positions WHERE $1 = ANY (ids)`, [[...b].sort()[0]]);
    const read = (await readEverything(t.db, log, 3, start)).map((e) => e.id);
    const kept = [...b].sort().slice(1000);
    expect(read).toEqual([...[...a].sort(), ...kept, ...[...c].sort()]);
  });

  test("reading on from `next` gives what was written since, and nothing when nothing was", async () => {
    const before = await readAll(t.db, log, { limit: 10_000 });
    const empty = await readAll(t.db, log, { after: before.next });
    expect(empty).toEqual({ events: [], next: before.next });
    const added = await appendEvent(t.db, log, { schema: "note", action: "insert", payload: { n: 6 } });
    const after = await readAll(t.db, log, { after: before.next });
    expect(after.events.map((e) => e.id)).toEqual([added.id]);
  });

  test("`schemas` reads only those schemas, and moves past the others", async () => {
    const { next: start } = await readAll(t.db, log, { limit: 10_000 });
    const a = await appendEvent(t.db, log, { schema: "order", action: "insert", payload: { n: 7 } });
    await appendEvent(t.db, log, { schema: "note", action: "insert", payload: { n: 8 } });
    const notes = await readAll(t.db, log, { after: start, schemas: ["order"] });
    expect(notes.events.map((e) => e.id)).toEqual([a.id]);
    expect(await readAll(t.db, log, { after: notes.next })).toEqual({ events: [], next: notes.next });
  });

  test("within a record chain, positions follow the record's order", async () => {
    const root = await appendEvent(t.db, chained, { schema: 0, action: "insert", payload: { i: 0 } });
    for (let i = 1; i < 6; i++) {
      await appendEvent(t.db, chained, { parentId: root.id, schema: 0, action: "update", payload: { i } });
    }
    const { events } = await readAll(t.db, chained);
    expect(events.map((e) => (e.payload as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test("a shard set reads all its shards, each event once", async () => {
    const written: string[] = [];
    for (let i = 0; i < 12; i++) {
      const e = await appendEvent(t.db, shards, { schema: "order", action: "insert", payload: { i } });
      written.push(e.id);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { events, next } = await readAll(t.db, shards, { after, limit: 5 });
      if (events.length === 0) break;
      seen.push(...events.map((e) => e.id));
      after = next;
    }
    expect(seen.sort()).toEqual([...written].sort());
  });

  test("bad input is refused before any SQL, naming the option", async () => {
    const sent: string[] = [];
    const db = t.logged(sent);
    await expectRejects(readAll(db, none as never), { option: "table", mentions: ["positions: true"] });
    await expectRejects(readAll(db, log, { after: "42" }), { option: "after", mentions: ["from the start"] });
    await expectRejects(readAll(db, log, { after: "p1:1,2" }), { option: "after", mentions: ["for this table"] });
    await expectRejects(readAll(db, shards, { after: "p1:1" }), {
      option: "after",
      mentions: ["shard set of 2 tables"],
    });
    await expectRejects(readAll(db, log, { limit: 0 }), { option: "limit", mentions: ["an integer from 1 to 10,000"] });
    await expectRejects(readAll(db, log, { schemas: ["nope" as "order"] }), {
      option: "schemas[0]",
      mentions: ['"order", "note"'],
    });
    await expectRejects(readAll(db, bare, { schemas: ["x" as never] }), {
      option: "schemas[0]",
      mentions: ["integers"],
    });
    await expectRejects(readAll(db, log, { from: 1 } as never), { option: "from" });
    expect(sent).toEqual([]);
    expectThrows(() => spectorTables({ table: "c", positions: true, layout: "citus" }), {
      option: "positions",
      mentions: ["layout"],
    });
    expectThrows(() => spectorTables({ table: "c", positions: 1 as never }), { option: "positions" });
  });
});
