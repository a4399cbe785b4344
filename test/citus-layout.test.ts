/**
 * The Citus layout (`layout: "citus"`) on PGlite and PostgreSQL, where it is plain PostgreSQL: the
 * catalog (the events' `PRIMARY KEY (parent_id, id)`, no self-reference, the link tables' `parent_id`
 * and composite foreign keys, the unique index led by `parent_id`, no same-parent trigger), a
 * cross-record link refused by the foreign keys (single-row, multi-row, `INSERT ... SELECT`, `UPDATE`),
 * the helpers' results, and bad options. The same behaviour on a Citus cluster is `citus.test.ts`.
 */
import { describe, expect, test } from "vitest";
import {
  ancestors,
  appendEvent,
  backtrace,
  eventTable,
  link,
  linked,
  linkTable,
  listByParent,
  spectorDownSql,
  spectorRelations,
  spectorTables,
  spectorTriggerSql,
  SpectorRecordNotFoundError,
} from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareRules } from "../src/check/rules.js";
import { generate } from "../src/cli/generate.js";
import { backends, describeBackends, openDatabase, useDatabase, type TestDatabase } from "./support/backends.js";
import { writeCitusSchema } from "./support/citus-project.js";
import { steps, useScratchProject } from "./support/scratch-project.js";
import { createSql } from "./support/ddl.js";
import { expectRejects, expectThrows } from "./support/failures.js";

const FOREIGN_KEY_VIOLATION = "23503";

const tables = spectorTables({
  table: "events",
  layout: "citus",
  schemas: { user: 0 },
  actions: {},
  links: [
    ["event_ancestors", "ancestor_id"],
    ["event_links", "linked_id", { typed: true }],
  ],
});
const { events, event_ancestors, event_links } = tables;

describe("the Citus layout's options", () => {
  test("the link row type has parentId, the events row type is Spector's", () => {
    type LinkRow = (typeof event_ancestors)["$inferSelect"];
    const row: LinkRow = { eventId: "a", ancestorId: "b", parentId: "c" };
    // @ts-expect-error a Citus-layout link row needs its record
    const partial: LinkRow = { eventId: "a", ancestorId: "b" };
    const spector = spectorTables({ table: "plain", links: [["plain_links", "other_id"]] });
    // @ts-expect-error Spector's link rows have no parentId
    const extra: (typeof spector.plain_links)["$inferSelect"] = { eventId: "a", otherId: "b", parentId: "c" };
    expect([row, partial, extra].length).toBe(3);
    expect(Object.keys(event_ancestors)).toContain("parentId");
    expect(Object.keys(spector.plain_links)).not.toContain("parentId");
  });

  test("linkTable follows its events table's layout", () => {
    const own = eventTable("own", { layout: "citus" });
    const own_links = linkTable(own, ["own_links", "other_id"]);
    const row: (typeof own_links)["$inferInsert"] = { eventId: "a", otherId: "b", parentId: "c" };
    expect(row.parentId).toBe("c");
    expect(Object.keys(own_links)).toContain("parentId");
  });

  test("no same-parent trigger (the foreign keys are the rule): the rules' SQL only distributes, where Citus is", () => {
    const chunks = splitStatements(spectorTriggerSql(tables));
    expect(chunks.map((chunk) => chunk.split("\n")[0]!.replace(/ [0-9a-f]{14}$/, ""))).toEqual([
      "-- drizzle-spector:create-citus-distribution public.events",
      "-- drizzle-spector:create-citus-distribution public.event_ancestors",
      "-- drizzle-spector:create-citus-distribution public.event_links",
    ]);
    for (const chunk of chunks) {
      expect(chunk).not.toMatch(/TRIGGER|FUNCTION/);
      expect(chunk).toContain("IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN");
    }
    expect(chunks[2]).toContain(
      `PERFORM pg_catalog.create_distributed_table('"public"."event_links"', 'parent_id', colocate_with => '"public"."events"');`,
    );
  });

  test.each([
    [{ table: "e", layout: "citus", shards: ["a"] }, "shards", "give `table`"],
    [{ shards: ["a", "b"], layout: "citus" }, "shards", "replaces `shards`"],
    [{ table: "e", layout: "citus", hashed: true }, "hashed", "no trigger on a distributed table"],
    [{ table: "e", layout: "citus", hashed: "record" }, "hashed", "no trigger on a distributed table"],
    [{ table: "e", layout: "citus", appendOnly: true }, "appendOnly", "no trigger on a distributed table"],
    [{ table: "e", layout: "citus", recordIndex: true }, "recordIndex", "primary key `(parent_id, id)`"],
    [{ table: "e", layout: "Citus" }, "layout", '`"citus"`'],
    [{ table: "e", layout: true }, "layout", '`"spector"`'],
    [
      { table: "e", layout: "citus", links: [["l", "other_id", { constrained: false }]] },
      "links[0][2].constrained",
      "the rule is the layout itself",
    ],
    [{ table: "e", layout: "citus", links: [["l", "parent_id"]] }, "links[0][1]", "its own `parent_id`"],
  ])("refuses %j at %s", (options, option, mention) => {
    expectThrows(() => spectorTables(options as never), { option, mentions: [mention] });
  });

  test("eventTable refuses the same combinations", () => {
    expectThrows(() => eventTable("e", { layout: "citus", appendOnly: true }), {
      option: "appendOnly",
      mentions: ['`layout: "citus"`'],
    });
    const plain = eventTable("plain_e");
    expect(() => linkTable(plain, ["plain_e_links", "parent_id"])).not.toThrow(); // Spector's layout: a column like any
  });
});

/** The constraints of `table`: name → definition. */
async function constraints(t: TestDatabase, table: string): Promise<Record<string, string>> {
  const rows = await t.query<{ name: string; def: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_catalog.pg_constraint
      WHERE conrelid = $1::regclass AND contype IN ('p', 'f', 'u') ORDER BY 1`,
    [`public.${table}`],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.def]));
}

/** The indexes of `table`: name → definition. */
async function indexes(t: TestDatabase, table: string): Promise<Record<string, string>> {
  const rows = await t.query<{ name: string; def: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass ORDER BY 1`,
    [`public.${table}`],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.def.replace(/ public\./g, " ")]));
}

describeBackends("the Citus layout", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await createSql(tables)));

  test("events: PRIMARY KEY (parent_id, id) named events_pkey, no self-reference, Spector's indexes", async () => {
    expect(await constraints(t, "events")).toEqual({ events_pkey: "PRIMARY KEY (parent_id, id)" });
    expect(await indexes(t, "events")).toEqual({
      events_inserted_at_index: "CREATE INDEX events_inserted_at_index ON events USING btree (inserted_at)",
      events_parent_id_index: "CREATE INDEX events_parent_id_index ON events USING btree (parent_id)",
      events_pkey: "CREATE UNIQUE INDEX events_pkey ON events USING btree (parent_id, id)",
      events_schema_index: "CREATE INDEX events_schema_index ON events USING btree (schema)",
    });
  });

  test("link tables: parent_id, composite foreign keys to (parent_id, id), the unique index led by parent_id", async () => {
    const [column] = await t.query<{ type: string; notnull: boolean }>(
      `SELECT format_type(atttypid, atttypmod) AS type, attnotnull AS notnull FROM pg_catalog.pg_attribute
        WHERE attrelid = 'public.event_links'::regclass AND attname = 'parent_id'`,
    );
    expect(column).toEqual({ type: "uuid", notnull: true });
    expect(await constraints(t, "event_ancestors")).toEqual({
      event_ancestors_ancestor_id_fkey:
        "FOREIGN KEY (parent_id, ancestor_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
      event_ancestors_event_id_fkey:
        "FOREIGN KEY (parent_id, event_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
    });
    expect(await constraints(t, "event_links")).toEqual({
      event_links_event_id_fkey: "FOREIGN KEY (parent_id, event_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
      event_links_linked_id_fkey:
        "FOREIGN KEY (parent_id, linked_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
    });
    expect(await indexes(t, "event_links")).toEqual({
      event_links_event_id_index: "CREATE INDEX event_links_event_id_index ON event_links USING btree (event_id)",
      event_links_linked_id_index: "CREATE INDEX event_links_linked_id_index ON event_links USING btree (linked_id)",
      event_links_parent_id_event_id_linked_id_type_index:
        "CREATE UNIQUE INDEX event_links_parent_id_event_id_linked_id_type_index ON event_links USING btree (parent_id, event_id, linked_id, type)",
    });
    const triggers = await t.query(
      `SELECT tgname FROM pg_catalog.pg_trigger WHERE NOT tgisinternal AND tgrelid IN
        ('public.events'::regclass, 'public.event_ancestors'::regclass, 'public.event_links'::regclass)`,
    );
    expect(triggers).toEqual([]);
  });

  describe("a cross-record link is refused by the foreign keys", () => {
    let a: { id: string; parentId: string };
    let a2: { id: string; parentId: string };
    let b: { id: string; parentId: string };
    const insert = (sqlText: string) =>
      expectRejects(t.query(sqlText), { sqlstate: FOREIGN_KEY_VIOLATION, mentions: ["event_ancestors"] });
    const count = async () =>
      (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.event_ancestors`))[0]!.n;

    test("setup: two records", async () => {
      a = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { r: "a" } });
      a2 = await appendEvent(t.db, events, { schema: "user", action: "update", payload: 2, parentId: a.id });
      b = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { r: "b" } });
      expect(await count()).toBe(0);
    });

    test("single row: an end of another record, under either record", async () => {
      await insert(
        `INSERT INTO event_ancestors (parent_id, event_id, ancestor_id) VALUES ('${a.id}', '${a2.id}', '${b.id}')`,
      );
      await insert(
        `INSERT INTO event_ancestors (parent_id, event_id, ancestor_id) VALUES ('${b.id}', '${a2.id}', '${a.id}')`,
      );
      // both ends in record a, but the link says record b
      await insert(
        `INSERT INTO event_ancestors (parent_id, event_id, ancestor_id) VALUES ('${b.id}', '${a2.id}', '${a.id}')`,
      );
      expect(await count()).toBe(0);
    });

    test("multi-row: one bad row refuses the statement", async () => {
      await insert(
        `INSERT INTO event_ancestors (parent_id, event_id, ancestor_id) VALUES
           ('${a.id}', '${a2.id}', '${a.id}'), ('${a.id}', '${a.id}', '${b.id}')`,
      );
      expect(await count()).toBe(0);
    });

    test("INSERT ... SELECT: a bulk link across records is refused", async () => {
      await insert(
        `INSERT INTO event_ancestors (parent_id, event_id, ancestor_id)
         SELECT e.parent_id, e.id, '${b.id}'::uuid FROM events e WHERE e.parent_id = '${a.id}'`,
      );
      expect(await count()).toBe(0);
    });

    test("UPDATE: moving a link's end to another record is refused", async () => {
      await t.query(
        `INSERT INTO event_ancestors (parent_id, event_id, ancestor_id) VALUES ('${a.id}', '${a2.id}', '${a.id}')`,
      );
      await expectRejects(t.query(`UPDATE event_ancestors SET ancestor_id = '${b.id}'`), {
        sqlstate: FOREIGN_KEY_VIOLATION,
      });
      await expectRejects(t.query(`UPDATE event_ancestors SET parent_id = '${b.id}'`), {
        sqlstate: FOREIGN_KEY_VIOLATION,
      });
      expect(await count()).toBe(1);
      // nor can a linked event move to another record
      await expectRejects(t.query(`UPDATE events SET parent_id = $1 WHERE id = $2`, [b.id, a2.id]), {
        sqlstate: FOREIGN_KEY_VIOLATION,
        mentions: ["event_ancestors"],
      });
      await t.query(`DELETE FROM event_ancestors`);
    });

    test("link(): ends given as rows of two records are refused before SQL; as ids, by the foreign key", async () => {
      await expectRejects(link(t.db, event_ancestors, a2, b), { option: "to" });
      await expectRejects(link(t.db, event_ancestors, a2.id, b.id), { sqlstate: FOREIGN_KEY_VIOLATION });
      await expectRejects(link(t.db, event_ancestors, b.id, a2.id), { sqlstate: FOREIGN_KEY_VIOLATION });
      expect(await count()).toBe(0);
    });
  });

  describe("the helpers", () => {
    let user: { id: string; parentId: string };
    let second: { id: string; parentId: string };
    let third: { id: string; parentId: string };
    let other: { id: string; parentId: string };

    test("appendEvent starts records and joins them, the INSERT ... SELECT refusing an unknown record", async () => {
      user = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { n: 1 } });
      expect(user.parentId).toBe(user.id);
      second = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: { n: 2 },
        parentId: user.id,
      });
      third = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: { n: 3 },
        parentId: user.id,
      });
      expect([second.parentId, third.parentId]).toEqual([user.id, user.id]);
      other = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { n: 9 } });
      // an event that is not a record's first event is no record
      await expectRejects(
        appendEvent(t.db, events, { schema: "user", action: "update", payload: 0, parentId: second.id }),
        { instanceOf: SpectorRecordNotFoundError },
      );
      await expectRejects(
        appendEvent(t.db, events, {
          schema: "user",
          action: "update",
          payload: 0,
          parentId: "00000000-0000-7000-8000-000000000000",
        }),
        { instanceOf: SpectorRecordNotFoundError },
      );
      const [{ n }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE parent_id = $1`, [
        user.id,
      ])) as [{ n: number }];
      expect(n).toBe(3);
    });

    test("listByParent and backtrace read one record", async () => {
      expect((await listByParent(t.db, events, user.id)).map((e) => e.id)).toEqual([user.id, second.id, third.id]);
      expect((await backtrace(t.db, events, second)).map((e) => e.id)).toEqual([user.id, second.id]);
      expect(await backtrace(t.db, events, { id: other.id, parentId: user.id })).toEqual([]);
    });

    test("link writes parent_id, from the rows given or looked up", async () => {
      const fromRows = await link(t.db, event_ancestors, third, second);
      expect(fromRows).toEqual({ eventId: third.id, ancestorId: second.id, parentId: user.id });
      const fromIds = await link(t.db, event_ancestors, second.id, user.id);
      expect(fromIds).toEqual({ eventId: second.id, ancestorId: user.id, parentId: user.id });
      const mixed = await link(t.db, event_links, third.id, { id: user.id, parentId: user.id }, { type: 4 });
      expect(mixed).toEqual({ eventId: third.id, linkedId: user.id, type: 4, parentId: user.id });
    });

    test("linked and ancestors follow the record's links", async () => {
      const out = await linked(t.db, event_ancestors, third);
      expect(out.map((row) => [row.link.parentId, row.event.id])).toEqual([[user.id, second.id]]);
      const back = await linked(t.db, event_ancestors, user, { direction: "in" });
      expect(back.map((row) => row.event.id)).toEqual([second.id]);
      expect((await linked(t.db, event_links, third, { type: 4 })).map((row) => row.event.id)).toEqual([user.id]);
      const walk = await ancestors(t.db, event_ancestors, third);
      expect(walk.map((row) => [row.event.id, row.depth])).toEqual([
        [second.id, 1],
        [user.id, 2],
      ]);
      expect((await ancestors(t.db, event_ancestors, third, { maxDepth: 1 })).map((row) => row.event.id)).toEqual([
        second.id,
      ]);
      expect((await ancestors(t.db, event_ancestors, user, { direction: "in" })).map((r) => r.event.id)).toEqual([
        second.id,
        third.id,
      ]);
    });

    test("spectorRelations join by record: db.query gives a record's events and links", async () => {
      const schema = { ...tables, ...spectorRelations(tables) };
      const rows = await t.withSchema(schema).query.events.findMany({
        where: (e, { eq }) => eq(e.id, user.id),
        with: { parent: true, children: true, eventAncestors: { with: { ancestor: true, event: true } } },
      });
      expect(rows.length).toBe(1);
      const [first] = rows;
      expect(first!.parent?.id).toBe(user.id);
      expect(first!.children.map((e) => e.id).sort()).toEqual([user.id, second.id, third.id].sort());
      const third_ = await t.withSchema(schema).query.events.findFirst({
        where: (e, { eq }) => eq(e.id, third.id),
        with: { parent: true, children: true, eventAncestors: { with: { ancestor: true } } },
      });
      expect(third_!.parent?.id).toBe(user.id);
      expect(third_!.children).toEqual([]);
      expect(third_!.eventAncestors.map((l) => [l.parentId, l.ancestor.id])).toEqual([[user.id, second.id]]);
    });

    test("linked and ancestors want the event's record: a bare id is refused before SQL", async () => {
      // @ts-expect-error the Citus layout's walks take an event, not an id
      await expectRejects(linked(t.db, event_ancestors, third.id), { option: "event" });
      // @ts-expect-error the Citus layout's walks take an event, not an id
      await expectRejects(ancestors(t.db, event_ancestors, third.id), { option: "event" });
      const spector = spectorTables({ table: "plain_w", links: [["plain_w_links", "other_id"]] });
      void (() => linked(t.db, spector.plain_w_links, third.id)); // Spector's layout: an id compiles
    });

    test("spectorDownSql drops the layout's tables (and writes no distribution step)", async () => {
      const options = { table: "gone", layout: "citus", links: [["gone_links", "other_id"]] } as const;
      await t.execMigration(await createSql(spectorTables(options)));
      const down = spectorDownSql(options);
      expect(down).not.toContain("citus");
      await t.execMigration(down);
      expect(await t.query(`SELECT relname FROM pg_catalog.pg_class WHERE relname LIKE 'gone%'`)).toEqual([]);
    });

    test("deleting a record's event cascades to its links", async () => {
      await t.query(`DELETE FROM events WHERE parent_id = $1 AND id = $2`, [user.id, second.id]);
      const left = await t.query<{ event_id: string }>(`SELECT event_id FROM event_ancestors ORDER BY 1`);
      expect(left).toEqual([]);
    });
  });
});

describe("generate and migrate a Citus-layout project", () => {
  const dir = useScratchProject();
  const migrations = join(dir, "migrations");
  const step = steps();
  const quiet = { log: () => {} };
  const markers = (tag: string) =>
    [...readFileSync(join(migrations, `${tag}.sql`), "utf8").matchAll(/^-- drizzle-spector:(\S+ \S+)/gm)].map(
      (m) => m[1],
    );

  step("generate writes the tables' migration, then one distribution block per table", async () => {
    writeCitusSchema(dir);
    const result = await generate({ cwd: dir, ...quiet });
    // a module's exports come in name order: the link table's block first, which distributes its events table too
    expect(result.created).toEqual(["public.event_ancestors", "public.events"]);
    const tablesSql = readFileSync(join(migrations, `${result.tablesMigration}.sql`), "utf8");
    expect(tablesSql).toContain(`CONSTRAINT "events_pkey" PRIMARY KEY("parent_id","id")`);
    expect(tablesSql).not.toContain("events_parent_id_fkey");
    expect(markers(result.triggerMigration!)).toEqual([
      "create-citus-distribution public.event_ancestors",
      "create-citus-distribution public.events",
    ]);
    const chunks = splitStatements(readFileSync(join(migrations, `${result.triggerMigration}.sql`), "utf8"));
    expect(chunks.length, "one statement per chunk (PGlite)").toBe(2);
    expect(chunks.every((chunk) => /^-- [^\n]*\nDO \$spector\$\n/.test(chunk))).toBe(true);
  });

  step("a second generate writes nothing", async () => {
    expect(await generate({ cwd: dir, ...quiet })).toEqual({
      tablesMigration: undefined,
      triggerMigration: undefined,
      created: [],
      dropped: [],
    });
  });

  step("a link table added later gets its own distribution block, co-located", async () => {
    writeCitusSchema(dir, { later: true });
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual(["public.later_links"]);
    const text = readFileSync(join(migrations, `${result.triggerMigration}.sql`), "utf8");
    expect(markers(result.triggerMigration!)).toEqual(["create-citus-distribution public.later_links"]);
    expect(text).toContain(`colocate_with => '"public"."events"'`);
  });

  step(
    "migrate() applies the folder on every backend: the layout's keys, and check finds nothing to report",
    async () => {
      for (const backend of backends()) {
        const t = await openDatabase(backend);
        try {
          await t.migrate(migrations);
          expect(await constraints(t, "later_links"), backend).toEqual({
            later_links_event_id_fkey:
              "FOREIGN KEY (parent_id, event_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
            later_links_later_id_fkey:
              "FOREIGN KEY (parent_id, later_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
          });
          expect(await constraints(t, "events"), backend).toEqual({ events_pkey: "PRIMARY KEY (parent_id, id)" });
          const later = linkTable(events, ["later_links", "later_id"]);
          const catalog = (text: string, params: unknown[]) => t.query<Record<string, unknown>>(text, params);
          // no Citus here: nothing to distribute, nothing to report
          expect((await compareRules(catalog, { events, event_ancestors, later })).differences, backend).toEqual([]);
        } finally {
          await t.close();
        }
      }
    },
  );
});
