/**
 * `versioned: true` added to a table that holds events: the migration writes each record's head (its
 * greatest id, its count) without touching an event, so that old records have a version and take
 * appends at it; installing the rule again writes no head twice. Also `versioned: true` dropped again,
 * and `drizzle-spector check`'s comparison of the installed functions.
 */
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { expect, test } from "vitest";
import {
  SpectorVersionConflictError,
  appendEvent,
  appendEvents,
  checkDatabase,
  readVersion,
  spectorDownSql,
  spectorTables,
  spectorTriggerSql,
} from "../src/index.js";
import { joinStatements, splitStatements } from "../src/sql/statements.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { expectRejects } from "./support/failures.js";

const before = spectorTables({ table: "events", appendOnly: true, links: [["event_ancestors", "ancestor_id"]] });
const after = spectorTables({
  table: "events",
  versioned: true,
  appendOnly: true,
  links: [["event_ancestors", "ancestor_id"]],
});

/** A drizzle-kit migration from `from` to `to`, followed by the rules of `to`, as `generate` writes them. */
async function migration(from: Record<string, unknown>, to: Record<string, unknown>): Promise<string> {
  const statements = await generateMigration(generateDrizzleJson(from), generateDrizzleJson(to));
  return joinStatements([...statements, ...splitStatements(spectorTriggerSql(to))]);
}

describeBackends("versioned: true added to a table that holds events", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await migration({}, before)));

  test("the migration writes every record's head, changes no event, and old records take appends at their version", async () => {
    const records: { id: string; last: string }[] = [];
    for (let r = 0; r < 3; r++) {
      const { rows } = await appendEvents(t.db, before.events, {
        events: Array.from({ length: 2 + r }, (_, n) => ({ schema: 0, action: n === 0 ? 1 : 2, payload: { r, n } })),
      });
      records.push({ id: rows[0]!.id, last: rows[rows.length - 1]!.id });
    }
    const rowsBefore = await t.query("SELECT * FROM events ORDER BY id");
    await t.execMigration(await migration(before, after));
    expect(await t.query("SELECT * FROM events ORDER BY id")).toEqual(rowsBefore);
    const heads = await t.query<{ parent_id: string; last_id: string; event_count: string | number }>(
      "SELECT parent_id, last_id, event_count FROM events_heads ORDER BY parent_id",
    );
    expect(heads.map((h) => [h.parent_id, h.last_id, Number(h.event_count)])).toEqual(
      [...records].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => [r.id, r.last, records.indexOf(r) + 2]),
    );
    for (const [i, record] of records.entries()) {
      const version = (await readVersion(t.db, after.events, record.id))!;
      expect(version).toEqual({ lastId: record.last, count: i + 2 });
      await appendEvents(t.db, after.events, {
        parentId: record.id,
        expected: version,
        events: [{ schema: 0, action: 2, payload: { late: i } }],
      });
      await expectRejects(
        appendEvents(t.db, after.events, {
          parentId: record.id,
          expected: version,
          events: [{ schema: 0, action: 2, payload: { stale: i } }],
        }),
        { instanceOf: SpectorVersionConflictError },
      );
    }
    // the append-only guard is still there
    await expectRejects(t.query("DELETE FROM events"), { sqlstate: "2F002" });
    // installing the rules again writes no head twice
    await t.execMigration(spectorTriggerSql(after));
    const [counts] = await t.query<{ bad: number; heads: number }>(
      `SELECT count(*)::int AS heads, count(*) FILTER (WHERE h.event_count <> (SELECT count(*) FROM events AS e WHERE e.parent_id = h.parent_id))::int AS bad
         FROM events_heads AS h`,
    );
    expect(counts).toEqual({ heads: 3, bad: 0 });
    const report = await checkDatabase(t.db, after);
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
    // check compares the functions: a lock function that no longer locks is reported
    await t.query(
      `CREATE OR REPLACE FUNCTION public.lock_record_events(parent uuid, OUT parent_id uuid, OUT last_id uuid, OUT event_count bigint)
         RETURNS SETOF record LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
         AS 'BEGIN RETURN QUERY SELECT h.parent_id, h.last_id, h.event_count FROM public.events_heads AS h WHERE h.parent_id = parent; END'`,
    );
    const changed = await checkDatabase(t.db, after);
    expect(changed.ok).toBe(false);
    expect(changed.message).toContain("lock_record_events");
    await t.execMigration(spectorTriggerSql(after));
    expect((await checkDatabase(t.db, after)).ok).toBe(true);
  });

  test("a new record after the migration gets its head; spectorDownSql removes the heads and their functions", async () => {
    const first = await appendEvent(t.db, after.events, { schema: 0, action: 1, payload: null });
    expect(await readVersion(t.db, after.events, first.id)).toEqual({ lastId: first.id, count: 1 });
    const [head] = await t.query<{ n: number }>("SELECT event_count::int AS n FROM events_heads WHERE parent_id = $1", [
      first.id,
    ]);
    expect(head!.n).toBe(1);
    await t.execMigration(
      spectorDownSql({ table: "events", versioned: true, links: [["event_ancestors", "ancestor_id"]] }),
    );
    const left = await t.query<{ name: string }>(
      `SELECT proname AS name FROM pg_proc WHERE proname IN ('record_heads_events', 'lock_record_events', 'next_event_id_events')
        UNION ALL SELECT relname FROM pg_class WHERE relname IN ('events', 'events_heads')`,
    );
    expect(left).toEqual([]);
  });
});
