/**
 * The integration suite: run on PGlite, and on PostgreSQL when DATABASE_URL is set. It applies the
 * committed migrations (generated from example/schema.ts) and proves the layout from the catalogs and
 * the same-parent rule from real statements.
 */
import { eq } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { v7 as uuidv7 } from "uuid";
import { spectorDownSql, spectorTables, spectorTriggerSql } from "../src/index.js";
import { names, tableKey } from "../src/naming/index.js";
import { quoteIdent } from "../src/sql/quote.js";
import { createRuleStatements, dropRuleStatements, sameParentRule } from "../src/sql/rules.js";
import { LARGE_STATEMENT_ROWS } from "../src/sql/same-parent/index.js";
import { joinStatements } from "../src/sql/statements.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { functionNames, readLayout } from "./support/catalog.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { record } from "./support/records.js";
import { spectorLinkDown, spectorMadeDdl } from "./support/spector-ddl.js";

const MIGRATIONS = new URL("../migrations", import.meta.url).pathname;

// example/schema.ts without its schema names and payload types: the same DDL (the migrations are made
// from it), with plain integer columns, because these tests write raw integers and odd payloads.
const { events, event_ancestors, event_links } = spectorTables({
  table: "events",
  hashed: true,
  links: [
    ["event_ancestors", "ancestor_id"],
    ["event_links", "linked_id", { typed: true }],
  ],
});

/** The options of the tables test/support/spector-ddl.ts makes the way Spector does, in schema `pgSchema`. */
function spectorShaped<const S extends string>(pgSchema: S) {
  return {
    table: "events",
    hashed: true,
    pgSchema,
    links: [
      ["event_ancestors", "ancestor_id"],
      ["event_links", "linked_id", { typed: true }],
    ],
  } as const;
}

describeBackends("the committed migrations and the same-parent rule", (backend) => {
  const t = useDatabase(backend, (t) => t.migrate(MIGRATIONS));

  /** Writes a record (root + children) and returns its ids. */
  async function writeRecord(children = 2, schema = 0) {
    const { root, children: ids } = record(children);
    await t.db.insert(events).values({ id: root, parentId: root, schema, action: 1, payload: { n: 0 } });
    if (ids.length > 0) {
      await t.db
        .insert(events)
        .values(ids.map((id, i) => ({ id, parentId: root, schema, action: 2, payload: { n: i + 1 } })));
    }
    return { root, children: ids, all: [root, ...ids] };
  }

  const countLinks = async (eventIds: string[]) =>
    Number(
      (
        await t.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM event_ancestors WHERE event_id = ANY($1::uuid[]))
                  + (SELECT count(*) FROM event_links WHERE event_id = ANY($1::uuid[])) AS n`,
          [eventIds],
        )
      )[0]!.n,
    );

  describe("layout", () => {
    test("the migrated catalog has Spector's columns, constraints and indexes, plus our defaults and triggers", async () => {
      const layout = await readLayout(t, "public");
      expect(Object.keys(layout).sort()).toEqual([
        "account_balances", // the app's own table (a materialized table of the demo)
        "checkpoints", // the consumers' checkpoints (consumerTable)
        "event_ancestors",
        "event_links",
        "events",
        "ledger",
        "ledger_heads",
        "ledger_positions",
        "ledger_redactions",
        "statement_lines", // the app's own table (what the demo's consumer writes)
      ]);
      const now = "(now() AT TIME ZONE 'utc'::text)";
      expect(layout.events!.columns).toEqual([
        { name: "id", type: "uuid", nullable: false, precision: null, default: null },
        { name: "parent_id", type: "uuid", nullable: false, precision: null, default: null },
        { name: "payload", type: "jsonb", nullable: true, precision: null, default: null },
        { name: "schema", type: "integer", nullable: false, precision: null, default: null },
        { name: "action", type: "integer", nullable: false, precision: null, default: null },
        { name: "hash", type: "bytea", nullable: true, precision: null, default: null },
        { name: "inserted_at", type: "timestamp without time zone", nullable: false, precision: 6, default: now },
        { name: "updated_at", type: "timestamp without time zone", nullable: false, precision: 6, default: now },
      ]);
      expect(layout.events!.constraints).toEqual([
        { name: "events_parent_id_fkey", definition: "FOREIGN KEY (parent_id) REFERENCES events(id)" },
        { name: "events_pkey", definition: "PRIMARY KEY (id)" },
      ]);
      expect(layout.events!.indexes).toEqual([
        {
          name: "events_inserted_at_index",
          definition: "CREATE INDEX events_inserted_at_index ON events USING btree (inserted_at)",
        },
        {
          name: "events_parent_id_index",
          definition: "CREATE INDEX events_parent_id_index ON events USING btree (parent_id)",
        },
        { name: "events_pkey", definition: "CREATE UNIQUE INDEX events_pkey ON events USING btree (id)" },
        {
          name: "events_schema_index",
          definition: "CREATE INDEX events_schema_index ON events USING btree (schema)",
        },
      ]);
      expect(layout.event_links!.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
        ["event_id", "uuid", false],
        ["linked_id", "uuid", false],
        ["type", "integer", false],
      ]);
      expect(layout.event_links!.constraints).toEqual([
        {
          name: "event_links_event_id_fkey",
          definition: "FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE",
        },
        {
          name: "event_links_linked_id_fkey",
          definition: "FOREIGN KEY (linked_id) REFERENCES events(id) ON DELETE CASCADE",
        },
      ]);
      expect(layout.event_links!.indexes.map((i) => i.definition)).toEqual([
        "CREATE INDEX event_links_event_id_index ON event_links USING btree (event_id)",
        "CREATE UNIQUE INDEX event_links_event_id_linked_id_type_index ON event_links USING btree (event_id, linked_id, type)",
        "CREATE INDEX event_links_linked_id_index ON event_links USING btree (linked_id)",
      ]);
      expect(layout.event_ancestors!.indexes.map((i) => i.name)).toEqual([
        "event_ancestors_ancestor_id_index",
        "event_ancestors_event_id_ancestor_id_index",
        "event_ancestors_event_id_index",
      ]);
      expect(layout.event_ancestors!.triggers).toEqual([
        {
          name: "enforce_same_parent_event_ancestors",
          definition:
            "CREATE TRIGGER enforce_same_parent_event_ancestors AFTER INSERT ON event_ancestors REFERENCING NEW TABLE AS spector_new_links " +
            "FOR EACH STATEMENT EXECUTE FUNCTION check_link_same_parent_event_ancestors()",
        },
        {
          name: "enforce_same_parent_event_ancestors_update",
          definition:
            "CREATE TRIGGER enforce_same_parent_event_ancestors_update AFTER UPDATE ON event_ancestors REFERENCING NEW TABLE AS spector_new_links " +
            "FOR EACH STATEMENT EXECUTE FUNCTION check_link_same_parent_event_ancestors_update()",
        },
      ]);
      expect(layout.event_links!.triggers.map((tr) => tr.name)).toEqual([
        "enforce_same_parent_event_links",
        "enforce_same_parent_event_links_update",
      ]);
    });

    test("tables built here match the tables Spector's own migration makes, but for defaults and triggers", async () => {
      const ours = spectorTables(spectorShaped("ours_made"));
      await t.execMigration(await createSql(ours, ["ours_made"]));
      await t.execMigration(joinStatements(spectorMadeDdl("spector_made").map((s) => `${s};`)));
      const withoutExtras = (layout: Awaited<ReturnType<typeof readLayout>>) =>
        Object.fromEntries(
          Object.entries(layout).map(([name, table]) => [
            name,
            { ...table, columns: table.columns.map((c) => ({ ...c, default: null })), triggers: [] },
          ]),
        );
      const mine = await readLayout(t, "ours_made");
      const theirs = await readLayout(t, "spector_made");
      expect(Object.keys(mine).length).toBe(3);
      expect(withoutExtras(mine)).toEqual(withoutExtras(theirs));
    });

    test("events written with Drizzle into tables Spector made read back the same, and Spector's links insert into ours", async () => {
      // A TypeScript service writing into Spector-made tables (which have no database defaults).
      const { root } = record(0);
      const table = spectorTables(spectorShaped("spector_made")).events;
      const [row] = await t.db
        .insert(table)
        .values({ id: root, parentId: root, schema: 3, action: 1, payload: { a: 1 } })
        .returning();
      expect(row!.insertedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?$/);
      // An Elixir service writing the way Ecto does, with its own microsecond timestamps, into ours.
      const id = uuidv7();
      await t.query(
        `INSERT INTO events (id, parent_id, payload, schema, action, inserted_at, updated_at)
           VALUES ($1, $1, '{"from":"ecto"}', 1, 1, '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456')`,
        [id],
      );
      const [read] = await t.db.select().from(events).where(eq(events.id, id));
      expect(read).toMatchObject({
        id,
        parentId: id,
        payload: { from: "ecto" },
        insertedAt: "2026-01-02 03:04:05.123456",
      });
    });
    test("spectorTriggerSql replaces Spector's row trigger on tables Spector made, keeping its name", async () => {
      const adopted = spectorTables(spectorShaped("spector_made"));
      await t.execMigration(spectorTriggerSql(adopted));
      const layout = await readLayout(t, "spector_made");
      expect(layout.event_ancestors!.triggers.map((tr) => tr.definition)).toEqual([
        "CREATE TRIGGER enforce_same_parent_event_ancestors AFTER INSERT ON event_ancestors REFERENCING NEW TABLE AS spector_new_links " +
          "FOR EACH STATEMENT EXECUTE FUNCTION check_link_same_parent_event_ancestors()",
        "CREATE TRIGGER enforce_same_parent_event_ancestors_update AFTER UPDATE ON event_ancestors REFERENCING NEW TABLE AS spector_new_links " +
          "FOR EACH STATEMENT EXECUTE FUNCTION check_link_same_parent_event_ancestors_update()",
      ]);
      const a = record(1);
      const b = record(0);
      await t.db.insert(adopted.events).values([
        { id: a.root, parentId: a.root, schema: 0, action: 1 },
        { id: a.children[0]!, parentId: a.root, schema: 0, action: 2 },
        { id: b.root, parentId: b.root, schema: 0, action: 1 },
      ]);
      await t.db.insert(adopted.event_ancestors).values({ eventId: a.children[0]!, ancestorId: a.root });
      await expectRejects(
        t.db.insert(adopted.event_ancestors).values({ eventId: a.children[0]!, ancestorId: b.root }),
        { sqlstate: "23514" },
      );
    });
  });

  describe("typed rows", () => {
    test("timestamps keep their microseconds and hashes their bytes through a round trip", async () => {
      const id = uuidv7();
      const hash = Buffer.from([0, 1, 2, 254, 255]);
      await t.db.insert(events).values({
        id,
        parentId: id,
        schema: 1,
        action: 1,
        payload: { title: "hello" },
        hash,
        insertedAt: "2026-11-26 06:21:56.123456",
      });
      const [row] = await t.db.select().from(events).where(eq(events.id, id));
      expect(row!.insertedAt).toBe("2026-11-26 06:21:56.123456");
      expect(Buffer.isBuffer(row!.hash)).toBe(true); // a Buffer on every driver (PGlite's Uint8Array wrapped)
      expect(row!.hash!.toString("hex")).toBe("000102feff");
      expect(row!.payload).toEqual({ title: "hello" });
      const [{ usec }] = (await t.query<{ usec: string }>(
        `SELECT extract(microseconds FROM inserted_at)::text AS usec FROM events WHERE id = $1`,
        [id],
      )) as [{ usec: string }];
      expect(usec).toBe("56123456");
    });

    test("ids default to increasing UUIDv7s and timestamps to the current UTC time", async () => {
      const before = await t.query<{ now: string }>(`SELECT (now() AT TIME ZONE 'utc')::text AS now`);
      // a parent that does not exist fails the foreign key
      await expectRejects(t.db.insert(events).values({ parentId: uuidv7(), schema: 1, action: 1 }), {
        sqlstate: "23503",
      });
      const id = uuidv7();
      const [root] = await t.db.insert(events).values({ id, parentId: id, schema: 1, action: 1 }).returning();
      const [child] = await t.db.insert(events).values({ parentId: id, schema: 1, action: 2 }).returning();
      expect(child!.id > root!.id).toBe(true);
      expect(child!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(child!.insertedAt >= before[0]!.now.slice(0, 19)).toBe(true);
    });
    test("a writer that leaves the timestamps out gets the database's defaults: now, in UTC", async () => {
      const id = uuidv7();
      const [row] = await t.query<{ inserted: string; updated: string; utc: string }>(
        `INSERT INTO events (id, parent_id, schema, action) VALUES ($1, $1, 1, 1)
           RETURNING inserted_at::text AS inserted, updated_at::text AS updated, (now() AT TIME ZONE 'utc')::text AS utc`,
        [id],
      );
      expect(row!.inserted).toBe(row!.utc);
      expect(row!.updated).toBe(row!.utc);
    });
  });

  describe("the same-parent rule", () => {
    test("a link inside one record is written, on both link tables", async () => {
      const r = await writeRecord(2);
      await t.db.insert(event_ancestors).values({ eventId: r.children[1]!, ancestorId: r.children[0]! });
      await t.db.insert(event_links).values({ eventId: r.children[0]!, linkedId: r.root, type: 7 });
      expect(await countLinks(r.all)).toBe(2);
    });

    test("a link across records fails with 23514, naming the link table, both events and both parents", async () => {
      const a = await writeRecord(1);
      const b = await writeRecord(1);
      const error = await expectRejects(
        t.db.insert(event_ancestors).values({ eventId: a.children[0]!, ancestorId: b.children[0]! }),
        { sqlstate: "23514" },
      );
      for (const part of ["event_ancestors", a.children[0]!, b.children[0]!, a.root, b.root])
        expect(error.message).toContain(part);
      expect(error.message).toContain("Link events must have the same parent_id");
      expect(await countLinks([...a.all, ...b.all])).toBe(0);
    });

    test("a multi-row insert with one bad link writes nothing, small or large", async () => {
      for (const size of [3, 200]) {
        const a = await writeRecord(size);
        const b = await writeRecord(1);
        const rows = a.children.map((child) => ({ eventId: child, ancestorId: a.root }));
        rows.splice(Math.floor(size / 2), 0, { eventId: a.children[0]!, ancestorId: b.root });
        await expectRejects(t.db.insert(event_ancestors).values(rows), { sqlstate: "23514" });
        expect(await countLinks([...a.all, ...b.all])).toBe(0);
        // and the same rows without the bad one go in
        await t.db.insert(event_ancestors).values(rows.filter((row) => row.ancestorId === a.root));
        expect(await countLinks(a.all)).toBe(size);
      }
    });

    test("INSERT ... SELECT and ON CONFLICT DO NOTHING are checked too", async () => {
      const a = await writeRecord(3);
      const b = await writeRecord(1);
      await expectRejects(
        t.query(
          `INSERT INTO event_ancestors (event_id, ancestor_id) SELECT id, $2 FROM events WHERE parent_id = $1 AND id <> $1`,
          [a.root, b.root],
        ),
        { sqlstate: "23514" },
      );
      await t.query(
        `INSERT INTO event_ancestors (event_id, ancestor_id) SELECT id, $1 FROM events WHERE parent_id = $1 AND id <> $1`,
        [a.root],
      );
      expect(await countLinks(a.all)).toBe(3);
      // a duplicate is skipped, a new good row goes in, a bad row fails the statement
      await t.db
        .insert(event_ancestors)
        .values([
          { eventId: a.children[0]!, ancestorId: a.root },
          { eventId: a.children[1]!, ancestorId: a.children[0]! },
        ])
        .onConflictDoNothing();
      expect(await countLinks(a.all)).toBe(4);
      await expectRejects(
        t.db
          .insert(event_ancestors)
          .values([
            { eventId: a.children[0]!, ancestorId: a.root },
            { eventId: a.children[2]!, ancestorId: b.root },
          ])
          .onConflictDoNothing(),
        { sqlstate: "23514" },
      );
      expect(await countLinks(a.all)).toBe(4);
    });

    test("an UPDATE that moves a link across records fails and changes nothing; one within the record works", async () => {
      const a = await writeRecord(2);
      const b = await writeRecord(1);
      await t.db.insert(event_links).values({ eventId: a.children[0]!, linkedId: a.root, type: 1 });
      await expectRejects(
        t.db.update(event_links).set({ linkedId: b.root }).where(eq(event_links.eventId, a.children[0]!)),
        { sqlstate: "23514" },
      );
      await expectRejects(
        t.db.update(event_links).set({ eventId: b.children[0]! }).where(eq(event_links.eventId, a.children[0]!)),
        { sqlstate: "23514" },
      );
      const unchanged = await t.db.select().from(event_links).where(eq(event_links.eventId, a.children[0]!));
      expect(unchanged).toEqual([{ eventId: a.children[0]!, linkedId: a.root, type: 1 }]);
      await t.db
        .update(event_links)
        .set({ linkedId: a.children[1]!, type: 2 })
        .where(eq(event_links.eventId, a.children[0]!));
      const moved = await t.db.select().from(event_links).where(eq(event_links.eventId, a.children[0]!));
      expect(moved).toEqual([{ eventId: a.children[0]!, linkedId: a.children[1]!, type: 2 }]);
    });

    test("a large UPDATE that moves one link across records fails and changes nothing", async () => {
      const a = await writeRecord(100);
      const b = await writeRecord(1);
      await t.db.insert(event_links).values(a.children.map((child) => ({ eventId: child, linkedId: a.root, type: 1 })));
      // moves every link of record a to b's root: all cross-record
      await expectRejects(t.db.update(event_links).set({ linkedId: b.root }).where(eq(event_links.linkedId, a.root)), {
        sqlstate: "23514",
      });
      // moves the links' type only: all still within the record
      await t.db.update(event_links).set({ type: 2 }).where(eq(event_links.linkedId, a.root));
      const rows = await t.db.select().from(event_links).where(eq(event_links.linkedId, a.root));
      expect(rows).toHaveLength(100);
      expect(new Set(rows.map((row) => row.type))).toEqual(new Set([2]));
    });

    test("a large statement over the recent part of the index is checked by merge joins, and the settings come back", async () => {
      const a = await writeRecord(LARGE_STATEMENT_ROWS + 16);
      const b = await writeRecord(1);
      const link = `INSERT INTO event_ancestors (event_id, ancestor_id)
          SELECT id, '${a.root}' FROM events WHERE parent_id = '${a.root}' AND id <> '${a.root}'`;
      const settings = `DO $$ BEGIN RAISE NOTICE 'settings: %', concat_ws(' ', current_setting('enable_nestloop'),
          current_setting('enable_hashjoin'), current_setting('work_mem')); END $$`;
      for (const workMem of ["1MB", "256MB"]) {
        const messages = await t.messages([`SET LOCAL work_mem = '${workMem}'`, link, settings, "ROLLBACK"]);
        expect(messages).toContain("drizzle-spector: event_ancestors checks 80 links with merge joins");
        expect(messages).toContain(`settings: on on ${workMem}`);
      }
      // and the merge path finds a bad link like the other one does
      await expectRejects(
        t.query(
          `INSERT INTO event_ancestors (event_id, ancestor_id)
            SELECT id, CASE WHEN id = $2::uuid THEN $3::uuid ELSE $1::uuid END FROM events WHERE parent_id = $1::uuid AND id <> $1::uuid`,
          [a.root, a.children.at(-1), b.root],
        ),
        { sqlstate: "23514" },
      );
      expect(await countLinks(a.all)).toBe(0);
    });

    test("the merge path reads the index from the smallest id anywhere in the statement, not only in its first rows", async () => {
      const old = await writeRecord(0); // the smallest id of the statement below, referenced by its last row only
      const a = await writeRecord(LARGE_STATEMENT_ROWS + 16);
      const rows = [
        ...a.children.map((child) => `('${child}'::uuid, '${a.root}'::uuid)`),
        `('${a.children[0]}'::uuid, '${old.root}'::uuid)`,
      ];
      let messages: string[] = [];
      await expectRejects(
        (async () => {
          messages = await t.messages([
            `INSERT INTO event_ancestors (event_id, ancestor_id) VALUES ${rows.join(", ")}`,
          ]);
        })(),
        { sqlstate: "23514" },
      );
      expect(await countLinks([...a.all, old.root])).toBe(0);
      // without the bad row the statement is large enough for merge joins (the debug message says so)
      messages = await t.messages([
        `INSERT INTO event_ancestors (event_id, ancestor_id) VALUES ${rows.slice(0, -1).join(", ")}`,
        "ROLLBACK",
      ]);
      expect(messages).toContain("drizzle-spector: event_ancestors checks 80 links with merge joins");
    });

    test("a large statement into an old record of a long history is checked by primary-key lookups", async () => {
      const old = await writeRecord(0);
      await writeRecord(40 * LARGE_STATEMENT_ROWS); // a history written after the old record's root
      const children = record(LARGE_STATEMENT_ROWS).children;
      await t.db.insert(events).values(children.map((id) => ({ id, parentId: old.root, schema: 0, action: 2 })));
      await t.query(`ANALYZE events`);
      const messages = await t.messages([
        `INSERT INTO event_ancestors (event_id, ancestor_id) SELECT id, '${old.root}' FROM events WHERE parent_id = '${old.root}' AND id <> '${old.root}'`,
      ]);
      expect(messages).toContain("drizzle-spector: event_ancestors checks 64 links with primary-key lookups");
      expect(await countLinks(children)).toBe(LARGE_STATEMENT_ROWS);
      const stranger = await writeRecord(0);
      await expectRejects(
        t.query(
          `INSERT INTO event_ancestors (event_id, ancestor_id)
            SELECT id, CASE WHEN id = $2::uuid THEN $3::uuid ELSE $1::uuid END FROM events WHERE parent_id = $1::uuid AND id <> $1::uuid ON CONFLICT DO NOTHING`,
          [old.root, children[0], stranger.root],
        ),
        { sqlstate: "23514" },
      );
    });

    test("with statistics that say a new record's part of the index is small, the merge joins stop after 8 entries per row and lookups finish", async () => {
      await t.query(`ANALYZE events`);
      // a record started after the last ANALYZE (the planner's histogram ends before it), then 1,300
      // events of another record, then 64 more events of the first: unknown to the statistics
      const fresh = await writeRecord(0);
      await writeRecord(20 * LARGE_STATEMENT_ROWS);
      const children = record(LARGE_STATEMENT_ROWS).children;
      await t.db.insert(events).values(children.map((id) => ({ id, parentId: fresh.root, schema: 0, action: 2 })));
      const link = `INSERT INTO event_ancestors (event_id, ancestor_id) SELECT id, '${fresh.root}' FROM events WHERE parent_id = '${fresh.root}' AND id <> '${fresh.root}'`;
      const [row] = await t.query<{ "QUERY PLAN": unknown }>(
        `EXPLAIN (FORMAT JSON) SELECT FROM events WHERE id >= '${fresh.root}'`,
      );
      const plan = row!["QUERY PLAN"];
      const [{ Plan: estimated }] = (typeof plan === "string" ? JSON.parse(plan) : plan) as [
        { Plan: { "Plan Rows": number } },
      ];
      const estimate = estimated["Plan Rows"];
      // the estimate is far below the truth (1,366 entries), and below 8 per row (512): merge joins are
      // tried, read 512 entries from the root, miss the 64 children beyond them, and lookups settle it
      expect(estimate).toBeLessThanOrEqual(8 * LARGE_STATEMENT_ROWS);
      const messages = await t.messages([link, "ROLLBACK"]);
      expect(messages).toContain(
        `drizzle-spector: event_ancestors checks ${LARGE_STATEMENT_ROWS} links with merge joins, then primary-key lookups`,
      );
    });

    test("ON CONFLICT DO UPDATE and MERGE that move a link across records fail; zero-row statements pass", async () => {
      const a = await writeRecord(2);
      const b = await writeRecord(1);
      await t.db.insert(event_links).values({ eventId: a.children[0]!, linkedId: a.root, type: 1 });
      // the conflicting row is updated to point at another record: the UPDATE trigger catches it
      await expectRejects(
        t.db
          .insert(event_links)
          .values({ eventId: a.children[0]!, linkedId: a.root, type: 1 })
          .onConflictDoUpdate({
            target: [event_links.eventId, event_links.linkedId, event_links.type],
            set: { linkedId: b.root },
          }),
        { sqlstate: "23514" },
      );
      // MERGE: one that updates the link (matched), one that inserts a link (not matched)
      for (const event of [a.children[0], a.children[1]]) {
        await expectRejects(
          t.query(
            `MERGE INTO event_links AS l USING (SELECT $1::uuid AS e, $2::uuid AS k) AS s ON l.event_id = s.e
                   WHEN MATCHED THEN UPDATE SET linked_id = s.k WHEN NOT MATCHED THEN INSERT VALUES (s.e, s.k, 1)`,
            [event, b.root],
          ),
          { sqlstate: "23514" },
        );
      }
      expect(await t.db.select().from(event_links).where(eq(event_links.eventId, a.children[0]!))).toEqual([
        { eventId: a.children[0]!, linkedId: a.root, type: 1 },
      ]);
      // statements that write no row still run the rule once (it is a statement-level trigger), and pass
      for (const [statement, trigger] of [
        [
          `INSERT INTO event_links SELECT event_id, linked_id, type FROM event_links WHERE false`,
          "enforce_same_parent_event_links",
        ],
        [`UPDATE event_links SET type = 9 WHERE false`, "enforce_same_parent_event_links_update"],
      ] as const) {
        const [row] = await t.query<{
          "QUERY PLAN": [{ Plan: { "Actual Rows": number }; Triggers: { "Trigger Name": string; Calls: number }[] }];
        }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`);
        const [plan] = row!["QUERY PLAN"];
        expect(plan.Plan["Actual Rows"], statement).toBe(0);
        expect(
          plan.Triggers.map((fired) => [fired["Trigger Name"], fired.Calls]),
          statement,
        ).toEqual([[trigger, 1]]);
      }
    });

    test("events and their links written in one statement (a data-modifying WITH) are checked too", async () => {
      const a = await writeRecord(0);
      const b = await writeRecord(0);
      const [child, other] = [uuidv7(), uuidv7()];
      await t.query(
        `WITH e AS (INSERT INTO events (id, parent_id, schema, action) VALUES ($1::uuid, $2::uuid, 0, 2) RETURNING id)
           INSERT INTO event_ancestors (event_id, ancestor_id) SELECT id, $2::uuid FROM e`,
        [child, a.root],
      );
      expect(await countLinks([child])).toBe(1);
      await expectRejects(
        t.query(
          `WITH e AS (INSERT INTO events (id, parent_id, schema, action) VALUES ($1::uuid, $2::uuid, 0, 2) RETURNING id)
             INSERT INTO event_ancestors (event_id, ancestor_id) SELECT id, $3::uuid FROM e`,
          [other, a.root, b.root],
        ),
        { sqlstate: "23514" },
      );
      expect(await t.query(`SELECT id FROM events WHERE id = $1::uuid`, [other])).toEqual([]);
    });

    test("COPY is checked like an INSERT", async () => {
      const a = await writeRecord(3);
      const b = await writeRecord(0);
      await t.copyIn(
        "event_ancestors (event_id, ancestor_id)",
        a.children.map((child) => `${child}\t${a.root}\n`).join(""),
      );
      expect(await countLinks(a.all)).toBe(3);
      const c = await writeRecord(2);
      // through psql on PostgreSQL, so the message is all there is to check
      await expectRejects(
        t.copyIn(
          "event_ancestors (event_id, ancestor_id)",
          `${c.children[0]}\t${c.root}\n${c.children[1]}\t${b.root}\n`,
        ),
        { mentions: ["Link events must have the same parent_id"] },
      );
      expect(await countLinks(c.all)).toBe(0);
    });

    test("under deferred foreign keys, an end that does not exist yet counts as another record", async () => {
      const tables = spectorTables({ table: "ev", pgSchema: "deferred", links: [["ev_links", "other_id"]] });
      await t.execMigration(await createSql(tables, ["deferred"]));
      await t.execMigration(
        joinStatements(
          ["ev_links_event_id_fkey", "ev_links_other_id_fkey"].map(
            (fk) => `ALTER TABLE deferred.ev_links ALTER CONSTRAINT ${fk} DEFERRABLE INITIALLY DEFERRED;`,
          ),
        ),
      );
      const a = record(LARGE_STATEMENT_ROWS);
      await t.db
        .insert(tables.ev)
        .values([a.root, ...a.children].map((id) => ({ id, parentId: a.root, schema: 0, action: 1 })));
      const later = uuidv7();
      for (const rows of [
        [{ eventId: a.children[0]!, otherId: later }],
        a.children.map((child) => ({ eventId: child, otherId: later })),
      ]) {
        const error = await expectRejects(
          t.db.transaction(async (tx) => {
            await tx.insert(tables.ev_links).values(rows);
            await tx.insert(tables.ev).values({ id: later, parentId: a.root, schema: 0, action: 2 });
          }),
          { sqlstate: "23514" },
        );
        expect(error.message).toContain("none (no such event)");
      }
    });

    test("the rule fires inside the statement, not at commit", async () => {
      const a = await writeRecord(1);
      const b = await writeRecord(1);
      let reached = false;
      await expectRejects(
        t.db.transaction(async (tx) => {
          await tx.insert(event_ancestors).values({ eventId: a.children[0]!, ancestorId: b.root });
          reached = true;
        }),
        { sqlstate: "23514" },
      );
      expect(reached).toBe(false);
    });

    test("deleting an event deletes its links at both ends (cascade)", async () => {
      const a = await writeRecord(3);
      await t.db.insert(event_ancestors).values([
        { eventId: a.children[1]!, ancestorId: a.children[0]! },
        { eventId: a.children[2]!, ancestorId: a.children[1]! },
      ]);
      await t.db.insert(event_links).values({ eventId: a.children[0]!, linkedId: a.children[1]!, type: 3 });
      expect(await countLinks(a.all)).toBe(3);
      await t.db.delete(events).where(eq(events.id, a.children[1]!));
      expect(await countLinks(a.all)).toBe(0);
      // the root cannot go while its record's events point at it (ON DELETE NO ACTION, as Spector)
      await expectRejects(t.db.delete(events).where(eq(events.id, a.root)), { sqlstate: "23503" });
    });
  });

  describe("shards, schemas and rollback", () => {
    const options = {
      shards: ["shard_0", "shard_1"],
      pgSchema: "sharded",
      updatedAt: false,
      links: [
        ["links", "other_id", { typed: true }],
        ["loose", "other_id", { constrained: false }],
      ],
    } as const;

    test("each shard gets its own link tables, pointing at that shard, with the rule where constrained", async () => {
      const tables = spectorTables(options);
      await t.execMigration(await createSql(tables, ["sharded"]));
      const layout = await readLayout(t, "sharded");
      expect(Object.keys(layout).sort()).toEqual([
        "shard_0",
        "shard_0_links",
        "shard_0_loose",
        "shard_1",
        "shard_1_links",
        "shard_1_loose",
      ]);
      expect(layout.shard_1_links!.constraints.map((c) => c.definition)).toEqual([
        "FOREIGN KEY (event_id) REFERENCES shard_1(id) ON DELETE CASCADE",
        "FOREIGN KEY (other_id) REFERENCES shard_1(id) ON DELETE CASCADE",
      ]);
      expect(layout.shard_0!.columns.map((c) => c.name)).not.toContain("updated_at");
      expect(layout.shard_0_links!.triggers.map((tr) => tr.name)).toEqual([
        "enforce_same_parent_shard_0_links",
        "enforce_same_parent_shard_0_links_update",
      ]);
      expect(layout.shard_0_loose!.triggers).toEqual([]);

      const { shard_1, shard_1_links, shard_1_loose } = tables;
      const a = record(1);
      const b = record(0);
      await t.db.insert(shard_1).values([
        { id: a.root, parentId: a.root, schema: 0, action: 1 },
        { id: a.children[0]!, parentId: a.root, schema: 0, action: 2 },
        { id: b.root, parentId: b.root, schema: 0, action: 1 },
      ]);
      await t.db.insert(shard_1_links).values({ eventId: a.children[0]!, otherId: a.root, type: 1 });
      const error = await expectRejects(
        t.db.insert(shard_1_links).values({ eventId: a.children[0]!, otherId: b.root, type: 1 }),
        { sqlstate: "23514" },
      );
      expect(error.message).toContain("shard_1_links");
      // not constrained: a cross-record link is allowed, as in Spector
      await t.db.insert(shard_1_loose).values({ eventId: a.children[0]!, otherId: b.root });
      const rows = await t.db.select().from(shard_1_links).where(eq(shard_1_links.eventId, a.children[0]!));
      expect(rows).toHaveLength(1);
    });

    test("spectorDownSql leaves nothing behind", async () => {
      await t.execMigration(spectorDownSql(options));
      expect(await readLayout(t, "sharded")).toEqual({});
      expect(await functionNames(t, "sharded")).toEqual([]);
      const left = await t.query(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sharded'`,
      );
      expect(left).toEqual([]);
      // and running it again is harmless
      await t.execMigration(spectorDownSql(options));
    });

    test("Spector's own link_down succeeds on a link table built here", async () => {
      const tables = spectorTables({ table: "ev", pgSchema: "linkdown", links: [["ev_ancestors", "ancestor_id"]] });
      await t.execMigration(await createSql(tables, ["linkdown"]));
      expect((await readLayout(t, "linkdown")).ev_ancestors!.triggers).toHaveLength(2);
      await t.execMigration(
        joinStatements([`SET LOCAL search_path TO linkdown;`, ...spectorLinkDown("ev_ancestors").map((s) => `${s};`)]),
      );
      expect(Object.keys(await readLayout(t, "linkdown"))).toEqual(["ev"]);
      // Spector knows only the INSERT function; ours stay until spectorDownSql or the CLI drops them
      expect(await functionNames(t, "linkdown")).toEqual([
        "check_link_same_parent_ev_ancestors_events",
        "check_link_same_parent_ev_ancestors_large",
        "check_link_same_parent_ev_ancestors_update",
      ]);
      // the trigger left on the events table does nothing once its link table is gone
      const root = "01900000-0000-7000-8000-000000000001";
      await t.execMigration(
        joinStatements([
          `INSERT INTO linkdown.ev (id, parent_id, schema, action) VALUES ('${root}', '${root}', 1, 1);`,
          `UPDATE linkdown.ev SET id = '01900000-0000-7000-8000-000000000002', parent_id = '01900000-0000-7000-8000-000000000002';`,
        ]),
      );
      await t.execMigration(
        spectorDownSql({ table: "ev", pgSchema: "linkdown", links: [["ev_ancestors", "ancestor_id"]] }),
      );
      expect(await functionNames(t, "linkdown")).toEqual([]);
    });

    test("the trigger SQL is idempotent: applying it twice keeps one pair of triggers", async () => {
      const tables = spectorTables({ table: "ev", pgSchema: "twice", links: [["ev_links", "other_id"]] });
      await t.execMigration(await createSql(tables, ["twice"]));
      await t.execMigration(spectorTriggerSql(tables));
      expect((await readLayout(t, "twice")).ev_links!.triggers).toHaveLength(2);
    });
  });

  describe("hostile names", () => {
    // quotes of both kinds, and the tag that dollar-quotes the functions' bodies
    const hostile = (tag: string) => `${tag}"; DROP TABLE sentinel; --' $spector$`;

    test("even past validation, every generated statement keeps such names as names", async () => {
      // The same SQL generators, fed names that validation would refuse: the quoting alone must hold.
      const [schema, events, link, key] = [hostile("s"), hostile("e"), hostile("l"), hostile("k")];
      const meta = {
        kind: "link",
        pgSchema: schema,
        name: link,
        events,
        specName: link,
        foreignKey: key,
        typed: false,
        constrained: true,
        appendOnly: false,
      } as const;
      const q = quoteIdent;
      await t.query(`CREATE TABLE IF NOT EXISTS sentinel (n integer)`);
      await t.execMigration(
        joinStatements([
          `CREATE SCHEMA ${q(schema)};`,
          `CREATE TABLE ${q(schema)}.${q(events)} (id uuid PRIMARY KEY, parent_id uuid NOT NULL);`,
          `CREATE TABLE ${q(schema)}.${q(link)} (event_id uuid NOT NULL, ${q(key)} uuid NOT NULL);`,
          // the unique index drizzle-kit makes, which the rule makes the replica identity
          `CREATE UNIQUE INDEX ${q(names.index(link, names.linkUniqueColumns(meta)))} ON ${q(schema)}.${q(link)} (event_id, ${q(key)});`,
          ...createRuleStatements({ rule: sameParentRule, meta, table: tableKey(meta) }),
        ]),
      );
      const [a, a1, b] = [uuidv7(), uuidv7(), uuidv7()];
      await t.query(
        `INSERT INTO ${q(schema)}.${q(events)} VALUES ($1::uuid, $1::uuid), ($2::uuid, $1::uuid), ($3::uuid, $3::uuid)`,
        [a, a1, b],
      );
      await t.query(`INSERT INTO ${q(schema)}.${q(link)} VALUES ($1::uuid, $2::uuid)`, [a1, a]);
      const error = await expectRejects(
        t.query(`INSERT INTO ${q(schema)}.${q(link)} VALUES ($1::uuid, $2::uuid)`, [a1, b]),
        { sqlstate: "23514" },
      );
      expect(error.message).toContain(link);
      // and the large path, with its dynamic SQL
      const many = Array.from({ length: LARGE_STATEMENT_ROWS }, () => uuidv7());
      await t.query(`INSERT INTO ${q(schema)}.${q(events)} SELECT unnest($1::uuid[]), $2::uuid`, [many, a]);
      await t.query(`INSERT INTO ${q(schema)}.${q(link)} SELECT unnest($1::uuid[]), $2::uuid`, [many, a]);
      await t.execMigration(
        joinStatements([...dropRuleStatements(sameParentRule, meta), `DROP SCHEMA ${q(schema)} CASCADE;`]),
      );
      expect(await t.query(`SELECT to_regclass('public.sentinel') IS NOT NULL AS here`)).toEqual([{ here: true }]);
      expect(await t.query(`SELECT nspname FROM pg_namespace WHERE nspname = $1`, [schema])).toEqual([]);
    });
  });
});
