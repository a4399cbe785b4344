/**
 * State from events, on PGlite and (with DATABASE_URL) PostgreSQL: `aggregate` against a fold over
 * `listByParent` on random records of every table kind, time travel with `at`, savepoints (which change
 * nothing but where the replay starts), `verifySavepoints`, the record's version, and bad input.
 */
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorRecordNotFoundError,
  SpectorVersionConflictError,
  aggregate,
  appendEvent,
  appendEvents,
  listByParent,
  newEventId,
  payloadType,
  readVersion,
  savepoint,
  shardSet,
  spectorTables,
  verifySavepoints,
  type EventRow,
} from "../src/index.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRefusedBeforeSql, expectRejects } from "./support/failures.js";

type Account = { owner: string; amount: number; note?: string };

const plain = spectorTables({
  table: "accounts",
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payloads: payloadType<{ account: Account }>(),
});
const indexed = spectorTables({
  table: "accounts_indexed",
  recordIndex: true,
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payloads: payloadType<{ account: Account }>(),
});
const chained = spectorTables({
  table: "accounts_chained",
  hashed: "record",
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payloads: payloadType<{ account: Account }>(),
});
const versioned = spectorTables({
  table: "accounts_versioned",
  versioned: true,
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payloads: payloadType<{ account: Account }>(),
});
const sharded = spectorTables({
  shards: ["accounts_0", "accounts_1", "accounts_2"],
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payloads: payloadType<{ account: Account }>(),
});
const shards = shardSet([sharded.accounts_0, sharded.accounts_1, sharded.accounts_2]);
const untyped = spectorTables({ table: "numbers" });

type Table = typeof plain.accounts;
interface State {
  readonly owner: string;
  readonly balance: number;
  readonly moves: number;
  readonly notes: readonly string[];
  readonly closed: boolean;
}
const initial: State = { owner: "", balance: 0, moves: 0, notes: [], closed: false };

function evolve(state: State, event: EventRow<Table>): State {
  const p = event.payload;
  const notes = p?.note === undefined ? state.notes : [...state.notes, p.note];
  switch (event.action) {
    case "insert":
      return { ...state, owner: p!.owner, balance: p!.amount, notes };
    case "deposit":
      return { ...state, balance: state.balance + p!.amount, moves: state.moves + 1, notes };
    case "withdraw":
      return { ...state, balance: state.balance - p!.amount, moves: state.moves + 1, notes };
    case "update":
      return { ...state, owner: p!.owner, notes };
    case "delete":
      return { ...state, closed: true };
    default:
      throw new Error(`evolve was given ${event.action}`);
  }
}
const fromSavepoint = (payload: unknown) => payload as State;

/** A small deterministic generator (mulberry32), so that a failing record can be made again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Appends a random record: an insert, then `length - 1` deposits, withdrawals, updates and savepoints. */
async function randomRecord(db: TestDatabase["db"], table: Table, seed: number, length: number) {
  const next = random(seed);
  const first = await appendEvent(db, table, {
    schema: "account",
    action: "insert",
    payload: { owner: `owner ${seed}`, amount: Math.floor(next() * 100) },
  });
  for (let i = 1; i < length; i++) {
    const roll = next();
    const amount = Math.floor(next() * 50);
    const note = next() < 0.3 ? `note ${i}` : undefined;
    const payload = { owner: `owner ${seed}.${i}`, amount, ...(note === undefined ? {} : { note }) };
    if (roll < 0.15) {
      const { state } = await aggregate(db, table, first.id, { initial, evolve });
      await savepoint(db, table, first.id, { state });
    } else {
      const action = roll < 0.5 ? "deposit" : roll < 0.8 ? "withdraw" : roll < 0.95 ? "update" : "delete";
      await appendEvent(db, table, { schema: "account", action, payload, parentId: first.id });
    }
  }
  return first;
}

/** The state a plain fold over `listByParent` gives, savepoints left out (what `aggregate` must equal). */
function foldRows(rows: readonly EventRow<Table>[]): State {
  return rows.filter((row) => row.action !== "savepoint").reduce(evolve, initial);
}

async function count(t: TestDatabase, table: string): Promise<number> {
  const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}

describeBackends("state from events", (backend) => {
  const t = useDatabase(backend, async (t) =>
    t.execMigration(await createSql({ ...plain, ...indexed, ...chained, ...versioned, ...sharded, ...untyped })),
  );
  const kinds: [string, () => Table][] = [
    ["a plain table", () => plain.accounts],
    ["a table with recordIndex", () => indexed.accounts_indexed as unknown as Table],
    ['a record-chained table (hashed: "record")', () => chained.accounts_chained as unknown as Table],
    ["a versioned table", () => versioned.accounts_versioned as unknown as Table],
    ["a shard set", () => shards as unknown as Table],
  ];

  for (const [kind, table] of kinds) {
    test(`on ${kind}: aggregate equals a fold over listByParent on random records; at equals a fold of each prefix`, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        const first = await randomRecord(t.db, table(), seed * 7 + kind.length, 5 + seed * 4);
        const rows = await listByParent(t.db, table(), first.id);
        const { state, version } = await aggregate(t.db, table(), first.id, { initial, evolve });
        expect(state).toEqual(foldRows(rows));
        expect(version).toEqual({ lastId: rows.at(-1)!.id, count: rows.length });
        // with the savepoints: the same state, the same version of the whole record
        const from = await aggregate(t.db, table(), first.id, { initial, evolve, fromSavepoint });
        expect(from).toEqual({ state, version });
        expect(await verifySavepoints(t.db, table(), first.id, { initial, evolve, fromSavepoint })).toEqual({
          ok: true,
        });
        for (let i = 0; i < rows.length; i++) {
          const prefix = foldRows(rows.slice(0, i + 1));
          const as = { initial, evolve, at: rows[i]!.id };
          expect((await aggregate(t.db, table(), first.id, as)).state).toEqual(prefix);
          expect(await aggregate(t.db, table(), first.id, { ...as, fromSavepoint })).toEqual({
            state: prefix,
            version,
          });
        }
      }
    });
  }

  test("a replay from a savepoint reads only the events from it on, in one statement, and counts them all", async () => {
    const first = await randomRecord(t.db, plain.accounts, 99, 1);
    for (let i = 0; i < 30; i++) {
      await appendEvent(t.db, plain.accounts, {
        schema: "account",
        action: "deposit",
        payload: { owner: "x", amount: 1 },
        parentId: first.id,
      });
    }
    // a savepoint that says something no replay gives: a replay from it must show it
    const marked: State = { owner: "from the savepoint", balance: 1000, moves: 0, notes: [], closed: false };
    await savepoint(t.db, plain.accounts, first.id, { state: marked });
    for (let i = 0; i < 3; i++) {
      await appendEvent(t.db, plain.accounts, {
        schema: "account",
        action: "withdraw",
        payload: { owner: "x", amount: 1 },
        parentId: first.id,
      });
    }
    const sent: string[] = [];
    const got = await aggregate(t.logged(sent), plain.accounts, first.id, { initial, evolve, fromSavepoint });
    expect(sent).toHaveLength(1);
    expect(got.state).toEqual({ ...marked, balance: 997, moves: 3 });
    expect(got.version.count).toBe(1 + 30 + 1 + 3);
    const full = await aggregate(t.db, plain.accounts, first.id, { initial, evolve });
    expect(full.state.balance).toBe(first.payload!.amount + 30 - 3);
    // and the check finds the savepoint that disagrees with the replay
    const check = await verifySavepoints(t.db, plain.accounts, first.id, { initial, evolve, fromSavepoint });
    expect(check).toMatchObject({ ok: false, at: "savepoint", actual: marked });
  });

  for (const [kind, table] of kinds) {
    test(`on ${kind}: a savepoint 100 events back, then one 5 back, are replayed from; the version is the whole record's`, async () => {
      const deposit = { schema: "account", action: "deposit", payload: { owner: "x", amount: 1 } } as const;
      const withdraw = { schema: "account", action: "withdraw", payload: { owner: "x", amount: 1 } } as const;
      const first = await appendEvent(t.db, table(), {
        schema: "account",
        action: "insert",
        payload: { owner: "o", amount: 0 },
      });
      await appendEvents(t.db, table(), { parentId: first.id, events: Array.from({ length: 40 }, () => deposit) });
      // states no replay gives: a replay from a savepoint shows which one it started at
      const far: State = { owner: "far", balance: 1000, moves: 0, notes: [], closed: false };
      const near: State = { owner: "near", balance: 5000, moves: 0, notes: [], closed: false };
      const farRow = await savepoint(t.db, table(), first.id, { state: far });
      await appendEvents(t.db, table(), { parentId: first.id, events: Array.from({ length: 100 }, () => withdraw) });
      const rows = await listByParent(t.db, table(), first.id);
      const whole = { lastId: rows.at(-1)!.id, count: rows.length };
      expect(await readVersion(t.db, table(), first.id)).toEqual(whole);
      const fold = { initial, evolve, fromSavepoint };
      // the savepoint is older than the record's last events: found all the same
      expect(await aggregate(t.db, table(), first.id, fold)).toEqual({
        state: { ...far, balance: 900, moves: 100 },
        version: whole,
      });
      // time travel from it, and before it
      const atFive = rows[rows.indexOf(rows.find((row) => row.id === farRow.id)!) + 5]!.id;
      expect(await aggregate(t.db, table(), first.id, { ...fold, at: atFive })).toEqual({
        state: { ...far, balance: 995, moves: 5 },
        version: whole,
      });
      expect(await aggregate(t.db, table(), first.id, { ...fold, at: rows[10]!.id })).toEqual({
        state: foldRows(rows.slice(0, 11)),
        version: whole,
      });
      // a newer savepoint among the last events wins; at before it, the older one
      await savepoint(t.db, table(), first.id, { state: near });
      await appendEvents(t.db, table(), { parentId: first.id, events: Array.from({ length: 5 }, () => deposit) });
      const after = await listByParent(t.db, table(), first.id);
      const now = { lastId: after.at(-1)!.id, count: after.length };
      expect(now.count).toBe(1 + 40 + 1 + 100 + 1 + 5);
      expect(await aggregate(t.db, table(), first.id, fold)).toEqual({
        state: { ...near, balance: 5005, moves: 5 },
        version: now,
      });
      expect(await aggregate(t.db, table(), first.id, { ...fold, at: atFive })).toEqual({
        state: { ...far, balance: 995, moves: 5 },
        version: now,
      });
      expect(await aggregate(t.db, table(), first.id, { initial, evolve })).toEqual({
        state: foldRows(after),
        version: now,
      });
    });
  }

  test("on a table with record heads, a record whose head row is missing still gets its whole version", async () => {
    const table = versioned.accounts_versioned as unknown as Table;
    const first = await randomRecord(t.db, table, 5, 30);
    const rows = await listByParent(t.db, table, first.id);
    const whole = { lastId: rows.at(-1)!.id, count: rows.length };
    const before = await aggregate(t.db, table, first.id, { initial, evolve, fromSavepoint });
    expect(before.version).toEqual(whole);
    // the heads trigger keeps the row; removed here by hand, the record is counted instead
    await t.query(`DELETE FROM accounts_versioned_heads WHERE parent_id = $1`, [first.id]);
    expect(await t.query(`SELECT 1 FROM accounts_versioned_heads WHERE parent_id = $1`, [first.id])).toEqual([]);
    expect(await aggregate(t.db, table, first.id, { initial, evolve, fromSavepoint })).toEqual(before);
    expect(await aggregate(t.db, table, first.id, { initial, evolve })).toEqual(before);
  });

  test("a 1,000-event record is replayed from one statement", async () => {
    const first = await appendEvent(t.db, indexed.accounts_indexed, {
      schema: "account",
      action: "insert",
      payload: { owner: "big", amount: 0 },
    });
    const values = Array.from(
      { length: 999 },
      (_, i) => `('${newEventId()}', '${first.id}', '{"owner":"big","amount":${i}}', 0, 10)`,
    );
    await t.query(`INSERT INTO accounts_indexed (id, parent_id, payload, schema, action) VALUES ${values.join(", ")}`);
    const sent: string[] = [];
    const { state, version } = await aggregate(t.logged(sent), indexed.accounts_indexed, first.id, {
      initial,
      evolve: evolve as never,
    });
    expect(sent).toHaveLength(1);
    expect(version.count).toBe(1000);
    expect(state.balance).toBe((999 * 998) / 2);
    expect(state.moves).toBe(999);
  });

  test("verifySavepoints finds a savepoint that drops a field, and names it", async () => {
    const first = await randomRecord(t.db, plain.accounts, 5, 1);
    await appendEvent(t.db, plain.accounts, {
      schema: "account",
      action: "deposit",
      payload: { owner: "x", amount: 5, note: "kept" },
      parentId: first.id,
    });
    const good = await aggregate(t.db, plain.accounts, first.id, { initial, evolve });
    await savepoint(t.db, plain.accounts, first.id, { state: good.state });
    await appendEvent(t.db, plain.accounts, {
      schema: "account",
      action: "deposit",
      payload: { owner: "x", amount: 2 },
      parentId: first.id,
    });
    const { notes: _dropped, ...withoutNotes } = (await aggregate(t.db, plain.accounts, first.id, { initial, evolve }))
      .state;
    const bad = await savepoint(t.db, plain.accounts, first.id, { state: withoutNotes as never });
    const check = await verifySavepoints(t.db, plain.accounts, first.id, { initial, evolve, fromSavepoint });
    expect(check).toEqual({
      ok: false,
      savepointId: bad.id,
      at: "savepoint",
      expected: { ...withoutNotes, notes: ["kept"] },
      actual: withoutNotes,
    });
    // a fromSavepoint that puts the field back passes
    const lenient = await verifySavepoints(t.db, plain.accounts, first.id, {
      initial,
      evolve,
      fromSavepoint: (payload) => {
        const state = payload as Partial<State>;
        return { ...(state as State), notes: state.notes ?? ["kept"] };
      },
    });
    expect(lenient).toEqual({ ok: true });
  });

  test("a savepoint is Spector's action 4, with the record's schema, on a table without maps too", async () => {
    const first = await appendEvent(t.db, untyped.numbers, { schema: 7, action: 1, payload: { n: 1 } });
    await appendEvent(t.db, untyped.numbers, { schema: 7, action: 2, payload: { n: 2 }, parentId: first.id });
    const sum = (state: number, event: { payload: unknown }) => state + (event.payload as { n: number }).n;
    const row = await savepoint(t.db, untyped.numbers, first.id, { state: 3 });
    expect(row).toMatchObject({ schema: 7, action: 4, payload: 3, parentId: first.id });
    await appendEvent(t.db, untyped.numbers, { schema: 7, action: 2, payload: { n: 4 }, parentId: first.id });
    const read = await aggregate(t.db, untyped.numbers, first.id, { initial: 0, evolve: sum, fromSavepoint: Number });
    expect(read.state).toBe(7);
    expect(read.version.count).toBe(4);
  });

  test("a savepoint at an expected version: written at the version read, refused at a stale one", async () => {
    const table = chained.accounts_chained as unknown as Table;
    const first = await randomRecord(t.db, table, 21, 4);
    const read = await aggregate(t.db, table, first.id, { initial, evolve });
    const row = await savepoint(t.db, table, first.id, { state: read.state, expected: read.version });
    expect(row).toMatchObject({ action: "savepoint", payload: read.state });
    const before = await count(t, "accounts_chained");
    await expectRejects(savepoint(t.db, table, first.id, { state: read.state, expected: read.version }), {
      instanceOf: SpectorVersionConflictError,
      mentions: [first.id, "nothing was written"],
    });
    expect(await count(t, "accounts_chained")).toBe(before);
    // a table without record heads cannot compare a version: refused before anything is sent
    const other = await randomRecord(t.db, plain.accounts, 22, 2);
    const version = (await aggregate(t.db, plain.accounts, other.id, { initial, evolve })).version;
    await expectRefusedBeforeSql(
      t,
      (db) => savepoint(db, plain.accounts, other.id, { state: initial, expected: version }),
      {
        option: "expected",
        mentions: ["record heads"],
      },
    );
  });

  test("an evolve that throws: its error, and nothing written", async () => {
    const first = await randomRecord(t.db, plain.accounts, 11, 3);
    const before = await count(t, "accounts");
    const boom = new Error("evolve refused");
    await expect(
      aggregate(t.db, plain.accounts, first.id, {
        initial,
        evolve: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(await count(t, "accounts")).toBe(before);
  });

  test("bad input: an unknown at, a missing record, a savepoint on one, bad options", async () => {
    const first = await randomRecord(t.db, plain.accounts, 12, 3);
    const other = await randomRecord(t.db, plain.accounts, 13, 2);
    const later = (await listByParent(t.db, plain.accounts, first.id))[1]!;
    const fold = { initial, evolve };
    for (const at of [other.id, newEventId(), "00000000-0000-7000-8000-000000000000"]) {
      await expectRejects(aggregate(t.db, plain.accounts, first.id, { ...fold, at }), {
        option: "at",
        instanceOf: SpectorOptionError,
        mentions: [at, first.id],
      });
    }
    await expectRefusedBeforeSql(t, (db) => aggregate(db, plain.accounts, first.id, { ...fold, at: "nope" }), {
      option: "at",
    });
    await expectRefusedBeforeSql(t, (db) => aggregate(db, plain.accounts, "nope", fold), { option: "parentId" });
    await expectRefusedBeforeSql(t, (db) => aggregate(db, plain.accounts, first.id, { initial } as never), {
      option: "evolve",
    });
    await expectRefusedBeforeSql(
      t,
      (db) => aggregate(db, plain.accounts, first.id, { ...fold, fromSavepoint: 1 } as never),
      { option: "fromSavepoint" },
    );
    await expectRefusedBeforeSql(t, (db) => aggregate(db, plain.accounts, first.id, { ...fold, at2: 1 } as never), {
      option: "at2",
    });
    const missing = newEventId();
    await expectRejects(aggregate(t.db, plain.accounts, missing, fold), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [missing],
    });
    await expectRejects(aggregate(t.db, plain.accounts, later.id, fold), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [later.id, first.id],
    });
    const before = await count(t, "accounts");
    await expectRejects(savepoint(t.db, plain.accounts, missing, { state: initial }), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [missing, "nothing was written"],
    });
    await expectRejects(savepoint(t.db, plain.accounts, later.id, { state: initial }), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [first.id],
    });
    await expectRefusedBeforeSql(t, (db) => savepoint(db, plain.accounts, first.id, { state: undefined } as never), {
      option: "state",
    });
    await expectRefusedBeforeSql(
      t,
      (db) => savepoint(db, plain.accounts, first.id, { state: { at: new Date() } } as never),
      { option: "state.at" },
    );
    await expectRefusedBeforeSql(
      t,
      (db) => savepoint(db, plain.accounts, first.id, { state: initial, expected: { lastId: first.id } } as never),
      { option: "expected.count" },
    );
    await expectRefusedBeforeSql(
      t,
      (db) => verifySavepoints(db, plain.accounts, first.id, { initial, evolve } as never),
      { option: "fromSavepoint" },
    );
    expect(await count(t, "accounts")).toBe(before);
  });
});
