/**
 * `decide`, on PGlite and (with DATABASE_URL) PostgreSQL: an account with a balance rule withdrawn from
 * 16 times in a row never overdraws; a conflict (another writer appending between the read and the
 * append) is retried on the new state, up to `maxAttempts`; a decision of `[]` writes nothing; a
 * decider or `evolve` that throws writes nothing; bad input is refused before anything is written.
 * The same 16 withdrawals run concurrently on PostgreSQL in test/state-decide-concurrency.test.ts.
 */
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorVersionConflictError,
  aggregate,
  appendEvent,
  decide,
  listByParent,
  payloadType,
  readVersion,
  spectorTables,
  type ByAction,
} from "../src/index.js";
import { bank, evolve, initial, openAccount, withdrawal, type Bank } from "./support/bank.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";

const chainedBank = spectorTables({
  table: "bank_chained",
  hashed: "record",
  schemas: { account: 0 },
  actions: { deposit: 10, withdraw: 11 },
  payloads: payloadType<{
    account: ByAction<{ insert: { owner: string }; deposit: { amount: number }; withdraw: { amount: number } }>;
  }>(),
});
const unversioned = spectorTables({ table: "plain_bank", schemas: { account: 0 }, actions: {} });

async function count(t: TestDatabase, table: string): Promise<number> {
  const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}

describeBackends("decide", (backend) => {
  const t = useDatabase(backend, async (t) =>
    t.execMigration(await createSql({ ...bank, ...chainedBank, ...unversioned })),
  );
  const tables: [string, () => Bank][] = [
    ["versioned: true", () => bank.bank],
    ['hashed: "record"', () => chainedBank.bank_chained as unknown as Bank],
  ];

  for (const [kind, table] of tables) {
    test(`on ${kind}: 16 withdrawals in a row never overdraw, and each one decided is in the log`, async () => {
      const id = await openAccount(t.db, table(), 100);
      const results = [];
      for (let i = 0; i < 16; i++) results.push(await decide(t.db, table(), id, { initial, evolve }, withdrawal(10)));
      const done = results.filter((r) => r.rows.length > 0);
      expect(done).toHaveLength(10);
      expect(results.slice(10).every((r) => r.rows.length === 0 && r.state.balance === 0)).toBe(true);
      expect(results.map((r) => r.state.balance).slice(0, 10)).toEqual([90, 80, 70, 60, 50, 40, 30, 20, 10, 0]);
      const log = await listByParent(t.db, table(), id);
      const withdrawn = log.filter((e) => e.action === "withdraw");
      expect(withdrawn.map((e) => e.id)).toEqual(done.map((r) => r.rows[0]!.id));
      expect((await aggregate(t.db, table(), id, { initial, evolve })).state.balance).toBe(0);
      expect(results.at(-1)!.version).toEqual({ lastId: log.at(-1)!.id, count: log.length });
    });
  }

  test("a conflict is retried on the new state: another writer appends between the read and the append", async () => {
    const id = await openAccount(t.db, bank.bank, 25);
    const seen: number[] = [];
    const result = await decide(t.db, bank.bank, id, { initial, evolve }, async (account) => {
      seen.push(account.balance);
      if (seen.length === 1) {
        // a concurrent withdrawal lands after this read
        await appendEvent(t.db, bank.bank, {
          schema: "account",
          action: "withdraw",
          payload: { amount: 20 },
          parentId: id,
        });
      }
      return withdrawal(10)(account);
    });
    expect(seen).toEqual([25, 5]);
    expect(result).toMatchObject({ rows: [], attempts: 2, state: { balance: 5 } });
    const again = await decide(t.db, bank.bank, id, { initial, evolve }, withdrawal(5));
    expect(again).toMatchObject({ attempts: 1, state: { balance: 0 } });
    expect(again.rows).toHaveLength(1);
  });

  test("after maxAttempts conflicts the conflict is thrown, with nothing of decide's written", async () => {
    const id = await openAccount(t.db, bank.bank, 1000);
    let calls = 0;
    const before = await count(t, "bank");
    const error = await expectRejects(
      decide(t.db, bank.bank, id, { initial, evolve, maxAttempts: 3 }, async () => {
        calls++;
        await appendEvent(t.db, bank.bank, {
          schema: "account",
          action: "deposit",
          payload: { amount: 1 },
          parentId: id,
        });
        return [{ schema: "account", action: "withdraw", payload: { amount: 1 } } as const];
      }),
      { instanceOf: SpectorVersionConflictError, mentions: [id, "nothing was written"] },
    );
    expect(calls).toBe(3);
    expect(await count(t, "bank")).toBe(before + 3); // the interfering deposits only
    expect((await listByParent(t.db, bank.bank, id)).filter((e) => e.action === "withdraw")).toEqual([]);
    expect((error as SpectorVersionConflictError).parentId).toBe(id);
    // the last attempt's conflict says the version found (the earlier ones were retried without reading it)
    expect((error as SpectorVersionConflictError).actual).toEqual(await readVersion(t.db, bank.bank, id));
  });

  test("a decision of [] writes nothing; a decider or evolve that throws: its error, nothing written", async () => {
    const id = await openAccount(t.db, bank.bank, 5);
    const before = await count(t, "bank");
    const none = await decide(t.db, bank.bank, id, { initial, evolve }, () => []);
    const log = await listByParent(t.db, bank.bank, id);
    expect(none).toEqual({
      rows: [],
      state: { balance: 5 },
      version: { lastId: log.at(-1)!.id, count: 2 },
      attempts: 1,
    });
    const boom = new Error("no");
    await expect(
      decide(t.db, bank.bank, id, { initial, evolve }, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const bad = new Error("evolve");
    await expect(
      decide(
        t.db,
        bank.bank,
        id,
        {
          initial,
          evolve: () => {
            throw bad;
          },
        },
        withdrawal(1),
      ),
    ).rejects.toBe(bad);
    await expectRejects(decide(t.db, bank.bank, id, { initial, evolve }, (() => "x") as never), {
      option: "decider",
    });
    // a bad event from the decider: refused by appendEvents before any SQL, nothing written
    await expectRejects(
      decide(
        t.db,
        bank.bank,
        id,
        { initial, evolve },
        () => [{ schema: "account", action: "fly", payload: {} }] as never,
      ),
      { option: "events[0].action" },
    );
    expect(await count(t, "bank")).toBe(before);
  });

  test("with transaction: each attempt in a transaction of its own, retried on a conflict", async () => {
    const id = await openAccount(t.db, bank.bank, 30);
    let calls = 0;
    const result = await decide(
      t.db,
      bank.bank,
      id,
      { initial, evolve, transaction: { isolationLevel: "read committed" } },
      async (account) => {
        if (++calls === 1) {
          // outside decide's transaction (PGlite has one connection: the write waits; so only on PostgreSQL)
          if (backend !== "pglite") {
            await appendEvent(t.db, bank.bank, {
              schema: "account",
              action: "withdraw",
              payload: { amount: 25 },
              parentId: id,
            });
          }
        }
        return withdrawal(10)(account);
      },
    );
    expect(result.attempts).toBe(backend === "pglite" ? 1 : 2);
    expect(result.state.balance).toBe(backend === "pglite" ? 20 : 5);
  });

  test("bad input is refused before anything is sent", async () => {
    const id = await openAccount(t.db, bank.bank, 5);
    const sent: string[] = [];
    const db = t.logged(sent);
    await expectRejects(
      decide(db, unversioned.plain_bank, id, { initial, evolve } as never, () => []),
      {
        option: "table",
        mentions: ["versioned: true"],
      },
    );
    for (const maxAttempts of [0, 1.5, -1, "3"]) {
      await expectRejects(
        decide(db, bank.bank, id, { initial, evolve, maxAttempts: maxAttempts as never }, () => []),
        { option: "maxAttempts" },
      );
    }
    await expectRejects(decide(db, bank.bank, id, { initial, evolve }, "x" as never), { option: "decider" });
    await expectRejects(
      decide(db, bank.bank, id, { initial } as never, () => []),
      { option: "evolve" },
    );
    await expectRejects(
      decide(db, bank.bank, id, { initial, evolve, at: id } as never, () => []),
      { option: "at" },
    );
    await expectRejects(
      decide(db, bank.bank, "x", { initial, evolve }, () => []),
      { option: "parentId" },
    );
    expect(sent).toEqual([]);
    expect(SpectorOptionError).toBeDefined();
  });
});
