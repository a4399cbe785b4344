/**
 * Expected versions on Spector's chain (`hashed: true` with `versioned: true`), on PGlite and
 * PostgreSQL: the record heads' trigger beside the chain, `appendEvent`/`appendEvents` at an expected
 * version through `chain_append_at_T` (a stale version: `SpectorVersionConflictError`, nothing
 * written), `aggregate`, `decide` and `savepoint` on it, a raw SQL writer following the documented
 * protocol, and the chain itself unchanged: the same events give the same hashes as on a table without
 * record heads, and `verifyChain` passes. Concurrent writers: test/versions-spector-chain-concurrency.test.ts.
 */
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorRecordNotFoundError,
  SpectorVersionConflictError,
  aggregate,
  appendEvent,
  appendEvents,
  decide,
  listByParent,
  materialized,
  readVersion,
  savepoint,
  shardSet,
  spectorActions,
  spectorDownSql,
  spectorTables,
  spectorTriggerSql,
  spectorJson,
  verifyChain,
} from "../src/index.js";
import { compareRules } from "../src/check/rules.js";
import { elixirModule, spectorHashTail } from "../src/spector/chain.js";
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRefusedBeforeSql, expectRejects } from "./support/failures.js";

const declared = {
  hashed: true,
  schemas: { account: 0 },
  actions: spectorActions(["deposit", "withdraw"]),
  schemaModules: { account: "Bank.Account" },
} as const;
const { vledger, vledger_heads } = spectorTables({ table: "vledger", versioned: true, ...declared });
const { ledger } = spectorTables({ table: "ledger", ...declared });
// a shard set of Spector's chains with heads: each shard has its chain, its heads and its chain_append_at
const sharded = spectorTables({ shards: ["vchain_0", "vchain_1"], versioned: true, ...declared });
const chains = shardSet([sharded.vchain_0, sharded.vchain_1]);
const schema = { vledger, vledger_heads, ledger, ...sharded };

type Account = { balance: number };
const initial: Account = { balance: 0 };
const evolve = (state: Account, event: { action: string; payload: unknown }): Account => {
  const amount = (event.payload as { amount?: number } | null)?.amount ?? 0;
  if (event.action === "deposit") return { balance: state.balance + amount };
  if (event.action === "withdraw") return { balance: state.balance - amount };
  return state;
};
const deposit = (amount: number) => ({ schema: "account" as const, action: "deposit" as const, payload: { amount } });
const withdraw = (amount: number) => ({ schema: "account" as const, action: "withdraw" as const, payload: { amount } });

const hex = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("hex") : null);

async function head(t: TestDatabase, parentId: string) {
  const [row] = await t.query<{ last: string; n: number; rows: number; max: string }>(
    `SELECT h.last_id::text AS last, h.event_count::int AS n,
            (SELECT count(*)::int FROM vledger WHERE parent_id = $1) AS rows,
            (SELECT id::text FROM vledger WHERE parent_id = $1 ORDER BY id DESC LIMIT 1) AS max
       FROM vledger_heads AS h WHERE h.parent_id = $1`,
    [parentId],
  );
  return row;
}

describeBackends("expected versions on Spector's chain (hashed: true, versioned: true)", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await createSql(schema)));

  test("the migration installs the heads trigger, lock_record and chain_append_at beside chain_append", async () => {
    const functions = await t.query<{ name: string; definer: boolean }>(
      `SELECT p.proname AS name, p.prosecdef AS definer FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE '%vledger' ORDER BY 1`,
    );
    expect(functions).toEqual([
      { name: "chain_append_at_vledger", definer: false },
      { name: "chain_append_vledger", definer: false },
      { name: "lock_record_vledger", definer: true },
      { name: "next_event_id_vledger", definer: false },
      { name: "record_heads_vledger", definer: true },
    ]);
    const triggers = await t.query<{ name: string }>(
      `SELECT tgname AS name FROM pg_catalog.pg_trigger WHERE tgrelid = 'vledger'::regclass AND NOT tgisinternal`,
    );
    expect(triggers.map((row) => row.name)).toEqual(["record_heads_vledger"]);
    // drizzle-spector check finds the heads' rule and the chain's as the schema wants them
    expect((await compareRules(t.query, schema)).differences).toEqual([]);
    await t.query(
      "DROP FUNCTION public.chain_append_at_vledger(bigint, uuid, uuid, uuid, integer, integer, jsonb, bytea)",
    );
    expect((await compareRules(t.query, schema)).differences.map((d) => d.object)).toEqual([
      "function public.chain_append_at_vledger()",
    ]);
    await t.execMigration(spectorTriggerSql({ vledger }));
    expect((await compareRules(t.query, schema)).differences).toEqual([]);
    const down = spectorDownSql({ table: "vledger", versioned: true, ...declared });
    expect(down).toContain(
      '"public"."chain_append_at_vledger"(bigint, uuid, uuid, uuid, integer, integer, jsonb, bytea)',
    );
    expect(down).toContain('"public"."record_heads_vledger"()');
  });

  test("appendEvent and appendEvents at the expected version write; at a stale one: SpectorVersionConflictError, nothing written; the head counts the rows", async () => {
    const first = await appendEvent(t.db, vledger, deposit(10));
    const parentId = first.id;
    const version = (await readVersion(t.db, vledger, parentId))!;
    expect(version).toEqual({ lastId: parentId, count: 1 });
    const second = await appendEvent(t.db, vledger, { ...deposit(5), parentId, expected: version });
    const stale = await expectRejects(appendEvent(t.db, vledger, { ...withdraw(1), parentId, expected: version }), {
      instanceOf: SpectorVersionConflictError,
    });
    expect((stale as unknown as SpectorVersionConflictError).actual).toEqual({ lastId: second.id, count: 2 });
    await expectRejects(appendEvents(t.db, vledger, { parentId, expected: version, events: [withdraw(1)] }), {
      instanceOf: SpectorVersionConflictError,
    });
    const now = { lastId: second.id, count: 2 };
    const one = await appendEvents(t.db, vledger, { parentId, expected: now, events: [withdraw(3)] });
    expect(one.version).toEqual({ lastId: one.rows[0]!.id, count: 3 });
    // several events: in a transaction of the caller's, the first at the version, all under the chain's lock
    const many = await t.db.transaction((tx) =>
      appendEvents(tx, vledger, { parentId, expected: one.version, events: [deposit(1), deposit(2)] }),
    );
    expect(many.version).toEqual({ lastId: many.rows[1]!.id, count: 5 });
    await expectRejects(
      t.db.transaction((tx) =>
        appendEvents(tx, vledger, { parentId, expected: one.version, events: [deposit(7), deposit(8)] }),
      ),
      { instanceOf: SpectorVersionConflictError },
    );
    // appendEvent without a version moves the head as well, so that a stale version conflicts after it
    const plain = await appendEvent(t.db, vledger, { ...deposit(4), parentId });
    await expectRejects(appendEvent(t.db, vledger, { ...deposit(9), parentId, expected: many.version }), {
      instanceOf: SpectorVersionConflictError,
    });
    expect(await head(t, parentId)).toEqual({ last: plain.id, n: 6, rows: 6, max: plain.id });
    const amounts = (await listByParent(t.db, vledger, parentId)).map(
      (row) => (row.payload as { amount: number }).amount,
    );
    expect(amounts).toEqual([10, 5, 3, 1, 2, 4]);
    expect(await verifyChain(t.db, vledger)).toEqual({ ok: true, count: 6 });
  });

  test("the chain is Spector's as before: the same events give the same hashes as on a table without record heads", async () => {
    await t.query("TRUNCATE vledger, vledger_heads, ledger");
    for (const table of [vledger, ledger] as const) {
      const first = await appendEvent(t.db, table as typeof vledger, deposit(1));
      let version = { lastId: first.id, count: 1 };
      for (const event of [withdraw(2), deposit(3), { ...deposit(4), payload: { amount: 4, note: "é" } }]) {
        const row =
          table === vledger
            ? await appendEvent(t.db, vledger, { ...event, parentId: first.id, expected: version })
            : await appendEvent(t.db, ledger, { ...event, parentId: first.id });
        version = { lastId: row.id, count: version.count + 1 };
      }
    }
    const hashes = async (name: string) =>
      (await t.query<{ hash: Uint8Array }>(`SELECT hash FROM ${name} ORDER BY inserted_at, id`)).map((row) =>
        hex(row.hash),
      );
    const [versioned, unversioned] = [await hashes("vledger"), await hashes("ledger")];
    expect(versioned).toHaveLength(4);
    expect(versioned).toEqual(unversioned);
    expect(await verifyChain(t.db, vledger)).toEqual({ ok: true, count: 4 });
  });

  test("a raw SQL writer: chain_append_at_T appends at the version and returns no row at another; the chain verifies", async () => {
    await t.query("TRUNCATE vledger, vledger_heads");
    const first = await appendEvent(t.db, vledger, deposit(10));
    const [{ action }] = (await t.query<{ action: number }>(`SELECT action FROM vledger WHERE id = $1`, [
      first.id,
    ])) as [{ action: number }];
    // what Spector hashes after the previous hash, as a writer computes it
    const payload = '{"amount": 1}';
    const tail = spectorHashTail(elixirModule("Bank.Account")!, "deposit", spectorJson(payload)).toString("hex");
    const call = `SELECT id::text FROM public.chain_append_at_vledger($1, $2, NULL, $3, 0, $4, $5::jsonb, decode($6, 'hex'))`;
    const won = await t.query<{ id: string }>(call, [1, first.id, first.id, action, payload, tail]);
    expect(won).toHaveLength(1);
    expect(await t.query(call, [1, first.id, first.id, action, payload, tail])).toEqual([]);
    expect(await readVersion(t.db, vledger, first.id)).toEqual({ lastId: won[0]!.id, count: 2 });
    // a record that is not there: no row either
    expect(await t.query(call, [1, won[0]!.id, won[0]!.id, action, payload, tail])).toEqual([]);
    expect(await verifyChain(t.db, vledger)).toEqual({ ok: true, count: 2 });
  });

  test("aggregate, decide and savepoint on it: decide withdraws only what the balance allows", async () => {
    const { rows } = await appendEvents(t.db, vledger, { events: [deposit(30)] });
    const id = rows[0]!.id;
    const withdrawn = [];
    for (let i = 0; i < 4; i++) {
      const result = await decide(t.db, vledger, id, { initial, evolve }, (state) =>
        state.balance >= 10 ? [withdraw(10)] : [],
      );
      withdrawn.push(result.rows.length);
    }
    expect(withdrawn).toEqual([1, 1, 1, 0]);
    const read = await aggregate(t.db, vledger, id, { initial, evolve });
    expect(read).toEqual({ state: { balance: 0 }, version: (await readVersion(t.db, vledger, id))! });
    const saved = await savepoint(t.db, vledger, id, { state: read.state, expected: read.version });
    await expectRejects(savepoint(t.db, vledger, id, { state: read.state, expected: read.version }), {
      instanceOf: SpectorVersionConflictError,
    });
    const fromSavepoint = await aggregate(t.db, vledger, id, {
      initial,
      evolve,
      fromSavepoint: (payload) => payload as Account,
    });
    expect(fromSavepoint).toEqual({ state: { balance: 0 }, version: { lastId: saved.id, count: 5 } });
    // several events from decide: in a transaction of decide's own
    const two = await decide(
      t.db,
      vledger,
      id,
      { initial, evolve, transaction: { isolationLevel: "read committed" } },
      () => [deposit(1), deposit(2)],
    );
    expect(two.state).toEqual({ balance: 3 });
    expect(await verifyChain(t.db, vledger)).toMatchObject({ ok: true });
  });

  test("a shard set: each record at its version in its shard; a stale version conflicts; each shard's chain verifies", async () => {
    const records = [];
    for (let i = 0; i < 4; i++) records.push(await appendEvents(t.db, chains, { events: [deposit(i)] }));
    for (const { rows, version } of records) {
      const parentId = rows[0]!.id;
      const next = await appendEvents(t.db, chains, { parentId, expected: version, events: [deposit(10)] });
      expect(next.version.count).toBe(2);
      await expectRejects(appendEvent(t.db, chains, { ...deposit(11), parentId, expected: version }), {
        instanceOf: SpectorVersionConflictError,
      });
      expect(await readVersion(t.db, chains, parentId)).toEqual(next.version);
    }
    const shards = await t.query<{ n: number }>(
      `SELECT (SELECT count(*)::int FROM vchain_0) AS n UNION ALL SELECT (SELECT count(*)::int FROM vchain_1)`,
    );
    expect(shards.reduce((sum, row) => sum + row.n, 0)).toBe(8);
    expect(await verifyChain(t.db, chains)).toEqual({ ok: true, count: 8 });
  });

  test("refused before any SQL: a version without parentId, a version on a chain without heads, materialize", async () => {
    const first = await appendEvent(t.db, vledger, deposit(1));
    const version = { lastId: first.id, count: 1 };
    await expectRefusedBeforeSql(t, (db) => appendEvents(db, vledger, { expected: version, events: [deposit(2)] }), {
      option: "expected",
      mentions: ["starts a record"],
    });
    await expectRefusedBeforeSql(
      t,
      (db) => appendEvents(db, ledger, { parentId: first.id, expected: version, events: [deposit(2)] }),
      { option: "expected", mentions: ["versioned: true"] },
    );
    await expectRefusedBeforeSql(
      t,
      (db) => appendEvent(db, ledger, { ...deposit(2), parentId: first.id, expected: version }),
      { option: "event.expected", mentions: ["versioned: true"] },
    );
    const state = pgTable("account_state", { id: uuid("id").primaryKey(), balance: integer("balance") });
    expect(() =>
      materialized(state, {
        events: vledger,
        schema: "account",
        evolve: (row) => row,
      }),
    ).toThrow(SpectorOptionError);
    const missing = "0193c2a4-5b1e-7c3d-9f00-1a2b3c4d5e6f";
    await expectRejects(
      appendEvent(t.db, vledger, { ...deposit(1), parentId: missing, expected: { lastId: missing, count: 1 } }),
      { instanceOf: SpectorRecordNotFoundError },
    );
    expect(await readVersion(t.db, vledger, first.id)).toEqual(version);
  });
});
