/**
 * What a newcomer reads about a row holds in the database: `insertedAt` is UTC's wall-clock time
 * whatever the session's `TimeZone`, on every kind of table, and the reading the TSDoc and
 * docs/tables.md give (`new Date(insertedAt.replace(" ", "T") + "Z")`) is the instant the database
 * wrote, where `new Date(insertedAt)` is off by the machine's offset. And `listByParent` on a plain
 * (unsharded) table refuses a later event's id, naming the record to pass, as on a shard set.
 */
import { sql } from "drizzle-orm";
import { expect, test } from "vitest";
import {
  SpectorRecordNotFoundError,
  appendEvent,
  backtrace,
  listByParent,
  newEventId,
  spectorTables,
} from "../src/index.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";

const plain = spectorTables({ table: "plain", schemas: { note: 0 }, actions: {} });
const record = spectorTables({ table: "chained", hashed: "record", schemas: { note: 0 }, actions: {} });
const spector = spectorTables({
  table: "spector_log",
  hashed: true,
  schemas: { note: 0 },
  actions: {},
  schemaModules: { note: "App.Note" },
});
const TABLES = { plain: plain.plain, chained: record.chained, spector_log: spector.spector_log } as const;

/** A zone far from UTC, with a quarter-hour offset (+12:45 or +13:45). */
const ZONE = "Pacific/Chatham";

/** The rows of a Drizzle `execute` result, on every driver (postgres.js gives an array, the others `{ rows }`). */
function rowsOf<R>(result: unknown): R[] {
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}

describeBackends("insertedAt, as the TSDoc says to read it", (backend) => {
  const t = useDatabase(backend, async (db) => db.execMigration(await createSql({ ...plain, ...record, ...spector })));

  test("is UTC's wall-clock time in a session whose TimeZone is not UTC, on a plain table, a record chain and Spector's chain", async () => {
    for (const [name, table] of Object.entries(TABLES)) {
      const seen = await t.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`SET LOCAL TimeZone = '${ZONE}'`));
        const row = await appendEvent(tx, table, { schema: "note", action: "insert", payload: { name } });
        const [times] = rowsOf<{ zone: string; before: string; after: string; stored: string }>(
          await tx.execute(
            sql`SELECT current_setting('TimeZone') AS zone,
                       floor(extract(epoch FROM now()) * 1000)::text AS before,
                       ceil(extract(epoch FROM clock_timestamp()) * 1000)::text AS after,
                       inserted_at::text AS stored
                  FROM ${table} WHERE id = ${row.id}`,
          ),
        );
        return { row, ...times! };
      });
      expect(seen.zone, name).toBe(ZONE);
      expect(seen.row.insertedAt, name).toBe(seen.stored);
      expect(seen.row.insertedAt, name).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{0,5}[1-9])?$/); // no offset; the fraction without trailing zeros
      // the documented reading: the instant the database wrote, between the transaction's start and now
      const read = new Date(seen.row.insertedAt.replace(" ", "T") + "Z").getTime();
      expect(read, name).toBeGreaterThanOrEqual(Number(seen.before));
      expect(read, name).toBeLessThanOrEqual(Number(seen.after));
    }
  });

  test("read without the Z, on a machine in another zone, it is off by that zone's offset", async () => {
    const row = await appendEvent(t.db, plain.plain, { schema: "note", action: "insert", payload: null });
    const zone = process.env.TZ;
    process.env.TZ = ZONE; // Node.js reads TZ again when it is set
    try {
      const utc = new Date(row.insertedAt.replace(" ", "T") + "Z");
      const local = new Date(row.insertedAt);
      const offsetMinutes = -utc.getTimezoneOffset(); // +765 or +825 in Chatham
      expect([765, 825]).toContain(offsetMinutes);
      expect((utc.getTime() - local.getTime()) / 60_000).toBe(offsetMinutes);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describeBackends("a later event's id where a record's is expected, on a plain table", (backend) => {
  const t = useDatabase(backend, async (db) => db.execMigration(await createSql(plain)));

  test("listByParent and backtrace refuse it, naming the record to pass; an id that is no event still reads as []", async () => {
    const first = await appendEvent(t.db, plain.plain, { schema: "note", action: "insert", payload: null });
    const later = await appendEvent(t.db, plain.plain, {
      schema: "note",
      action: "update",
      payload: null,
      parentId: first.id,
    });
    const mention = `${later.id} in plain is not the first event of its record (that is ${first.id})`;
    await expectRejects(listByParent(t.db, plain.plain, later.id), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [mention],
    });
    await expectRejects(backtrace(t.db, plain.plain, { id: later.id, parentId: later.id }), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [mention],
    });
    expect((await listByParent(t.db, plain.plain, first.id)).map((e) => e.id)).toEqual([first.id, later.id]);
    expect(await listByParent(t.db, plain.plain, newEventId())).toEqual([]);
  });
});
