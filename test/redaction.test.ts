/**
 * Erasure that keeps the proof: `redact` erases an event's payload from a record chain (format 2 hashes
 * the payload's digest, which `T_redactions` keeps), the record still verifies and `verifyChain`
 * reports the event as redacted; every other change (an edited payload or kept digest, a redaction row
 * beside a payload that differs, a NULL payload without one) is still found; only a role that may alter
 * the table can redact, and a refusal writes nothing.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorRedactionError,
  appendEvent,
  chainRedactionTable,
  redact,
  shardSet,
  spectorTables,
  verifyChain,
} from "../src/index.js";
import { rowQuery } from "../src/queries/rows.js";
import { verifyRecords, type RowQuery } from "../src/queries/verify-records.js";
import { joinStatements } from "../src/sql/statements.js";
import { eventTableMeta } from "../src/tables/meta.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRefusedBeforeSql, expectRejects } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";
import { RECORD_ROW_COLUMNS, referenceChains, referencePayloadDigest, type RecordRow } from "./support/record-hash.js";

const tables = spectorTables({ table: "events", hashed: "record", appendOnly: true });
const { events } = tables;
const events_redactions = chainRedactionTable(events);
// without the guard, and without a redactions table
const unguarded = spectorTables({ table: "unguarded", hashed: "record" });
const unguarded_redactions = chainRedactionTable(unguarded.unguarded);
const { plain, plain_heads } = spectorTables({ table: "plain", hashed: "record" });
const { unchained } = spectorTables({ table: "unchained" });
// a table whose redactions table is empty until the test that redacts meanwhile
const { late, late_heads } = spectorTables({ table: "late", hashed: "record" });
const late_redactions = chainRedactionTable(late);
// a shard set, each shard with its redactions table
const sharded = spectorTables({ shards: ["rd_0", "rd_1"], hashed: "record" });
const shards = shardSet([sharded.rd_0, sharded.rd_1]);
const rd_0_redactions = chainRedactionTable(sharded.rd_0);
const rd_1_redactions = chainRedactionTable(sharded.rd_1);
const schema = {
  ...sharded,
  rd_0_redactions,
  rd_1_redactions,
  ...tables,
  events_redactions,
  ...unguarded,
  unguarded_redactions,
  plain,
  plain_heads,
  unchained,
  late,
  late_heads,
  late_redactions,
};

/** Every row of `events`, with the digest each redacted event's redaction kept (hex), as the reference reads them. */
function rowsOf(t: TestDatabase) {
  return t.query<RecordRow & { payloadDigest: string | null }>(
    `SELECT ${RECORD_ROW_COLUMNS}, encode(d.payload_digest, 'hex') AS "payloadDigest"
       FROM events AS e LEFT JOIN events_redactions AS d ON d.event_id = e.id ORDER BY e.parent_id, e.id`,
  );
}

/** Expects every stored hash and head to be what the reference recomputes from the rows and the kept digests. */
async function expectReference(t: TestDatabase): Promise<void> {
  const rows = await rowsOf(t);
  const reference = referenceChains(rows);
  for (const row of rows) expect(row.hash, `hash of ${row.id}`).toBe(reference.hashes.get(row.id));
}

/** A record of `n` events (payloads `{ n: i, secret }`): its events' ids, the first first. */
async function record(t: TestDatabase, n = 4): Promise<string[]> {
  const first = await appendEvent(t.db, events, { schema: 0, action: 1, payload: { n: 0, secret: "Ada Lovelace" } });
  const ids = [first.id];
  for (let i = 1; i < n; i++) {
    const payload = { n: i, secret: `é 日本 ${i}` };
    ids.push((await appendEvent(t.db, events, { schema: 0, action: 2, payload, parentId: first.id })).id);
  }
  return ids;
}

/** Runs `statement` on `events` with the append-only guard lifted, as a tamperer who owns the table would. */
function tamper(t: TestDatabase, statement: string): Promise<void> {
  return t.execMigration(
    joinStatements([
      "ALTER TABLE events DISABLE TRIGGER append_only_events;",
      `${statement};`,
      "ALTER TABLE events ENABLE ALWAYS TRIGGER append_only_events;",
    ]),
  );
}

describeBackends("redaction", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await createSql(schema)));

  test("a redacted payload is NULL, its digest kept with when and why; the record verifies and reports it; the guard is back", async () => {
    const ids = await record(t);
    const [before] = await t.query<{ payload: string }>("SELECT payload::text AS payload FROM events WHERE id = $1", [
      ids[1],
    ]);
    const hashes = (await rowsOf(t)).map((row) => row.hash);
    const redacted = await redact(t.db, events, ids[1]!.toUpperCase(), { reason: "erasure request 118" });
    expect(redacted).toEqual({
      eventId: ids[1],
      parentId: ids[0],
      redactedAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/),
      reason: "erasure request 118",
    });
    const [row] = await t.query<{ payload: string | null; digest: string; reason: string; at: string }>(
      `SELECT e.payload::text AS payload, encode(d.payload_digest, 'hex') AS digest, d.reason, d.redacted_at::text AS at
         FROM events AS e JOIN events_redactions AS d ON d.event_id = e.id WHERE e.id = $1`,
      [ids[1]],
    );
    expect(row).toEqual({
      payload: null,
      digest: referencePayloadDigest(before!.payload),
      reason: "erasure request 118",
      at: redacted.redactedAt,
    });
    // no hash moved, and the reference recomputes them all from the rows and the kept digest
    expect((await rowsOf(t)).map((r) => r.hash)).toEqual(hashes);
    await expectReference(t);
    const report = [redacted];
    expect(await verifyChain(t.db, events)).toEqual({ ok: true, count: 4, redacted: report });
    expect(await verifyChain(t.db, events, { parentId: ids[0]! })).toEqual({ ok: true, count: 4, redacted: report });
    const [guard] = await t.query<{ tgenabled: string }>(
      "SELECT tgenabled FROM pg_trigger WHERE tgname = 'append_only_events'",
    );
    expect(guard?.tgenabled).toBe("A");
    await expectRejects(t.query("UPDATE events SET payload = '{}' WHERE id = $1", [ids[2]]), { sqlstate: "2F002" });
    // the record takes new events, and a later redaction of its first event verifies too
    await appendEvent(t.db, events, { schema: 0, action: 2, payload: { late: true }, parentId: ids[0]! });
    const first = await redact(t.db, events, ids[0]!, { reason: "whole name" });
    await expectReference(t);
    expect(await verifyChain(t.db, events, { parentId: ids[0]! })).toEqual({
      ok: true,
      count: 5,
      redacted: [first, redacted].sort((a, b) => (a.eventId < b.eventId ? -1 : 1)),
    });
  });

  test("a table without the guard redacts too, in the caller's transaction, whose rollback undoes it", async () => {
    expect(chainRedactionTable(unguarded.unguarded)).toBe(unguarded_redactions);
    const plain = unguarded.unguarded;
    const first = await appendEvent(t.db, plain, { schema: 0, action: 1, payload: { name: "Grace" } });
    await expect(
      t.db.transaction(async (tx) => {
        await redact(tx, plain, first.id, { reason: "undone" });
        const inside = await tx.execute(sql`SELECT 1 FROM unguarded WHERE payload IS NULL`);
        expect(Array.isArray(inside) ? inside : (inside as unknown as { rows: unknown[] }).rows).toHaveLength(1);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await verifyChain(t.db, plain, { parentId: first.id })).toEqual({ ok: true, count: 1 });
    expect(await t.query("SELECT 1 FROM unguarded_redactions")).toHaveLength(0);
    const done = await redact(t.db, plain, first.id, { reason: "kept" });
    expect(await verifyChain(t.db, plain, { parentId: first.id })).toEqual({ ok: true, count: 1, redacted: [done] });
  });

  test("T_redactions is joined only while it holds a row; an event redacted between that look and the verdict still verifies", async () => {
    const first = await appendEvent(t.db, late, { schema: 0, action: 1, payload: { name: "Hedy" } });
    const second = await appendEvent(t.db, late, { schema: 0, action: 2, payload: { n: 1 }, parentId: first.id });
    const verdicts: boolean[] = [];
    let meanwhile = true;
    // statements on their own (as on an HTTP driver): a redaction commits after the look, before the verdict
    const query: RowQuery = async (text, params) => {
      if (text.includes("AS bad_event")) verdicts.push(text.includes('"late_redactions"'));
      const rows = await rowQuery(t.db)(text, params);
      if (meanwhile && text.startsWith("SELECT EXISTS (SELECT FROM")) {
        meanwhile = false;
        await redact(t.db, late, second.id, { reason: "meanwhile" });
      }
      return rows;
    };
    const meta = eventTableMeta("late", late);
    expect(await verifyRecords(query, meta, undefined, undefined, false)).toMatchObject({
      ok: true,
      count: 2,
      redacted: [{ eventId: second.id, parentId: first.id, reason: "meanwhile" }],
    });
    // the look saw no row: a verdict without the join (which fails at the redacted event), then one with it
    expect(verdicts).toEqual([false, true]);
    verdicts.length = 0;
    expect(await verifyRecords(query, meta, undefined, undefined, false)).toMatchObject({ ok: true, count: 2 });
    expect(verdicts).toEqual([true]);
  });

  test("a shard set redacts in the shard that holds the event, found by its id; the set verifies and lists both", async () => {
    const count = async (table: string) =>
      Number((await t.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
    const children: string[] = [];
    for (let i = 0; (await count("rd_0")) < 2 || (await count("rd_1")) < 2; i++) {
      if (i > 200) throw new Error("new records never reached both shards");
      const root = await appendEvent(t.db, shards, { schema: 0, action: 1, payload: { i } });
      children.push((await appendEvent(t.db, shards, { schema: 0, action: 2, payload: { i }, parentId: root.id })).id);
    }
    const where = async (id: string) =>
      (await t.query(`SELECT 1 FROM rd_0 WHERE id = $1`, [id])).length === 1 ? "rd_0" : "rd_1";
    // a non-first event in each shard (a non-first event's id does not say its shard)
    const a = children[0]!;
    let b: string | undefined;
    for (const id of children) if (b === undefined && (await where(id)) !== (await where(a))) b = id;
    if (b === undefined) throw new Error("no child event in the other shard");
    const erased = [
      await redact(t.db, shards, a, { reason: "set a" }),
      await redact(t.db, shards, b, { reason: "set b" }),
    ];
    for (const id of [a, b]) {
      const shard = await where(id);
      expect(await t.query(`SELECT payload FROM ${shard} WHERE id = $1`, [id])).toEqual([{ payload: null }]);
      expect(await t.query(`SELECT 1 FROM ${shard}_redactions WHERE event_id = $1`, [id])).toHaveLength(1);
    }
    const result = await verifyChain(t.db, shards);
    expect(result).toMatchObject({ ok: true, count: (await count("rd_0")) + (await count("rd_1")) });
    expect(result.ok && [...(result.redacted ?? [])].sort((x, y) => x.reason.localeCompare(y.reason))).toEqual(erased);
    await expectRejects(redact(t.db, shards, "01930000-0000-7000-8000-000000000001", { reason: "x" }), {
      instanceOf: SpectorRedactionError,
      mentions: ["nothing was written"],
    });
  });

  test("refusals: an unknown event, one redacted already, a NULL payload, a table with no record chain or no redactions table; bad input before SQL", async () => {
    const ids = await record(t, 2);
    const none = await appendEvent(t.db, events, { schema: 0, action: 2, payload: null, parentId: ids[0]! });
    await redact(t.db, events, ids[1]!, { reason: "once" });
    const state = async () => [await rowsOf(t), await t.query("SELECT * FROM events_redactions ORDER BY event_id")];
    const before = await state();
    const refused = async (id: string, reason: string) => {
      const error = await expectRejects(redact(t.db, events, id, { reason: "again" }), {
        instanceOf: SpectorRedactionError,
        mentions: [id, "nothing was written"],
      });
      expect((error as unknown as SpectorRedactionError).reason).toBe(reason);
    };
    await refused("01930000-0000-7000-8000-000000000001", "unknown-event");
    await refused(ids[1]!, "redacted");
    await refused(none.id, "no-payload");
    expect(await state()).toEqual(before);
    const lonely = await appendEvent(t.db, plain, { schema: 0, action: 1, payload: {} });
    await expectRejects(redact(t.db, plain, lonely.id, { reason: "x" }), {
      instanceOf: SpectorRedactionError,
      mentions: ["export `chainRedactionTable(events)`"],
    });
    await expectRefusedBeforeSql(t, (db) => redact(db, unchained, ids[0]!, { reason: "x" }), { option: "events" });
    await expectRefusedBeforeSql(t, (db) => redact(db, events, "nope", { reason: "x" }), { option: "eventId" });
    for (const reason of ["", "  ", undefined, 3]) {
      await expectRefusedBeforeSql(t, (db) => redact(db, events, ids[0]!, { reason } as never), {
        option: "options.reason",
      });
    }
    expect(() => chainRedactionTable(unchained)).toThrow(SpectorOptionError);
  });

  describe("what is still found after a redaction", () => {
    const cases = [
      [
        "an edited payload of another event",
        "mismatch",
        2,
        (ids: string[]) => `UPDATE events SET payload = '{"n": 9}' WHERE id = '${ids[2]}'`,
      ],
      [
        "the kept digest edited",
        "mismatch",
        1,
        (ids: string[]) => `UPDATE events_redactions SET payload_digest = sha256('x') WHERE event_id = '${ids[1]}'`,
      ],
      [
        "the redacted payload put back, edited",
        "mismatch",
        1,
        (ids: string[]) => `UPDATE events SET payload = '{"n": 1, "secret": "other"}' WHERE id = '${ids[1]}'`,
      ],
      [
        "a redaction row beside a payload that differs",
        "redaction-mismatch",
        2,
        (ids: string[]) =>
          `INSERT INTO events_redactions (event_id, payload_digest, reason) VALUES ('${ids[2]}', sha256('x'), 'forged')`,
      ],
      [
        "a NULL payload without a redaction row",
        "mismatch",
        3,
        (ids: string[]) => `UPDATE events SET payload = NULL WHERE id = '${ids[3]}'`,
      ],
      [
        "the redaction row deleted",
        "mismatch",
        1,
        (ids: string[]) => `DELETE FROM events_redactions WHERE event_id = '${ids[1]}'`,
      ],
    ] as const;
    for (const [what, reason, broken, statement] of cases) {
      test(`${what}: ${reason} at that event`, async () => {
        const ids = await record(t);
        await redact(t.db, events, ids[1]!, { reason: "erasure" });
        expect(await verifyChain(t.db, events, { parentId: ids[0]! })).toMatchObject({ ok: true, count: 4 });
        await tamper(t, statement(ids));
        expect(await verifyChain(t.db, events, { parentId: ids[0]! })).toMatchObject({
          ok: false,
          reason,
          eventId: ids[broken],
          parentId: ids[0],
          count: broken,
        });
      });
    }
  });

  describe("roles", () => {
    const owner = randomName("rd_owner");
    const writer = randomName("rd_writer");
    beforeAll(async () => {
      await t.execMigration(
        joinStatements([
          `CREATE ROLE ${owner};`,
          `CREATE ROLE ${writer};`,
          `GRANT USAGE ON SCHEMA public TO ${owner}, ${writer};`,
          `ALTER TABLE events OWNER TO ${owner};`,
          `ALTER TABLE events_redactions OWNER TO ${owner};`,
          `GRANT SELECT, INSERT ON events TO ${writer};`,
          `GRANT SELECT ON events_redactions TO ${writer};`,
        ]),
      );
    });
    afterAll(async () => {
      await t.execMigration(
        joinStatements([
          `ALTER TABLE events OWNER TO CURRENT_USER;`,
          `ALTER TABLE events_redactions OWNER TO CURRENT_USER;`,
          `DROP OWNED BY ${owner}, ${writer};`,
          `DROP ROLE ${owner};`,
          `DROP ROLE ${writer};`,
        ]),
      );
    });

    test("the table's owner (no superuser) redacts; a role with INSERT and SELECT alone is refused with 42501, and nothing is written", async () => {
      const ids = await record(t, 3);
      const before = await rowsOf(t);
      await expectRejects(
        t.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`SET LOCAL ROLE ${writer}`));
          await redact(tx, events, ids[1]!, { reason: "not mine to erase" });
        }),
        { sqlstate: "42501" },
      );
      expect(await rowsOf(t)).toEqual(before);
      const done = await t.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`SET LOCAL ROLE ${owner}`));
        return redact(tx, events, ids[1]!, { reason: "owner" });
      });
      expect(await verifyChain(t.db, events, { parentId: ids[0]! })).toEqual({ ok: true, count: 3, redacted: [done] });
      const [guard] = await t.query<{ tgenabled: string }>(
        "SELECT tgenabled FROM pg_trigger WHERE tgname = 'append_only_events'",
      );
      expect(guard?.tgenabled).toBe("A");
    });
  });
});
