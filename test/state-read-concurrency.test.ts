/**
 * `aggregate` under concurrent writers (PostgreSQL only: PGlite has one connection): on a table with
 * record heads its version comes from the record's head row, its events from the events table, in one
 * statement. 4 writers append to one record while 4 readers read it, at READ COMMITTED, REPEATABLE
 * READ and SERIALIZABLE (the readers' session level), with and without a savepoint: every read's
 * version is the count and last id of the very events it folded (one snapshot), and afterwards the
 * record holds every event appended, once, and its version counts them.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { expect, test } from "vitest";
import { aggregate, appendEvent, listByParent, readVersion, savepoint, spectorTables } from "../src/index.js";
import { describePostgres, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";

const tables = spectorTables({
  table: "reads",
  versioned: true,
  recordIndex: true,
  schemas: { counter: 0 },
  actions: { tick: 10 },
});
const LEVELS = ["read committed", "repeatable read", "serializable"] as const;
const WRITERS = 4;
const READERS = 4;
const TICKS = 25;

/** What a read folds: how many events (the first and the savepoints included) and the last id. */
interface Seen {
  readonly n: number;
  readonly last: string;
}
const initial: Seen = { n: 0, last: "" };
const evolve = (state: Seen, event: { id: string }): Seen => ({ n: state.n + 1, last: event.id });

describePostgres("aggregate under concurrent writers", () => {
  const t = useDatabase("postgres", async (t) => t.execMigration(await createSql(tables)));

  for (const level of LEVELS) {
    test(`readers at ${level.toUpperCase()}: each read's version is the events it folded; nothing lost, nothing twice`, async () => {
      const table = tables.reads;
      const first = await appendEvent(t.db, table, { schema: "counter", action: "insert", payload: {} });
      // a savepoint of the events before it; fromSavepoint counts the savepoint itself (a replay
      // without it skips savepoints), then one event, so that the last event is no savepoint
      const before = await aggregate(t.db, table, first.id, { initial, evolve });
      const saved = await savepoint(t.db, table, first.id, { state: before.state });
      const fromSavepoint = (payload: unknown): Seen => ({ n: (payload as Seen).n + 1, last: saved.id });
      await appendEvent(t.db, table, { schema: "counter", action: "tick", payload: {}, parentId: first.id });
      const clients = Array.from({ length: WRITERS + READERS }, (_, i) =>
        postgres(t.url!, {
          max: 1,
          onnotice: () => undefined,
          connection: i < WRITERS ? {} : { default_transaction_isolation: level },
        }),
      );
      let writing = WRITERS;
      const appended: string[] = [];
      const writer = async (client: postgres.Sql) => {
        const db = drizzle(client);
        for (let i = 0; i < TICKS; i++) {
          const row = await appendEvent(db, table, {
            schema: "counter",
            action: "tick",
            payload: {},
            parentId: first.id,
          });
          appended.push(row.id);
        }
        writing--;
      };
      let reads = 0;
      const reader = async (client: postgres.Sql, k: number) => {
        const db = drizzle(client);
        do {
          const read =
            k % 2 === 0
              ? await aggregate(db, table, first.id, { initial, evolve })
              : await aggregate(db, table, first.id, { initial, evolve, fromSavepoint });
          // without fromSavepoint the one savepoint is not folded, but the version counts it
          const skipped = k % 2 === 0 ? 1 : 0;
          expect(read.version).toEqual({ lastId: read.state.last, count: read.state.n + skipped });
          reads++;
        } while (writing > 0);
      };
      try {
        await Promise.all([
          ...clients.slice(0, WRITERS).map(writer),
          ...clients.slice(WRITERS).map((client, k) => reader(client, k)),
        ]);
      } finally {
        await Promise.all(clients.map((client) => client.end()));
      }
      expect(reads).toBeGreaterThan(READERS);
      const log = await listByParent(t.db, table, first.id);
      expect(log).toHaveLength(3 + WRITERS * TICKS);
      expect(new Set(appended).size).toBe(WRITERS * TICKS);
      expect(
        log
          .slice(3)
          .map((row) => row.id)
          .sort(),
      ).toEqual([...appended].sort());
      const version = { lastId: log.at(-1)!.id, count: log.length };
      expect(await readVersion(t.db, table, first.id)).toEqual(version);
      expect(await aggregate(t.db, table, first.id, { initial, evolve, fromSavepoint })).toEqual({
        state: { n: log.length, last: log.at(-1)!.id },
        version,
      });
    });
  }
});
