/**
 * Record chain formats: a table chained in format 1 (the payload's text hashed) is moved to format 2
 * (the payload's digest hashed) by the migration `generate` writes when the chain's function changes.
 * The migration verifies format 1 first and refuses a table that does not verify; after it, every hash
 * and head is the format-2 reference's, `verifyChain` passes and the table takes new events.
 */
import { describe, expect, test } from "vitest";
import { appendEvent, spectorTables, spectorTriggerSql, verifyChain } from "../src/index.js";
import { recordChainObjects } from "../src/sql/record-chain.js";
import { RECORD_FORMAT_ERROR } from "../src/sql/record-chain-format.js";
import { createStatements } from "../src/sql/rule-objects.js";
import { joinStatements } from "../src/sql/statements.js";
import { eventTableMeta } from "../src/tables/meta.js";
import { describeBackends, useDatabase, type BackendName, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { recordRowsSql, referenceChains, type Format, type RecordRow } from "./support/record-hash.js";

const schema = spectorTables({ table: "events", hashed: "record", appendOnly: true });
const { events } = schema;

/** Puts format 1's chain function in place of this version's, as a database migrated by an older version has it. */
const formatOneSql = joinStatements(createStatements(recordChainObjects(eventTableMeta("events", events), 1)));

/** Three records of five events, one payload `NULL`, written through the trigger; returns the first ids. */
async function writeRecords(t: TestDatabase): Promise<string[]> {
  const records: string[] = [];
  for (let r = 0; r < 3; r++) {
    const first = await appendEvent(t.db, events, { schema: 0, action: 1, payload: { r, text: "é 日本 🦀" } });
    records.push(first.id);
    for (let n = 0; n < 4; n++) {
      const payload = n === 2 ? null : { r, n, price: 1.5 };
      await appendEvent(t.db, events, { schema: 0, action: 2, payload, parentId: first.id });
    }
  }
  return records;
}

/** Expects every stored hash and head of `events` to be the reference's in `format`. */
async function expectFormat(t: TestDatabase, format: Format): Promise<RecordRow[]> {
  const rows = await t.query<RecordRow>(recordRowsSql("events"));
  const reference = referenceChains(rows, format);
  for (const row of rows) expect(row.hash, `hash of ${row.id} in format ${format}`).toBe(reference.hashes.get(row.id));
  const heads = await t.query<{ parentId: string; lastId: string; lastHash: string; eventCount: number }>(
    `SELECT parent_id::text AS "parentId", last_id::text AS "lastId", encode(last_hash, 'hex') AS "lastHash",
            event_count::int AS "eventCount" FROM events_heads`,
  );
  expect(new Map(heads.map(({ parentId, ...head }) => [parentId, head]))).toEqual(reference.heads);
  return rows;
}

/** A fresh database for the describe block this is called in, whose `events` are chained in format 1. */
function formatOneDatabase(backend: BackendName): TestDatabase {
  return useDatabase(backend, async (t) => {
    await t.execMigration(await createSql(schema));
    await t.execMigration(formatOneSql);
  });
}

describeBackends("record chain formats", (backend) => {
  describe("a valid format-1 table", () => {
    const t = formatOneDatabase(backend);
    test("a format-1 table is verified and moved to format 2 by the rules' migration: hashes and heads recomputed, the guard restored, new events chained", async () => {
      const records = await writeRecords(t);
      const before = await expectFormat(t, 1);
      await t.execMigration(spectorTriggerSql(schema));
      const after = await expectFormat(t, 2);
      // only the hashes changed
      const strip = (rows: RecordRow[]) => rows.map(({ hash: _, ...row }) => row);
      expect(strip(after)).toEqual(strip(before));
      expect(after.every((row, i) => row.hash !== before[i]!.hash)).toBe(true);
      expect(await verifyChain(t.db, events)).toEqual({ ok: true, count: 15 });
      const [guard] = await t.query<{ tgenabled: string }>(
        "SELECT tgenabled FROM pg_trigger WHERE tgname = 'append_only_events'",
      );
      expect(guard?.tgenabled).toBe("A");
      await appendEvent(t.db, events, { schema: 0, action: 2, payload: { late: true }, parentId: records[1]! });
      await expectFormat(t, 2);
      expect(await verifyChain(t.db, events)).toEqual({ ok: true, count: 16 });
      // installing the rules again recomputes nothing
      await t.execMigration(spectorTriggerSql(schema));
      expect((await t.query<RecordRow>(recordRowsSql("events"))).map((row) => row.hash)).toEqual(
        (await expectFormat(t, 2)).map((row) => row.hash),
      );
    });
  });

  for (const [what, tamper] of [
    [
      "an edited payload",
      `UPDATE events SET payload = '{"r": 9}' WHERE id = (SELECT id FROM events WHERE payload IS NOT NULL AND id <> parent_id ORDER BY id DESC LIMIT 1)`,
    ],
    [
      "a deleted last event",
      "DELETE FROM events WHERE id = (SELECT id FROM events WHERE id <> parent_id ORDER BY id DESC LIMIT 1)",
    ],
  ] as const) {
    describe(`a format-1 table with ${what}`, () => {
      const t = formatOneDatabase(backend);
      test(`a format-1 table with ${what} is refused with ${RECORD_FORMAT_ERROR.sqlstate}, and nothing is changed`, async () => {
        await writeRecords(t);
        await t.execMigration(
          joinStatements([
            "ALTER TABLE events DISABLE TRIGGER append_only_events;",
            `${tamper};`,
            "ALTER TABLE events ENABLE ALWAYS TRIGGER append_only_events;",
          ]),
        );
        const before = await t.query<RecordRow>(recordRowsSql("events"));
        const heads = await t.query("SELECT * FROM events_heads ORDER BY parent_id");
        await expectRejects(t.execMigration(spectorTriggerSql(schema)), {
          sqlstate: RECORD_FORMAT_ERROR.sqlstate,
          mentions: ["does not verify in format 1", "nothing was changed"],
        });
        expect(await t.query<RecordRow>(recordRowsSql("events"))).toEqual(before);
        expect(await t.query("SELECT * FROM events_heads ORDER BY parent_id")).toEqual(heads);
        const [fn] = await t.query<{ src: string }>(
          "SELECT prosrc AS src FROM pg_proc WHERE proname = 'record_chain_events'",
        );
        expect(fn!.src).not.toContain("record chain format");
      });
    });
  }
});
