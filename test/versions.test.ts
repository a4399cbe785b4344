/**
 * `appendEvents` and expected versions, on PGlite and PostgreSQL: several events of one record in one
 * statement, in order, all or none; an append at an expected version writes only at that version, and
 * throws `SpectorVersionConflictError` (nothing written) otherwise; bad input is refused before any
 * SQL. Concurrent writers: test/versions-concurrency.test.ts.
 */
import { expect, test } from "vitest";
import {
  SpectorRecordNotFoundError,
  SpectorVersionConflictError,
  appendEvent,
  appendEvents,
  listByParent,
  payloadType,
  readVersion,
  shardSet,
  spectorActions,
  spectorTables,
  verifyChain,
  type AppendEventsResult,
  type EventInput,
  type EventRow,
  type RecordVersion,
  type VersionHeadsTable,
  eventTable,
  versionHeadTable,
  spectorDownSql,
} from "../src/index.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRefusedBeforeSql, expectRejects } from "./support/failures.js";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

const schemas = { order: 0, note: 1 } as const;
const actions = spectorActions(["ship"]);
const payloads = payloadType<{ order: { total: number }; note: { text: string } }>();
const { events, events_heads } = spectorTables({ table: "events", hashed: "record", schemas, actions, payloads });
const sharded = spectorTables({ shards: ["vs_0", "vs_1"], hashed: "record", schemas, actions });
const shards = shardSet([sharded.vs_0, sharded.vs_1]);
const { plain } = spectorTables({ table: "plain", schemas, actions });
const { ledger } = spectorTables({
  table: "ledger",
  hashed: true,
  schemas,
  actions,
  schemaModules: { order: "MyApp.Order", note: "MyApp.Note" },
});
// record heads without a chain: any table kind but Spector's chain and the Citus layout
const { orders, orders_heads } = spectorTables({ table: "orders", versioned: true, schemas, actions, payloads });
const versionedShards = spectorTables({ shards: ["vo_0", "vo_1", "vo_2"], versioned: true, schemas, actions });
const orderShards = shardSet([versionedShards.vo_0, versionedShards.vo_1, versionedShards.vo_2]);
const notes = eventTable("notes", { versioned: true, schemas, actions });
// the Citus layout's heads trigger, where the table is not distributed (PGlite, PostgreSQL): the same heads
const { cited, cited_heads } = spectorTables({ table: "cited", layout: "citus", versioned: true, schemas, actions });
const notes_heads = versionHeadTable(notes);
const schema = {
  events,
  events_heads,
  ...sharded,
  plain,
  ledger,
  orders,
  orders_heads,
  ...versionedShards,
  notes,
  notes_heads,
  cited,
  cited_heads,
};

// the types: rows typed by the table, the version a RecordVersion
type Result = Awaited<ReturnType<typeof appendEvents<typeof events>>>;
type _rows = Expect<Equal<Result["rows"], EventRow<typeof events>[]>>;
type _version = Expect<Equal<Result["version"], RecordVersion>>;
type _result = Expect<Equal<Result, AppendEventsResult<typeof events>>>;
type _heads = Expect<
  Equal<(typeof orders_heads)["$inferSelect"], { parentId: string; lastId: string; eventCount: number }>
>;
type _notesHeads = Expect<Equal<typeof notes_heads, VersionHeadsTable<"notes_heads", undefined>>>;
type _noHeads = Expect<Equal<"plain_heads" extends keyof ReturnType<typeof plainTables> ? 1 : 0, 0>>;
const plainTables = () => spectorTables({ table: "plain" });
type _input = Expect<
  Equal<
    EventInput<typeof events>,
    | {
        schema: "order";
        action: "insert" | "update" | "delete" | "savepoint" | "ship";
        payload: { total: number } | null;
      }
    | {
        schema: "note";
        action: "insert" | "update" | "delete" | "savepoint" | "ship";
        payload: { text: string } | null;
      }
  >
>;

async function countOf(t: TestDatabase, table: string, parentId: string): Promise<number> {
  const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE parent_id = $1`, [
    parentId,
  ]);
  return row!.n;
}

const order = (total: number) => ({ schema: "order" as const, action: "update" as const, payload: { total } });

describeBackends("appendEvents and expected versions", (backend) => {
  const t = useDatabase(backend, async (t) => {
    await t.execMigration(await createSql(schema));
    // a database-side refusal, to fail one event in the middle of a statement
    for (const table of ["events", "plain"]) {
      await t.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_no_bad CHECK (NOT (payload ? 'bad'))`);
    }
  });

  test("a new record: the events in order, the first one's id the record's, typed rows, its version", async () => {
    const { rows, version } = await appendEvents(t.db, events, {
      events: [
        { schema: "order", action: "insert", payload: { total: 1 } },
        { schema: "note", action: "ship", payload: { text: "two" } },
        order(3),
      ],
    });
    expect(rows.map((row) => [row.schema, row.action, row.payload])).toEqual([
      ["order", "insert", { total: 1 }],
      ["note", "ship", { text: "two" }],
      ["order", "update", { total: 3 }],
    ]);
    const record = rows[0]!.id;
    expect(rows.every((row) => row.parentId === record)).toBe(true);
    const first = rows[0]!;
    if (first.schema === "order") expect(first.payload?.total).toBe(1); // narrowed by schema
    expect(version).toEqual({ lastId: rows[2]!.id, count: 3 });
    expect(await readVersion(t.db, events, record)).toEqual(version);
    expect((await listByParent(t.db, events, record)).map((row) => row.id)).toEqual(rows.map((row) => row.id));
    expect(await verifyChain(t.db, events, { parentId: record })).toEqual({ ok: true, count: 3 });
  });

  for (const table of [events, plain] as const) {
    const name = table === events ? "events" : "plain";
    test(`${name}: events added to a record keep their order; a refused event in the middle writes none of them`, async () => {
      const { rows: started } = await appendEvents(t.db, table, { events: [order(0)] });
      const parentId = started[0]!.id;
      const { rows, version } = await appendEvents(t.db, table, {
        parentId,
        events: Array.from({ length: 12 }, (_, i) => order(i + 1)),
      });
      expect(rows.map((row) => (row.payload as { total: number }).total)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      expect(version).toEqual({ lastId: rows[11]!.id, count: 13 });
      expect((await listByParent(t.db, table, parentId)).map((row) => row.id)).toEqual([
        parentId,
        ...rows.map((row) => row.id),
      ]);
      // the database refuses the middle one: none is written
      await expectRejects(
        appendEvents(t.db, table, {
          parentId,
          events: [order(100), { schema: "order", action: "update", payload: { bad: 1 } as never }, order(101)],
        }),
        { sqlstate: "23514" },
      );
      // a new record too
      await expectRejects(
        appendEvents(t.db, table, {
          events: [order(200), { schema: "order", action: "update", payload: { bad: 1 } as never }],
        }),
        { sqlstate: "23514" },
      );
      expect(await countOf(t, name, parentId)).toBe(13);
      const [all] = await t.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${name} WHERE payload->>'total' = '200'`,
      );
      expect(all!.n).toBe(0);
      // an event that is no JSON in the middle: refused before any SQL
      await expectRefusedBeforeSql(
        t,
        (db) =>
          appendEvents(db, table, {
            parentId,
            events: [order(1), { schema: "order", action: "update", payload: { total: Number.NaN } }, order(2)],
          }),
        { option: "events[1].payload.total" },
      );
      expect(await countOf(t, name, parentId)).toBe(13);
      if (table === events) expect(await verifyChain(t.db, events, { parentId })).toEqual({ ok: true, count: 13 });
    });
  }

  test("at the expected version the events are written; at a stale lastId or count: SpectorVersionConflictError, nothing written", async () => {
    const { rows, version } = await appendEvents(t.db, events, { events: [order(1), order(2)] });
    const parentId = rows[0]!.id;
    const next = await appendEvents(t.db, events, { parentId, expected: version, events: [order(3), order(4)] });
    expect(next.version).toEqual({ lastId: next.rows[1]!.id, count: 4 });
    expect(await readVersion(t.db, events, parentId)).toEqual(next.version);
    for (const stale of [
      version, // both stale
      { lastId: version.lastId, count: 4 }, // the count is right, not the last id
      { lastId: next.version.lastId, count: 3 }, // the last id is right, not the count
      { lastId: next.version.lastId, count: 5 },
    ]) {
      const error = (await expectRejects(
        appendEvents(t.db, events, { parentId, expected: stale, events: [order(9)] }),
        { instanceOf: SpectorVersionConflictError, mentions: [parentId, "nothing was written"] },
      )) as unknown as SpectorVersionConflictError;
      expect([error.parentId, error.expected, error.actual]).toEqual([parentId, stale, next.version]);
      expect(error.table).toBe("events");
    }
    expect(await countOf(t, "events", parentId)).toBe(4);
    // appendEvent takes `expected` too
    const row = await appendEvent(t.db, events, { ...order(5), parentId, expected: next.version });
    await expectRejects(appendEvent(t.db, events, { ...order(6), parentId, expected: next.version }), {
      instanceOf: SpectorVersionConflictError,
    });
    expect(await readVersion(t.db, events, parentId)).toEqual({ lastId: row.id, count: 5 });
    expect(await verifyChain(t.db, events, { parentId })).toEqual({ ok: true, count: 5 });
    // an upper-case lastId is the same version
    const upper = { lastId: row.id.toUpperCase(), count: 5 };
    const last = await appendEvents(t.db, events, { parentId, expected: upper, events: [order(7)] });
    expect(last.version.count).toBe(6);
    // "any" compares nothing
    const any = await appendEvents(t.db, events, { parentId, expected: "any", events: [order(8)] });
    expect(any.version).toEqual({ lastId: any.rows[0]!.id, count: 7 });
  });

  for (const [name, shardSetOf, tables] of [
    ["a record-chained shard set", shards, ["vs_0", "vs_1"]],
    ["a versioned shard set", orderShards, ["vo_0", "vo_1", "vo_2"]],
  ] as const) {
    const set = shardSetOf as unknown as typeof shards;
    test(`${name}: each record's version in its shard`, async () => {
      const started = await Promise.all(
        Array.from({ length: 6 }, () => appendEvents(t.db, set, { events: [order(1), order(2)] })),
      );
      for (const { rows, version } of started) {
        const parentId = rows[0]!.id;
        const next = await appendEvents(t.db, set, { parentId, expected: version, events: [order(3)] });
        expect(next.version.count).toBe(3);
        const error = (await expectRejects(
          appendEvents(t.db, set, { parentId, expected: version, events: [order(4)] }),
          { instanceOf: SpectorVersionConflictError },
        )) as unknown as SpectorVersionConflictError;
        expect(error.actual).toEqual(next.version);
        expect(await readVersion(t.db, set, parentId)).toEqual(next.version);
      }
      let total = 0;
      for (const table of tables) {
        const [row] = await t.query<{ n: number; bad: number }>(
          `SELECT (SELECT count(*)::int FROM ${table}) AS n,
                  (SELECT count(*)::int FROM ${table}_heads AS h
                    WHERE h.event_count <> (SELECT count(*) FROM ${table} AS e WHERE e.parent_id = h.parent_id)) AS bad`,
        );
        expect(row!.bad).toBe(0);
        total += row!.n;
      }
      expect(total).toBe(18);
    });
  }

  for (const [name, given] of [
    ["versioned: true (spectorTables)", orders],
    ["versioned: true (eventTable and versionHeadTable)", notes],
    ['versioned: true, layout: "citus"', cited],
  ] as const) {
    const table = given as unknown as typeof orders;
    test(`${name}: record heads without a hash; expected versions as on a record chain`, async () => {
      const { rows, version } = await appendEvents(t.db, table, { events: [order(1), order(2), order(3)] });
      const parentId = rows[0]!.id;
      const name = given === orders ? "orders" : given === notes ? "notes" : "cited";
      const heads = `${name}_heads`;
      const [head] = await t.query<{ last: string; n: number }>(
        `SELECT last_id::text AS last, event_count::int AS n FROM ${heads} WHERE parent_id = $1`,
        [parentId],
      );
      expect(head).toEqual({ last: version.lastId, n: 3 });
      const next = await appendEvents(t.db, table, { parentId, expected: version, events: [order(4)] });
      await expectRejects(appendEvents(t.db, table, { parentId, expected: version, events: [order(5)] }), {
        instanceOf: SpectorVersionConflictError,
      });
      // appendEvent moves the head too, so a stale version conflicts after it
      const row = await appendEvent(t.db, table, { ...order(6), parentId });
      await expectRejects(appendEvent(t.db, table, { ...order(7), parentId, expected: next.version }), {
        instanceOf: SpectorVersionConflictError,
      });
      expect(await readVersion(t.db, table, parentId)).toEqual({ lastId: row.id, count: 5 });
      // a raw insert moves it as well; an id not after the record's last is refused (40001)
      await t.query(`INSERT INTO ${name} (id, parent_id, schema, action, payload) VALUES (NULL, $1, 0, 2, '{}')`, [
        parentId,
      ]);
      await expectRejects(
        t.query(`INSERT INTO ${name} (id, parent_id, schema, action, payload) VALUES ($2, $1, 0, 2, '{}')`, [
          parentId,
          rows[1]!.id.replace(/.$/, (c) => (c === "f" ? "e" : "f")),
        ]),
        { sqlstate: "40001" },
      );
      const [after] = await t.query<{ n: number; rows: number }>(
        `SELECT event_count::int AS n, (SELECT count(*)::int FROM ${name} WHERE parent_id = $1) AS rows FROM ${heads} WHERE parent_id = $1`,
        [parentId],
      );
      expect(after).toEqual({ n: 6, rows: 6 });
    });
  }

  test('versioned: accepted with hashed: true and with the Citus layout; refused false with hashed: "record"; heads dropped by spectorDownSql', () => {
    expect(spectorTables({ table: "x", versioned: true, hashed: true }).x_heads).toBeDefined();
    expect(() => spectorTables({ table: "x", versioned: false, hashed: "record" })).toThrow(/versioned/);
    expect(spectorTables({ table: "x", versioned: true, layout: "citus" }).x_heads).toBeDefined();
    expect(() => spectorTables({ table: "x", versioned: "yes" as never })).toThrow(/versioned/);
    expect(() => versionHeadTable(plain)).toThrow(/versioned/);
    expect(() => versionHeadTable(events)).toThrow(/chainHeadTable/);
    expect(spectorDownSql({ table: "orders", versioned: true })).toContain(
      'DROP TABLE IF EXISTS "public"."orders_heads"',
    );
    expect(spectorDownSql({ table: "orders", versioned: true })).toContain('"public"."record_heads_orders"()');
  });

  test("in a transaction of the caller's, a conflict leaves the transaction usable, and nothing of it written", async () => {
    const { rows, version } = await appendEvents(t.db, events, { events: [order(1)] });
    const parentId = rows[0]!.id;
    await appendEvents(t.db, events, { parentId, events: [order(2)] });
    const after = await t.db.transaction(async (tx) => {
      await expectRejects(appendEvents(tx, events, { parentId, expected: version, events: [order(3)] }), {
        instanceOf: SpectorVersionConflictError,
      });
      const now = (await readVersion(tx, events, parentId))!;
      return appendEvents(tx, events, { parentId, expected: now, events: [order(4)] });
    });
    expect(after.version.count).toBe(3);
    expect((await listByParent(t.db, events, parentId)).map((row) => (row.payload as { total: number }).total)).toEqual(
      [1, 2, 4],
    );
  });

  test("a record that is not there, at an expected version: SpectorRecordNotFoundError, nothing written", async () => {
    const { rows } = await appendEvents(t.db, events, { events: [order(1), order(2)] });
    const missing = "0193c2a4-5b1e-7c3d-9f00-1a2b3c4d5e6f";
    await expectRejects(
      appendEvents(t.db, events, { parentId: missing, expected: { lastId: missing, count: 1 }, events: [order(1)] }),
      { instanceOf: SpectorRecordNotFoundError },
    );
    // a later event of a record is not its record
    await expectRejects(
      appendEvents(t.db, events, {
        parentId: rows[1]!.id,
        expected: { lastId: rows[1]!.id, count: 2 },
        events: [order(1)],
      }),
      { instanceOf: SpectorRecordNotFoundError, mentions: [rows[0]!.id] },
    );
    expect(await countOf(t, "events", rows[0]!.id)).toBe(2);
    expect(await readVersion(t.db, events, missing)).toBeUndefined();
    await expectRejects(readVersion(t.db, events, rows[1]!.id), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [rows[0]!.id],
    });
  });

  test("bad input is refused before any SQL", async () => {
    const { rows, version } = await appendEvents(t.db, events, { events: [order(1)] });
    const parentId = rows[0]!.id;
    const bad: [unknown, string][] = [
      ["latest", "expected"],
      [3, "expected"],
      [null, "expected"],
      [[version.lastId, 1], "expected"],
      [{ lastId: "not-a-uuid", count: 1 }, "expected.lastId"],
      [{ lastId: version.lastId, count: -1 }, "expected.count"],
      [{ lastId: version.lastId, count: 0 }, "expected.count"],
      [{ lastId: version.lastId, count: 1.5 }, "expected.count"],
      [{ lastId: version.lastId, count: "1" }, "expected.count"],
      [{ lastId: version.lastId }, "expected.count"],
      [{ lastId: version.lastId, count: 1, hash: "x" }, "expected.hash"],
    ];
    for (const [expected, option] of bad) {
      await expectRefusedBeforeSql(
        t,
        (db) => appendEvents(db, events, { parentId, expected: expected as RecordVersion, events: [order(2)] }),
        { option },
        JSON.stringify(expected),
      );
      await expectRefusedBeforeSql(
        t,
        (db) => appendEvent(db, events, { ...order(2), parentId, expected: expected as RecordVersion }),
        { option: option.replace("expected", "event.expected") },
      );
    }
    // a version without a record: the first event starts one, which has no version
    await expectRefusedBeforeSql(t, (db) => appendEvents(db, events, { expected: version, events: [order(2)] }), {
      option: "expected",
      mentions: ["starts a record"],
    });
    // tables without record heads
    await expectRefusedBeforeSql(
      t,
      (db) => appendEvents(db, plain, { parentId, expected: version, events: [order(2)] }),
      { option: "expected", mentions: ['hashed: "record"'] },
    );
    await expectRefusedBeforeSql(
      t,
      (db) => appendEvents(db, ledger, { parentId, expected: version, events: [order(2)] }),
      { option: "expected", mentions: ["versioned: true"] },
    );
    for (const [options, option] of [
      [{ parentId, events: [] }, "events"],
      [{ parentId }, "events"],
      [{ parentId, events: order(1) }, "events"],
      [{ parentId: "x", events: [order(1)] }, "parentId"],
      [{ parentId, events: [{ ...order(1), parentId }] }, "events[0].parentId"],
      [{ parentId, events: [order(1), { ...order(1), schema: "nope" }] }, "events[1].schema"],
      [{ parentId, events: [order(1)], extra: 1 }, "extra"],
      [null, "options"],
    ] as const) {
      await expectRefusedBeforeSql(t, (db) => appendEvents(db, events, options as never), { option });
    }
    expect(await countOf(t, "events", parentId)).toBe(1);
  });

  test("a hashed: true table: one event, or several in a transaction of the caller's", async () => {
    const one = await appendEvents(t.db, ledger, { events: [order(1)] });
    const parentId = one.rows[0]!.id;
    expect(one.version).toEqual({ lastId: parentId, count: 1 });
    await expectRefusedBeforeSql(t, (db) => appendEvents(db, ledger, { parentId, events: [order(2), order(3)] }), {
      option: "db",
    });
    const more = await t.db.transaction((tx) => appendEvents(tx, ledger, { parentId, events: [order(2), order(3)] }));
    expect(more.rows.map((row) => (row.payload as { total: number }).total)).toEqual([2, 3]);
    expect(more.version).toEqual({ lastId: more.rows[1]!.id, count: 3 });
  });
});
