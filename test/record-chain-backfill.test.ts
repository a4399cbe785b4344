/**
 * Adding a record chain to a table that already holds events: the migration chains them (each record
 * in `id` order, and its head), so that old records verify and take new events.
 */
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { expect, test } from "vitest";
import { appendEvent, spectorTables, spectorTriggerSql, verifyChain } from "../src/index.js";
import { joinStatements, splitStatements } from "../src/sql/statements.js";
import { describeBackends, useDatabase } from "./support/backends.js";

const before = spectorTables({ table: "events", appendOnly: true, links: [["event_ancestors", "ancestor_id"]] });
const after = spectorTables({
  table: "events",
  hashed: "record",
  appendOnly: true,
  links: [["event_ancestors", "ancestor_id"]],
});

/** A drizzle-kit migration from `from` to `to`, followed by the rules of `to`, as `generate` writes them. */
async function migration(from: Record<string, unknown>, to: Record<string, unknown>): Promise<string> {
  const statements = await generateMigration(generateDrizzleJson(from), generateDrizzleJson(to));
  return joinStatements([...statements, ...splitStatements(spectorTriggerSql(to))]);
}

describeBackends("a record chain added to a table that holds events", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await migration({}, before)));

  test("the migration chains every earlier event, lifting and restoring the guard, and old records take new events", async () => {
    const records: string[] = [];
    for (let r = 0; r < 3; r++) {
      const first = await appendEvent(t.db, before.events, { schema: 0, action: 1, payload: { r } });
      records.push(first.id);
      for (let n = 0; n < 4; n++) {
        await appendEvent(t.db, before.events, { schema: 0, action: 2, payload: { r, n }, parentId: first.id });
      }
    }
    await t.execMigration(await migration(before, after));
    const heads = await t.query<{ parent_id: string; event_count: string | number }>(
      "SELECT parent_id, event_count FROM events_heads ORDER BY parent_id",
    );
    expect(heads.map((h) => [h.parent_id, Number(h.event_count)])).toEqual([...records].sort().map((id) => [id, 5]));
    const [{ unhashed }] = (await t.query<{ unhashed: string | number }>(
      "SELECT count(*) AS unhashed FROM events WHERE hash IS NULL",
    )) as [{ unhashed: string | number }];
    expect(Number(unhashed)).toBe(0);
    expect(await verifyChain(t.db, after.events)).toEqual({ ok: true, count: 15 });
    const [guard] = await t.query<{ tgenabled: string }>(
      "SELECT tgenabled FROM pg_trigger WHERE tgname = 'append_only_events'",
    );
    expect(guard?.tgenabled).toBe("A");
    await appendEvent(t.db, after.events, { schema: 0, action: 2, payload: { late: true }, parentId: records[1]! });
    expect(await verifyChain(t.db, after.events, { parentId: records[1]! })).toEqual({ ok: true, count: 6 });
    // running the rules again chains nothing twice
    await t.execMigration(spectorTriggerSql(after));
    expect(await verifyChain(t.db, after.events)).toEqual({ ok: true, count: 16 });
  });

  test("installing the rules again (a new version) does not chain events written around the trigger: they stay reported", async () => {
    const forged = "01930000-0000-7000-8000-00000000f00d";
    await t.execMigration(
      joinStatements([
        "ALTER TABLE events DISABLE TRIGGER record_chain_events;",
        `INSERT INTO events (id, parent_id, schema, action, payload, hash) VALUES ('${forged}', '${forged}', 0, 1, NULL, '\\x00');`,
        "ALTER TABLE events ENABLE TRIGGER record_chain_events;",
      ]),
    );
    const broken = { ok: false, eventId: forged, parentId: forged, reason: "mismatch" };
    expect(await verifyChain(t.db, after.events)).toMatchObject(broken);
    await t.execMigration(spectorTriggerSql(after));
    expect(await verifyChain(t.db, after.events)).toMatchObject(broken);
    expect(await t.query("SELECT 1 FROM events_heads WHERE parent_id = $1", [forged])).toHaveLength(0);
  });
});
