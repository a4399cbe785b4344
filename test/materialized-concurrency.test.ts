/**
 * Concurrent inline appends with `materialize` to the same records (PostgreSQL only: PGlite has one
 * connection): 16 writers, each on its own connection, append to 3 shared records, without a
 * transaction (appendEvents' own, retried) and in transactions of theirs at READ COMMITTED, REPEATABLE
 * READ and SERIALIZABLE (retried by the writer when the append conflicts). Afterwards every append
 * that returned is in the log exactly once, and each record's row equals the fold of its log (its
 * counter counts the record's updates: no update lost, none twice). A rebuild running alongside leaves
 * the same rows.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { expect, test } from "vitest";
import {
  SpectorVersionConflictError,
  appendEvents,
  listByParent,
  materialized,
  payloadType,
  spectorTables,
  type EventRow,
} from "../src/index.js";
import { driverError } from "../src/queries/violation.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";

const tables = spectorTables({
  table: "events",
  hashed: "record",
  schemas: { counter: 0 },
  actions: { bump: 10 },
  payloads: payloadType<{ counter: { writer: number; i: number } }>(),
});
const { events } = tables;
const counters = pgTable("counters", {
  id: uuid("id").primaryKey(),
  updates: integer("updates").notNull(),
  sum: integer("sum").notNull(),
  lastEvent: uuid("last_event").notNull(),
});
type Row = typeof counters.$inferSelect;
const evolve = (row: Row | undefined, event: EventRow<typeof events>): Row | undefined =>
  event.action === "insert"
    ? { id: event.parentId, updates: 0, sum: 0, lastEvent: event.id }
    : row && { ...row, updates: row.updates + 1, sum: row.sum + event.payload!.i, lastEvent: event.id };
const m = materialized(counters, { events, schema: "counter", evolve });

const MODES = ["autocommit", "read committed", "repeatable read", "serializable"] as const;
const WRITERS = 16;
const APPENDS = 6;
const RECORDS = 3;

describeBackends(
  "concurrent appends with materialize",
  () => {
    const t = useDatabase("postgres", async (t) => t.execMigration(await createSql({ ...tables, counters })));

    for (const mode of MODES) {
      test(`${mode === "autocommit" ? "without a transaction" : `at ${mode.toUpperCase()}`}: ${WRITERS} writers on ${RECORDS} records, every row the fold of its log, no update lost or doubled`, async () => {
        const ids: string[] = [];
        for (let r = 0; r < RECORDS; r++) {
          const { rows } = await appendEvents(t.db, events, {
            events: [{ schema: "counter", action: "insert", payload: null }],
            materialize: [m],
          });
          ids.push(rows[0]!.id);
        }
        const clients = Array.from({ length: WRITERS }, () => postgres(t.url!, { max: 1, onnotice: () => undefined }));
        const written: string[] = [];
        try {
          await Promise.all(
            clients.map(async (client, w) => {
              const db = drizzle(client);
              for (let i = 0; i < APPENDS; i++) {
                const parentId = ids[(w + i) % RECORDS]!;
                const append = (tx: typeof db) =>
                  appendEvents(tx, events, {
                    parentId,
                    events: [{ schema: "counter", action: "update", payload: { writer: w, i } }],
                    materialize: [m],
                  });
                if (mode === "autocommit") {
                  written.push((await append(db)).rows[0]!.id);
                  continue;
                }
                for (;;) {
                  try {
                    const id = await db.transaction(async (tx) => (await append(tx as never)).rows[0]!.id, {
                      isolationLevel: mode,
                    });
                    written.push(id);
                    break;
                  } catch (error) {
                    const code = driverError(error)?.code;
                    if (!(error instanceof SpectorVersionConflictError) && code !== "40001" && code !== "40P01") {
                      throw error;
                    }
                  }
                }
              }
            }),
          );
        } finally {
          await Promise.all(clients.map((client) => client.end()));
        }
        expect(written.length).toBe(WRITERS * APPENDS);
        expect(new Set(written).size).toBe(WRITERS * APPENDS);
        let updates = 0;
        for (const id of ids) {
          const log = await listByParent(t.db, events, id);
          const fold = log.reduce<Row | undefined>(evolve, undefined);
          expect(await m.get(t.db, id)).toEqual(fold);
          updates += fold!.updates;
          for (const event of log.slice(1)) expect(written).toContain(event.id);
        }
        expect(updates).toBe(WRITERS * APPENDS);
      });
    }

    test("a rebuild alongside 16 writers leaves every row the fold of its log", async () => {
      const ids: string[] = [];
      for (let r = 0; r < 40; r++) {
        const { rows } = await appendEvents(t.db, events, {
          events: [{ schema: "counter", action: "insert", payload: null }],
          materialize: [m],
        });
        ids.push(rows[0]!.id);
      }
      const clients = Array.from({ length: WRITERS }, () => postgres(t.url!, { max: 1, onnotice: () => undefined }));
      try {
        const writers = clients.map(async (client, w) => {
          const db = drizzle(client);
          for (let i = 0; i < APPENDS; i++) {
            await appendEvents(db, events, {
              parentId: ids[(w * 7 + i) % ids.length]!,
              events: [{ schema: "counter", action: "update", payload: { writer: w, i } }],
              materialize: [m],
            });
          }
        });
        const rebuilds = (async () => {
          for (let n = 0; n < 3; n++) await m.rebuild(t.db, { batchSize: 5 });
        })();
        await Promise.all([...writers, rebuilds]);
      } finally {
        await Promise.all(clients.map((client) => client.end()));
      }
      for (const id of ids) {
        const log = await listByParent(t.db, events, id);
        expect(await m.get(t.db, id)).toEqual(log.reduce<Row | undefined>(evolve, undefined));
      }
    });
  },
  backends().filter((backend) => backend === "postgres"),
);
