/**
 * No lost update (PostgreSQL only: PGlite has one connection, and test/state-decide.test.ts runs the
 * same withdrawals in a row there): 16 concurrent `decide` calls, each on its own connection, withdraw
 * 10 from an account holding 100 under a balance rule, at READ COMMITTED, REPEATABLE READ and
 * SERIALIZABLE, both as the session's level (each statement its own transaction) and with `decide`'s
 * `transaction` option (each attempt a transaction at that level), and inside a READ COMMITTED
 * transaction of the caller's. Every writer first reads the same version (a barrier in the decider),
 * so that conflicts happen. Afterwards: the balance never went below zero at any event of the log,
 * exactly 10 withdrawals were made, the log holds exactly the rows the calls returned (nothing lost,
 * nothing twice), some calls were retried, and the record's head counts its rows.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { expect, test } from "vitest";
import { decide, listByParent, readVersion } from "../src/index.js";
import { describePostgres, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { bank, evolve, initial, openAccount, withdrawal } from "./support/bank.js";
import { barrier } from "./support/race.js";

const WRITERS = 16;
const LEVELS = ["read committed", "repeatable read", "serializable"] as const;
type Level = (typeof LEVELS)[number];
type Mode = { readonly kind: "session" | "own transaction" | "caller's transaction"; readonly level: Level };

const MODES: Mode[] = [
  ...LEVELS.map((level) => ({ kind: "session" as const, level })),
  ...LEVELS.map((level) => ({ kind: "own transaction" as const, level })),
  { kind: "caller's transaction", level: "read committed" },
];

describePostgres("decide under concurrent writers", () => {
  const t = useDatabase("postgres", async (t) => t.execMigration(await createSql(bank)));

  for (const mode of MODES) {
    test(`${mode.kind} at ${mode.level.toUpperCase()}: ${WRITERS} concurrent withdrawals of 10 from 100 never overdraw, every one decided is in the log, conflicts retried`, async () => {
      const id = await openAccount(t.db, bank.bank, 100);
      const clients = Array.from({ length: WRITERS }, () =>
        postgres(t.url!, {
          max: 1,
          onnotice: () => undefined,
          connection: mode.kind === "session" ? { default_transaction_isolation: mode.level } : {},
        }),
      );
      const ready = barrier(WRITERS);
      const writer = async (client: postgres.Sql) => {
        const db = drizzle(client);
        let first = true;
        const decider = async (account: { balance: number }) => {
          if (first) {
            first = false;
            await ready.wait(); // every writer has read the same version before any appends
          }
          return withdrawal(10)(account);
        };
        const options = { initial, evolve, maxAttempts: 64 };
        if (mode.kind === "session") return decide(db, bank.bank, id, options, decider);
        if (mode.kind === "own transaction") {
          return decide(db, bank.bank, id, { ...options, transaction: { isolationLevel: mode.level } }, decider);
        }
        return db.transaction((tx) => decide(tx, bank.bank, id, options, decider), { isolationLevel: mode.level });
      };
      let results;
      try {
        results = await Promise.all(clients.map(writer));
      } finally {
        await Promise.all(clients.map((client) => client.end()));
      }
      const made = results.filter((result) => result.rows.length > 0);
      expect(made).toHaveLength(10);
      expect(results.filter((result) => result.rows.length === 0).every((r) => r.state.balance < 10)).toBe(true);
      expect(results.some((result) => result.attempts > 1)).toBe(true);
      // the log: the balance at every event, and exactly the withdrawals the calls returned
      const log = await listByParent(t.db, bank.bank, id);
      let balance = 0;
      for (const event of log) {
        balance = evolve({ balance }, event).balance;
        expect(balance).toBeGreaterThanOrEqual(0);
      }
      expect(balance).toBe(0);
      const withdrawn = log.filter((event) => event.action === "withdraw").map((event) => event.id);
      expect(withdrawn.sort()).toEqual(made.map((result) => result.rows[0]!.id).sort());
      expect(new Set(withdrawn).size).toBe(withdrawn.length);
      const [head] = await t.query<{ counted: number }>(
        "SELECT event_count::int AS counted FROM bank_heads WHERE parent_id = $1",
        [id],
      );
      expect(head!.counted).toBe(log.length);
      expect(await readVersion(t.db, bank.bank, id)).toEqual({ lastId: log.at(-1)!.id, count: log.length });
    });
  }
});
