/**
 * The typed event queries, on PGlite and (with DATABASE_URL) on PostgreSQL through postgres.js and
 * through node-postgres: named codes, appends, ordered reads, links, the ancestor walk and shard
 * routing, each proved from real rows; bad input is refused before any SQL is sent (a logging database
 * shows none).
 */
import { DrizzleQueryError, eq, getTableColumns, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorRecordNotFoundError,
  SpectorSameParentError,
  SpectorUnknownCodeError,
  ancestors,
  appendEvent,
  backtrace,
  isUuid,
  link,
  linked,
  listByParent,
  newEventId,
  payloadType,
  rawCodes,
  shardFor,
  shardHash,
  shardSet,
  spectorRelations,
  spectorTables,
  spectorHash,
} from "../src/index.js";
import { backends, describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { readLayout } from "./support/catalog.js";
import { createSql } from "./support/ddl.js";
import { MAX_PAYLOAD_DEPTH } from "../src/checks.js";
import { sameParentError } from "../src/queries/violation.js";
import { getMeta, type LinkTableMeta } from "../src/tables/meta.js";
import { expectRefusedBeforeSql, expectRejects, pgError } from "./support/failures.js";

type User = { name: string };
type Post = { title: string };

const app = spectorTables({
  table: "events",
  hashed: true,
  schemas: { user: 0, post: 1 },
  schemaModules: { user: "MyApp.User", post: "MyApp.Post" },
  actions: { archive: 10 },
  payloads: payloadType<{ user: User; post: Post }>(),
  links: [
    ["event_ancestors", "ancestor_id"],
    ["event_links", "linked_id", { typed: true, constrained: false }],
  ],
});
const { events, event_ancestors, event_links } = app;

const sharded = spectorTables({
  shards: ["shard_0", "shard_1", "shard_2", "shard_3"],
  schemas: { user: 0 },
  actions: {},
  links: [["ancestors", "ancestor_id", { constrained: false }]],
});
const eventShards = shardSet([sharded.shard_0, sharded.shard_1, sharded.shard_2, sharded.shard_3]);
const ancestorShards = shardSet([
  sharded.shard_0_ancestors,
  sharded.shard_1_ancestors,
  sharded.shard_2_ancestors,
  sharded.shard_3_ancestors,
]);

/** `depth` arrays, each the only item of the one around it. */
function nested(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

async function count(t: TestDatabase, table: string): Promise<number> {
  const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}

test("named codes leave the DDL as it was: drizzle-kit sees no difference from plain integer columns", async () => {
  const plain = spectorTables({
    table: "events",
    hashed: true,
    links: [
      ["event_ancestors", "ancestor_id"],
      ["event_links", "linked_id", { typed: true, constrained: false }],
    ],
  });
  expect(await generateMigration(generateDrizzleJson(plain), generateDrizzleJson(app))).toEqual([]);
  expect(events.schema.getSQLType()).toBe("integer");
});

test("a same-parent violation is read from the fields each driver names its way, in the link table's schema only", () => {
  const audit = spectorTables({ table: "events", pgSchema: "audit", links: [["event_ancestors", "ancestor_id"]] });
  const meta = getMeta(audit.event_ancestors) as LinkTableMeta;
  const [e, o, p, q] = [newEventId(), newEventId(), newEventId(), newEventId()];
  const message = `Link events must have the same parent_id: ${p} != none (no such event) (link table event_ancestors: event_id ${e}, ancestor_id ${o})`;
  const wrapped = (driver: object) =>
    new DrizzleQueryError("INSERT ...", [], Object.assign(new Error(message), driver));
  for (const fields of [
    { table_name: "event_ancestors", schema_name: "audit" },
    { table: "event_ancestors", schema: "audit" },
    {},
  ]) {
    const error = sameParentError(wrapped({ code: "23514", ...fields }), meta);
    expect(error, JSON.stringify(fields)).toBeInstanceOf(SpectorSameParentError);
    expect(error).toMatchObject({ table: "audit.event_ancestors", eventId: e, eventParentId: p, otherId: o });
    expect(error!.otherParentId).toBeUndefined();
    expect(error!.message).toContain(`ancestor_id ${o} (no event found)`);
  }
  // another schema's table of that name, another SQLSTATE, another message: not this rule's violation
  expect(
    sameParentError(wrapped({ code: "23514", schema_name: "public", table_name: "event_ancestors" }), meta),
  ).toBeUndefined();
  expect(sameParentError(wrapped({ code: "23505" }), meta)).toBeUndefined();
  expect(
    sameParentError(
      new DrizzleQueryError("INSERT ...", [], Object.assign(new Error(`check ${q}`), { code: "23514" })),
      meta,
    ),
  ).toBeUndefined();
});

describeBackends(
  "the typed event queries",
  (backend) => {
    const t = useDatabase(backend, async (t) => t.execMigration(await createSql({ ...app, ...sharded })));

    test("appendEvent starts a record: id = parent_id, names in TypeScript, integers in the database", async () => {
      const user = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { name: "Ada" } });
      expect(isUuid(user.id)).toBe(true);
      expect(user.parentId).toBe(user.id);
      expect(user).toMatchObject({ schema: "user", action: "insert", payload: { name: "Ada" } });
      expect(user.hash).toHaveLength(32); // Spector's chain: see spector-chain.test.ts
      expect(user.insertedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,6}$/);
      const [raw] = await t.query(`SELECT schema, action, parent_id FROM events WHERE id = $1`, [user.id]);
      expect(raw).toEqual({ schema: 0, action: 1, parent_id: user.id });
    });

    test("appendEvent with parentId joins the record; listByParent and backtrace read it in order", async () => {
      const post = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "a" } });
      const appended = [post];
      for (let i = 0; i < 50; i++) {
        appended.push(
          await appendEvent(t.db, events, {
            schema: "post",
            action: i % 2 ? "update" : "archive",
            payload: { title: `v${i}` },
            parentId: post.id,
          }),
        );
      }
      const history = await listByParent(t.db, events, post.id);
      expect(history.map((e) => e.id)).toEqual(appended.map((e) => e.id));
      expect(history.every((e) => e.parentId === post.id)).toBe(true);
      expect(history.map((e) => e.action).slice(0, 3)).toEqual(["insert", "archive", "update"]);
      const [, second] = history;
      expect(second?.schema).toBe("post");
      if (second?.schema !== "post") throw new Error("unreachable");
      expect(second.payload?.title).toBe("v0"); // narrowed to Post: `title` is known to the types
      const upTo = await backtrace(t.db, events, appended[10]!);
      expect(upTo.map((e) => e.id)).toEqual(appended.slice(0, 11).map((e) => e.id));
      expect(await listByParent(t.db, events, newEventId())).toEqual([]);
    });

    test("appending to a record that does not exist, or to an event that is not its first, writes nothing", async () => {
      const before = await count(t, "events");
      const missing = newEventId();
      const error = await expectRejects(
        appendEvent(t.db, events, { schema: "user", action: "update", payload: null, parentId: missing }),
        { instanceOf: SpectorRecordNotFoundError, mentions: [`no record ${missing} in events`] },
      );
      expect(error).toMatchObject({ table: "events", parentId: missing, foundParentId: undefined });

      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      const child = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: null,
        parentId: root.id,
      });
      const notFirst = await expectRejects(
        appendEvent(t.db, events, { schema: "user", action: "update", payload: null, parentId: child.id }),
        { instanceOf: SpectorRecordNotFoundError },
      );
      expect(notFirst).toMatchObject({ foundParentId: root.id });
      expect(await count(t, "events")).toBe(before + 2);
      // with a shard set, and inside a transaction that goes on afterwards
      const inTx = await t.db.transaction(async (tx) => {
        const lost = await expectRejects(
          appendEvent(tx, eventShards, { schema: "user", action: "update", payload: null, parentId: missing }),
          { instanceOf: SpectorRecordNotFoundError },
        );
        const fresh = await appendEvent(tx, eventShards, { schema: "user", action: "insert", payload: null });
        return { lost, fresh };
      });
      expect((inTx.lost as SpectorRecordNotFoundError).table).toBe(
        shardFor(missing, ["shard_0", "shard_1", "shard_2", "shard_3"]),
      );
      expect(await listByParent(t.db, eventShards, inTx.fresh.id)).toHaveLength(1);
    });

    test("bad input is refused before any SQL is sent", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      const cases: [string, (db: PgDatabase<PgQueryResultHKT>) => Promise<unknown>, string][] = [
        [
          "parentId",
          (db) => appendEvent(db, events, { schema: "user", action: "update", payload: null, parentId: "42" }),
          "event.parentId",
        ],
        [
          "schema",
          // @ts-expect-error an unknown schema name does not compile; from JavaScript it is refused
          (db) => appendEvent(db, events, { schema: "nope", action: "insert", payload: null }),
          "event.schema",
        ],
        [
          "action",
          // @ts-expect-error an unknown action name
          (db) => appendEvent(db, events, { schema: "user", action: "publish", payload: null, parentId: root.id }),
          "event.action",
        ],
        [
          "typo",
          // @ts-expect-error a misspelt key would silently start a new record
          (db) => appendEvent(db, events, { schema: "user", action: "update", payload: null, parentID: root.id }),
          "event.parentID",
        ],
        ["list", (db) => listByParent(db, events, "not-a-uuid"), "parentId"],
        // @ts-expect-error a link table is not an events table
        ["table", (db) => listByParent(db, event_ancestors, root.id), "table"],
        ["backtrace", (db) => backtrace(db, events, { id: root.id, parentId: "x" }), "event.parentId"],
        ["link", (db) => link(db, event_ancestors, root.id, "nope"), "to"],
        // @ts-expect-error a typed link needs its type
        ["type", (db) => link(db, event_links, root.id, root.id), "type"],
        ["depth", (db) => ancestors(db, event_ancestors, root.id, { maxDepth: 0 }), "maxDepth"],
        ["depth range", (db) => ancestors(db, event_ancestors, root.id, { maxDepth: 2 ** 40 }), "maxDepth"],
        ["type range", (db) => link(db, event_links, root.id, root.id, { type: 2 ** 31 }), "type"],
        // @ts-expect-error a misspelt option would silently walk without a limit
        ["maxdepth", (db) => ancestors(db, event_ancestors, root.id, { maxdepth: 1 }), "maxdepth"],
        // an untyped link table has no type to filter on (the types allow it; the run-time check refuses it)
        ["untyped filter", (db) => linked(db, event_ancestors, root.id, { type: 1 }), "type"],
        [
          "hash",
          // @ts-expect-error appendEvent computes the hash; it takes none
          (db) => appendEvent(db, events, { schema: "user", action: "insert", payload: null, hash: "00" }),
          "event.hash",
        ],
        [
          "no hash",
          // @ts-expect-error no hash column on an unhashed table
          (db) => appendEvent(db, eventShards, { schema: "user", action: "insert", payload: null, hash: null }),
          "event.hash",
        ],
        // @ts-expect-error a bad direction
        ["direction", (db) => linked(db, event_ancestors, root.id, { direction: "up" }), "direction"],
      ];
      for (const [what, run, option] of cases) await expectRefusedBeforeSql(t, run, { option }, what);
      await expectRefusedBeforeSql(
        t,
        (db) => appendEvent(db, events, { schema: "nope" as "user", action: "insert", payload: null }),
        { option: "event.schema", mentions: ['one of the names of `schemas` of table events: "user", "post"'] },
      );
      // the column itself refuses an unknown name in any query, while the query is built
      const sent: string[] = [];
      expect(() =>
        t
          .logged(sent)
          .select()
          .from(events)
          .where(eq(events.schema, "nope" as "user"))
          .toSQL(),
      ).toThrow(SpectorOptionError);
      expect(sent).toEqual([]);
    });

    test("an integer with no name fails the read, naming table, column and value; rawCodes reads it", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, inserted_at, updated_at) VALUES ($1, $2, 7, 99, now(), now())`,
        [newEventId(), root.id],
      );
      const error = await expectRejects(listByParent(t.db, events, root.id), {
        instanceOf: SpectorUnknownCodeError,
        mentions: ["events.schema holds 7"],
      });
      expect(error).toMatchObject({ table: "events", column: "schema", code: 7 });
      const rows = await t.db
        .select(rawCodes(events))
        .from(events)
        .where(eq(events.parentId, root.id))
        .orderBy(events.id);
      expect(rows.map((r) => [r.schema, r.action])).toEqual([
        [0, 1],
        [7, 99],
      ]);
      expect(Object.keys(rows[0]!)).toEqual(Object.keys(getTableColumns(events)));
    });

    test("helpers run inside a transaction and roll back with it", async () => {
      const before = await count(t, "events");
      await expectRejects(
        t.db.transaction(async (tx) => {
          const user = await appendEvent(tx, events, { schema: "user", action: "insert", payload: { name: "tx" } });
          await appendEvent(tx, events, {
            schema: "user",
            action: "update",
            payload: { name: "tx2" },
            parentId: user.id,
          });
          expect(await listByParent(tx, events, user.id)).toHaveLength(2);
          throw new Error("roll back");
        }),
        { mentions: ["roll back"] },
      );
      expect(await count(t, "events")).toBe(before);
    });

    test("link writes a link, linked reads it from either end, and a cross-record link is refused (before SQL for events, by the rule for bare ids)", async () => {
      const root = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "r" } });
      const a = await appendEvent(t.db, events, {
        schema: "post",
        action: "update",
        payload: { title: "a" },
        parentId: root.id,
      });
      const other = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "o" } });
      const row = await link(t.db, event_ancestors, a, root);
      expect(row).toEqual({ eventId: a.id, ancestorId: root.id });
      const out = await linked(t.db, event_ancestors, a);
      expect(out.map((l) => l.event.id)).toEqual([root.id]);
      expect(out[0]!.link).toEqual(row);
      expect(out[0]!.event.schema).toBe("post");
      const back = await linked(t.db, event_ancestors, root.id, { direction: "in" });
      expect(back.map((l) => l.event.id)).toEqual([a.id]);
      // events of two records: refused before SQL when both are events, by the database rule for ids
      await expectRefusedBeforeSql(t, (db) => link(db, event_ancestors, a, other), { option: "to" });
      await expectRejects(link(t.db, event_ancestors, a.id, other.id), {
        instanceOf: SpectorSameParentError,
        sqlstate: "23514",
        mentions: ["same-parent rule of event_ancestors refused a link across records"],
      });
      // a typed, unconstrained link table crosses records and keeps its type
      const typed = await link(t.db, event_links, a, other, { type: 5 });
      expect(typed).toEqual({ eventId: a.id, linkedId: other.id, type: 5 });
      expect((await linked(t.db, event_links, a.id)).map((l) => [l.event.id, l.link.type])).toEqual([[other.id, 5]]);
    });

    test("the rule refusing a link gives a SpectorSameParentError (code 23514, the link table, both events and parents, the driver's error as cause), in a transaction too; a CHECK of the user's does not", async () => {
      const a = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "a" } });
      const b = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "b" } });
      const bChild = await appendEvent(t.db, events, {
        schema: "post",
        action: "update",
        payload: { title: "b2" },
        parentId: b.id,
      });
      const error = (await expectRejects(link(t.db, event_ancestors, a.id, bChild.id), {
        instanceOf: SpectorSameParentError,
      })) as SpectorSameParentError;
      expect(error).toMatchObject({
        name: "SpectorSameParentError",
        code: "23514",
        table: "event_ancestors",
        foreignKey: "ancestor_id",
        eventId: a.id,
        eventParentId: a.id,
        otherId: bChild.id,
        otherParentId: b.id,
      });
      expect(error.message).toBe(
        `drizzle-spector: the same-parent rule of event_ancestors refused a link across records: event_id ${a.id} ` +
          `(record ${a.id}), ancestor_id ${bChild.id} (record ${b.id}); both ends of a link must belong to one record ` +
          "(SQLSTATE 23514); nothing was written",
      );
      // the query's error is kept: Drizzle's, around the driver's with the SQLSTATE and the rule's message
      expect(error.cause).toBeInstanceOf(DrizzleQueryError);
      const driver = (error.cause as DrizzleQueryError).cause as { code?: string; message?: string };
      expect(driver.code).toBe("23514");
      expect(driver.message).toContain("Link events must have the same parent_id");
      // inside a transaction: the same error, and the transaction rolls back with it
      const before = await count(t, "event_ancestors");
      await expectRejects(
        t.db.transaction(async (tx) => {
          await link(tx, event_ancestors, bChild, b);
          await link(tx, event_ancestors, bChild.id, a.id);
        }),
        { instanceOf: SpectorSameParentError, mentions: [`ancestor_id ${a.id} (record ${a.id})`] },
      );
      expect(await count(t, "event_ancestors")).toBe(before);
      // a CHECK constraint of the user's has the same SQLSTATE but is no same-parent violation: Drizzle's error
      await t.query("ALTER TABLE event_links ADD CONSTRAINT no_type_99 CHECK (type <> 99)");
      try {
        const refused = await expectRejects(link(t.db, event_links, a, b, { type: 99 }), {
          instanceOf: DrizzleQueryError,
          sqlstate: "23514",
          mentions: ["no_type_99"],
        });
        expect(refused).not.toBeInstanceOf(SpectorSameParentError);
      } finally {
        await t.query("ALTER TABLE event_links DROP CONSTRAINT no_type_99");
      }
    });

    test("ancestors walks the graph once per event, with the fewest links as depth, and ends on cycles", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { name: "g" } });
      const e = [root];
      for (let i = 1; i <= 5; i++)
        e.push(
          await appendEvent(t.db, events, {
            schema: "user",
            action: "update",
            payload: { name: `${i}` },
            parentId: root.id,
          }),
        );
      const edges: [number, number][] = [
        [5, 4],
        [4, 3],
        [3, 2],
        [2, 5], // a cycle back to the start
        [5, 3], // a shortcut: 3 is at depth 1, not 2
        [2, 1],
        [3, 1], // a diamond: 1 is reached twice at depth 2
        [1, 0],
      ];
      for (const [from, to] of edges) await link(t.db, event_ancestors, e[from]!, e[to]!);
      const found = await ancestors(t.db, event_ancestors, e[5]!);
      const byId = new Map(e.map((event, i) => [event.id, i]));
      expect(found.map((a) => [byId.get(a.event.id), a.depth])).toEqual([
        [3, 1],
        [4, 1],
        [1, 2],
        [2, 2],
        [0, 3],
      ]);
      expect(found[0]!.event.schema).toBe("user");
      const near = await ancestors(t.db, event_ancestors, e[5]!.id, { maxDepth: 1 });
      expect(near.map((a) => byId.get(a.event.id))).toEqual([3, 4]);
      const two = await ancestors(t.db, event_ancestors, e[5]!.id, { maxDepth: 2 });
      expect(two.map((a) => [byId.get(a.event.id), a.depth])).toEqual([
        [3, 1],
        [4, 1],
        [1, 2],
        [2, 2],
      ]);
      const upTwo = await ancestors(t.db, event_ancestors, e[0]!, { direction: "in", maxDepth: 2 });
      expect(upTwo.map((a) => [byId.get(a.event.id), a.depth])).toEqual([
        [1, 1],
        [2, 2],
        [3, 2],
      ]);
      const down = await ancestors(t.db, event_ancestors, e[0]!, { direction: "in" });
      expect(down.map((a) => [byId.get(a.event.id), a.depth])).toEqual([
        [1, 1],
        [2, 2],
        [3, 2],
        [4, 3],
        [5, 3],
      ]);
      expect(await ancestors(t.db, event_ancestors, e[0]!)).toEqual([]);
    });

    test("a shard set routes each record to one shard, and refuses links across shards", async () => {
      const records = [];
      for (let i = 0; i < 24; i++) {
        const first = await appendEvent(t.db, eventShards, { schema: "user", action: "insert", payload: { i } });
        const next = await appendEvent(t.db, eventShards, {
          schema: "user",
          action: "update",
          payload: { i },
          parentId: first.id,
        });
        records.push([first, next] as const);
      }
      for (const [first, next] of records) {
        const shard = shardFor(first.id, ["shard_0", "shard_1", "shard_2", "shard_3"]);
        const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${shard} WHERE parent_id = $1`, [
          first.id,
        ]);
        expect(row!.n).toBe(2);
        expect((await listByParent(t.db, eventShards, first.id)).map((e) => e.id)).toEqual([first.id, next.id]);
        expect(await backtrace(t.db, eventShards, next)).toHaveLength(2);
      }
      const used = new Set(records.map(([first]) => shardFor(first.id, [0, 1, 2, 3])));
      expect(used.size).toBeGreaterThan(1);
      const [a1, a2] = records[0]!;
      expect(await link(t.db, ancestorShards, a2, a1)).toEqual({ eventId: a2.id, ancestorId: a1.id });
      expect((await ancestors(t.db, ancestorShards, a2)).map((a) => a.event.id)).toEqual([a1.id]);
      const elsewhere = records.find(
        ([first]) => shardFor(first.id, [0, 1, 2, 3]) !== shardFor(a1.id, [0, 1, 2, 3]),
      )![0];
      const shards = ["shard_0", "shard_1", "shard_2", "shard_3"];
      await expectRefusedBeforeSql(t, (db) => link(db, ancestorShards, a1, elsewhere), {
        option: "to",
        mentions: [
          "same shard",
          `record ${a1.parentId} lives in ${shardFor(a1.parentId, shards)}, record ${elsewhere.parentId} in ${shardFor(elsewhere.parentId, shards)})`,
        ],
      });
      // bare ids route too: a record's id by its shard, a later event's id by a lookup (test/shard-ids.test.ts)
      expect((await linked(t.db, ancestorShards, a2.id)).map((l) => l.event.id)).toEqual([a1.id]);
      expect((await linked(t.db, ancestorShards, a1.id, { direction: "in" })).map((l) => l.event.id)).toEqual([a2.id]);
    });

    test("payloads come back as written, JSON strings included; hash is written when given", async () => {
      for (const payload of ["42", "null", "true", '{"a":1}', "", 0, false, [], {}, { nested: ["x", null] }, null]) {
        const row = await appendEvent(t.db, eventShards, { schema: "user", action: "insert", payload });
        expect(row.payload, JSON.stringify(payload)).toEqual(payload);
        expect((await listByParent(t.db, eventShards, row.id))[0]!.payload, JSON.stringify(payload)).toEqual(payload);
      }
      const first = await appendEvent(t.db, eventShards, { schema: "user", action: "insert", payload: "null" });
      const next = await appendEvent(t.db, eventShards, {
        schema: "user",
        action: "update",
        payload: "42",
        parentId: first.id,
      });
      expect(next.payload).toBe("42");
      expect((await listByParent(t.db, eventShards, first.id)).map((e) => e.payload)).toEqual(["null", "42"]);
      // on a hashed table a null payload is hashed as Elixir encodes nil, `null`
      const hashed = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      const child = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: null,
        parentId: hashed.id,
      });
      const stored = await t.query<{ hash: string }>(
        `SELECT encode(hash, 'hex') AS hash FROM events WHERE parent_id = $1 ORDER BY id`,
        [hashed.id],
      );
      expect(stored.map((r) => r.hash)).toEqual([
        Buffer.from(hashed.hash!).toString("hex"),
        spectorHash(hashed.hash!, "Elixir.MyApp.User", "update", "null").toString("hex"),
      ]);
    });

    test("a typed link table holds several types between the same events, which linked orders and filters by type", async () => {
      const root = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "t" } });
      const other = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "u" } });
      for (const type of [3, 1, 2]) await link(t.db, event_links, root, other, { type });
      expect((await linked(t.db, event_links, root)).map((l) => l.link.type)).toEqual([1, 2, 3]);
      expect(
        (await linked(t.db, event_links, other, { direction: "in", type: 2 })).map((l) => [l.event.id, l.link.type]),
      ).toEqual([[root.id, 2]]);
      expect((await ancestors(t.db, event_links, root, { type: 4 })).map((a) => a.event.id)).toEqual([]);
      expect((await ancestors(t.db, event_links, root, { type: 1 })).map((a) => a.event.id)).toEqual([other.id]);
    });

    test("one shard given alone: refused for a record of another shard, and new records start in it", async () => {
      const { shard_0, shard_1 } = sharded;
      const first = await appendEvent(t.db, shard_1, { schema: "user", action: "insert", payload: null });
      expect(shardFor(first.id, ["shard_0", "shard_1", "shard_2", "shard_3"])).toBe("shard_1");
      expect((await listByParent(t.db, eventShards, first.id)).map((e) => e.id)).toEqual([first.id]);
      await expectRefusedBeforeSql(t, (db) => listByParent(db, shard_0, first.id), {
        option: "table",
        mentions: [`the shard of record ${first.id}, which is shard_1`],
      });
      // a lone shard's link table checks both ends
      const inShard0 = await appendEvent(t.db, shard_0, { schema: "user", action: "insert", payload: null });
      await expectRefusedBeforeSql(t, (db) => link(db, sharded.shard_0_ancestors, inShard0, first), {
        option: "to",
        mentions: [`record ${first.id} lives in shard_1`],
      });
      await expectRefusedBeforeSql(t, (db) => link(db, sharded.shard_0_ancestors, first, inShard0), {
        option: "table",
      });
    });

    test("recordIndex adds (parent_id, id) next to Spector's indexes, and the read helpers use it", async () => {
      const indexed = spectorTables({ table: "indexed", pgSchema: "ordered", recordIndex: true });
      await t.execMigration(await createSql(indexed, ["ordered"]));
      const layout = await readLayout(t, "ordered");
      expect(layout.indexed!.indexes.map((i) => i.name)).toEqual([
        "indexed_inserted_at_index",
        "indexed_parent_id_id_index",
        "indexed_parent_id_index",
        "indexed_pkey",
        "indexed_schema_index",
      ]);
      expect(layout.indexed!.indexes.find((i) => i.name === "indexed_parent_id_id_index")!.definition).toMatch(
        /USING btree \(parent_id, id\)$/,
      );
      const first = await appendEvent(t.db, indexed.indexed, { schema: 0, action: 1, payload: null });
      const next = await appendEvent(t.db, indexed.indexed, {
        schema: 0,
        action: 2,
        payload: null,
        parentId: first.id,
      });
      expect((await backtrace(t.db, indexed.indexed, next)).map((e) => e.id)).toEqual([first.id, next.id]);
      // the SQL backtrace sends, explained with its parameters; a two-row table would be read
      // sequentially, so that is turned off for the one transaction
      const sent: string[] = [];
      await backtrace(t.logged(sent), indexed.indexed, next);
      expect(sent).toHaveLength(1);
      // its parameters in the order the SQL has them: the record and the event, then the event's own row
      const params = [first.id, next.id, next.id, first.id];
      expect(sent[0]!.match(/\$\d+/g)).toEqual(["$1", "$2", "$3", "$4"]);
      const bound = sent[0]!.replace(/\$(\d+)/g, (_, n: string) => `'${params[Number(n) - 1]}'`);
      const plan = await t.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL enable_seqscan = off`);
        const result = await tx.execute(sql.raw(`EXPLAIN ${bound}`));
        return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { "QUERY PLAN": string }[];
      });
      const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
      expect(text).toMatch(/Index (Only )?Scan using indexed_parent_id_id_index/);
      expect(text).not.toMatch(/Sort/);
    });

    test("with spectorRelations, db.query loads a record's events and their links in one query", async () => {
      const db = t.withSchema({ ...app, ...spectorRelations(app) });
      const root = await appendEvent(t.db, events, { schema: "post", action: "insert", payload: { title: "q" } });
      const next = await appendEvent(t.db, events, {
        schema: "post",
        action: "update",
        payload: { title: "q2" },
        parentId: root.id,
      });
      await link(t.db, event_ancestors, next, root);
      const record = await db.query.events.findFirst({
        where: (e, { eq }) => eq(e.id, root.id),
        with: {
          children: { orderBy: (e, { asc }) => [asc(e.id)], with: { eventAncestors: { with: { ancestor: true } } } },
          eventAncestorsIncoming: { with: { event: true } },
        },
      });
      expect(record?.action).toBe("insert");
      expect(record?.children.map((c) => [c.id, c.action])).toEqual([
        [root.id, "insert"],
        [next.id, "update"],
      ]);
      expect(record?.children[1]?.eventAncestors.map((l) => l.ancestor.id)).toEqual([root.id]);
      expect(record?.children[1]?.eventAncestors[0]?.ancestor.schema).toBe("post");
      expect(record?.eventAncestorsIncoming.map((l) => l.event.id)).toEqual([next.id]);
      const child = await db.query.events.findFirst({
        where: (e, { eq }) => eq(e.id, next.id),
        with: { parent: true },
      });
      expect(child?.parent.id).toBe(root.id);
      const both = await db.query.events.findMany({
        where: (e, { eq }) => eq(e.parentId, root.id),
        orderBy: (e, { asc }) => [asc(e.id)],
        with: { parent: { columns: { id: true } }, eventAncestors: { columns: { ancestorId: true } } },
      });
      expect(both.map((e) => [e.id, e.parent.id, e.eventAncestors.map((l) => l.ancestorId)])).toEqual([
        [root.id, root.id, []],
        [next.id, root.id, [root.id]],
      ]);
      const other = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { name: "o" } });
      await link(t.db, event_links, next, other, { type: 9 });
      const typedLinks = await db.query.event_links.findMany({
        where: (l, { eq }) => eq(l.type, 9),
        with: { event: true, linked: true },
      });
      expect(typedLinks.map((l) => [l.event.id, l.linked.id, l.linked.schema])).toEqual([[next.id, other.id, "user"]]);
    });

    test("the helpers inside a transaction see its writes, and the record after it commits", async () => {
      const db = t.db;
      const user = await appendEvent(db, events, { schema: "user", action: "insert", payload: { name: "pg" } });
      const text = await appendEvent(db, eventShards, { schema: "user", action: "insert", payload: "42" });
      expect((await listByParent(db, eventShards, text.id))[0]!.payload).toBe("42");
      const next = await appendEvent(db, events, {
        schema: "user",
        action: "archive",
        payload: { name: "pg2" },
        parentId: user.id,
      });
      await link(db, event_ancestors, next, user);
      expect((await listByParent(db, events, user.id)).map((e) => [e.id, e.action])).toEqual([
        [user.id, "insert"],
        [next.id, "archive"],
      ]);
      expect((await ancestors(db, event_ancestors, next)).map((a) => [a.event.id, a.depth])).toEqual([[user.id, 1]]);
      await db.transaction(async (tx) => {
        const third = await appendEvent(tx, events, {
          schema: "user",
          action: "update",
          payload: { name: "pg3" },
          parentId: user.id,
        });
        expect((await listByParent(tx, events, user.id)).map((e) => e.id)).toEqual([user.id, next.id, third.id]);
        expect((await backtrace(tx, events, next)).map((e) => e.id)).toEqual([user.id, next.id]);
        expect((await linked(tx, event_ancestors, user, { direction: "in" })).map((l) => l.event.id)).toEqual([
          next.id,
        ]);
      });
      expect(await listByParent(db, events, user.id)).toHaveLength(3);
      expect((await backtrace(db, events, next)).map((e) => e.action)).toEqual(["insert", "archive"]);
    });

    test("a payload that is no JSON value is refused before any SQL is sent, naming where it is, what it is and what is expected", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      const cycle: { items: unknown[] } = { items: [] };
      cycle.items.push(cycle);
      class Point {
        constructor(readonly x: number) {}
      }
      const cases: [what: string, payload: unknown, option: string, mentions: string[]][] = [
        ["undefined", undefined, "event.payload", ["`undefined` is none", "got `undefined` (undefined)"]],
        ["an undefined property", { a: 1, b: undefined }, "event.payload.b", ["leave the key out, or write `null`"]],
        ["undefined in an array", { items: [0, 1, 2, undefined] }, "event.payload.items[3]", ["`undefined` is none"]],
        ["a hole", [1, , 3], "event.payload[1]", ["the array has a hole here"]],
        ["a function", { f: () => 1 }, "event.payload.f", ["a function is none", "(function)"]],
        ["a toJSON method", { toJSON: () => "x" }, "event.payload.toJSON", ["a function is none"]],
        ["a symbol", Symbol("s"), "event.payload", ["a symbol is none", "`Symbol(s)` (symbol)"]],
        ["a symbol key", { [Symbol("k")]: 1 }, "event.payload", ["a symbol key (Symbol(k))"]],
        ["a BigInt", { n: 10n }, "event.payload.n", ["JSON has no `BigInt`", "`10n` (bigint)"]],
        ["NaN", { x: NaN }, "event.payload.x", ["JSON has no `NaN` or `Infinity`", "`NaN` (number)"]],
        ["Infinity", [Infinity], "event.payload[0]", ["`Infinity` (number)"]],
        ["-Infinity", -Infinity, "event.payload", ["`-Infinity` (number)"]],
        [
          "a cycle",
          cycle,
          "event.payload.items[0]",
          ["contains itself (a cycle)", '`{"items":[[Circular]]}` (object)'],
        ],
        [
          "a Date",
          { at: new Date(0) },
          "event.payload.at",
          ["a `Date` is not a plain object", "toISOString()", "(Date)"],
        ],
        ["a Map", new Map([["a", 1]]), "event.payload", ["a `Map` is not a plain object", "Object.fromEntries"]],
        ["a Set", { tags: new Set(["a"]) }, "event.payload.tags", ["a `Set` is not a plain object", "[...set]"]],
        [
          "a class instance",
          new Point(1),
          "event.payload",
          ["a `Point` is not a plain object", '`Point {"x":1}` (Point)'],
        ],
        [
          "a Buffer",
          { bytes: Buffer.from("x") },
          "event.payload.bytes",
          ["a `Buffer` is not a plain object", "base64"],
        ],
        ["a boxed string", [new String("s")], "event.payload[0]", ["a `String` is not a plain object"]],
        ["a NUL character", { note: "a\u0000b" }, "event.payload.note", ["the NUL character"]],
        ["a NUL in a key", { "a\u0000": 1 }, 'event.payload["a\\u0000"]', ["the NUL character"]],
        ["a lone surrogate", ["\ud800"], "event.payload[0]", ["a lone UTF-16 surrogate"]],
        ["a key that is no identifier", { "first name": undefined }, 'event.payload["first name"]', []],
      ];
      for (const parentId of [undefined, root.id]) {
        for (const [what, payload, option, mentions] of cases) {
          const event = { schema: "user", action: "update", payload, ...(parentId && { parentId }) } as const;
          await expectRefusedBeforeSql(
            t,
            (db) => appendEvent(db, events, event as never),
            { option, mentions: ["to be a JSON value (a plain object, an array", ...mentions] },
            `${what}${parentId ? ", joining a record" : ""}`,
          );
        }
      }
      await expectRefusedBeforeSql(
        t,
        (db) => appendEvent(db, eventShards, { schema: "user", action: "insert", payload: { x: NaN } }),
        { option: "event.payload.x" },
      );
      // too deep: the path is that of the first array past the limit (kept whole in `option`)
      const tooDeep = nested(MAX_PAYLOAD_DEPTH + 1);
      const deep = await expectRefusedBeforeSql(
        t,
        (db) => appendEvent(db, eventShards, { schema: "user", action: "insert", payload: tooDeep }),
        { instanceOf: SpectorOptionError, mentions: [`nested at most ${MAX_PAYLOAD_DEPTH} arrays or objects deep`] },
      );
      expect((deep as SpectorOptionError).option).toBe(`event.payload${"[0]".repeat(MAX_PAYLOAD_DEPTH)}`);
    });

    test("JSON payloads are stored as they were checked, on both paths of appendEvent, up to the depth limit", async () => {
      const bare = Object.create(null) as Record<string, unknown>;
      bare.k = "v";
      const payloads: unknown[] = [
        nested(MAX_PAYLOAD_DEPTH),
        bare,
        { "first name": "Ada", "": 0, emoji: "😀", quote: '"', slash: "\\", line: "a\nb" },
        [1.5, -0, 1e300, -1e-300, true, false, null, "x", { a: [] }],
        { toJSON: null, constructor: "c", __proto__x: 1 },
      ];
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      for (const payload of payloads) {
        const expected = JSON.parse(JSON.stringify(payload)); // -0 is written 0
        const started = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: payload as User });
        const joined = await appendEvent(t.db, events, {
          schema: "user",
          action: "update",
          payload: payload as User,
          parentId: root.id,
        });
        for (const row of [started, joined]) {
          expect(row.payload).toEqual(expected);
          const [stored] = await t.query<{ same: boolean }>(
            `SELECT payload = $1::jsonb AS same FROM events WHERE id = $2`,
            [JSON.stringify(payload), row.id],
          );
          expect(stored!.same, JSON.stringify(payload).slice(0, 80)).toBe(true);
        }
      }
      // the payload is read once, as it is checked, and that reading is what is stored
      let reads = 0;
      const fickle = {
        get n() {
          reads++;
          return reads === 1 ? 1 : undefined;
        },
      };
      const row = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: fickle as never });
      expect(reads).toBe(1);
      expect(row.payload).toEqual({ n: 1 });
    });

    test("an error shows at most 200 characters of a value or path: a 20 MB payload stays out of its message", async () => {
      const huge = "x".repeat(20_000_000);
      const refused = await expectRefusedBeforeSql(
        t,
        (db) => appendEvent(db, eventShards, { schema: "user", action: "insert", payload: { note: `${huge}\u0000` } }),
        {
          option: "event.payload.note",
          mentions: ['`"xxx', "…` (string of 20000001 bytes, first 200 characters shown)"],
        },
      );
      expect(refused.message.length).toBeLessThan(600);
      expect((refused as SpectorOptionError).value).toBe(`${huge}\u0000`); // the error keeps the value whole
      class Blob {
        constructor(readonly data: string) {}
      }
      const whole = await expectRefusedBeforeSql(
        t,
        (db) => appendEvent(db, events, { schema: "user", action: "insert", payload: new Blob(huge) as never }),
        { option: "event.payload", mentions: ['`Blob {"data":"xxx', "…` (Blob, first 200 characters shown)"] },
      );
      expect(whole.message.length).toBeLessThan(600);
      const key = "k".repeat(1_000_000);
      const path = await expectRefusedBeforeSql(
        t,
        (db) => appendEvent(db, eventShards, { schema: "user", action: "insert", payload: { [key]: undefined } }),
        { instanceOf: SpectorOptionError, mentions: ["`event.payload.kkk", "… (1000014 characters)`"] },
      );
      expect((path as SpectorOptionError).option).toBe(`event.payload.${key}`);
      expect(path.message.length).toBeLessThan(600);
      // a failed query: Drizzle's error lists every parameter, here the 20 MB payload; its message shows it in part
      const { not_migrated } = spectorTables({ table: "not_migrated" });
      let failed: unknown;
      try {
        await appendEvent(t.db, not_migrated, { schema: 0, action: 1, payload: { huge } });
      } catch (error) {
        failed = error;
      }
      expect(pgError(failed).code).toBe("42P01");
      const message = (failed as Error).message;
      expect(message).toMatch(/^Failed query: insert into "not_migrated"/);
      expect(message).toContain(`,{"huge":"xxx`);
      expect(message).toContain(`… (20000011 characters)`);
      expect(message.length).toBeLessThan(1000);
      expect((failed as Error).stack!.length).toBeLessThan(5000);
      expect((failed as { params: unknown[] }).params).toContain(JSON.stringify({ huge })); // the error's params stay whole
    });

    test("UUIDs compare in any case: link, shard routing and the reads take 'ABC…' for 'abc…'", async () => {
      const upper = (event: { id: string; parentId: string }) => ({
        id: event.id.toUpperCase(),
        parentId: event.parentId.toUpperCase(),
      });
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      const next = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: null,
        parentId: root.id.toUpperCase(),
      });
      expect(next.parentId).toBe(root.id);
      // both ends of one record, its parent spelt in two cases: one record, not a cross-record link
      expect(await link(t.db, event_ancestors, next, upper(root))).toEqual({ eventId: next.id, ancestorId: root.id });
      const third = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: null,
        parentId: root.id,
      });
      expect(await link(t.db, event_ancestors, upper(third), next)).toEqual({ eventId: third.id, ancestorId: next.id });
      expect((await backtrace(t.db, events, upper(next))).map((e) => e.id)).toEqual([root.id, next.id]);
      // a shard set routes a record spelt in capitals to its shard
      const shards = ["shard_0", "shard_1", "shard_2", "shard_3"];
      const first = await appendEvent(t.db, eventShards, { schema: "user", action: "insert", payload: null });
      expect(shardHash(first.id.toUpperCase())).toBe(shardHash(first.id));
      expect(shardFor(first.id.toUpperCase(), shards)).toBe(shardFor(first.id, shards));
      const second = await appendEvent(t.db, eventShards, {
        schema: "user",
        action: "update",
        payload: null,
        parentId: first.id.toUpperCase(),
      });
      expect((await listByParent(t.db, eventShards, first.id.toUpperCase())).map((e) => e.id)).toEqual([
        first.id,
        second.id,
      ]);
      expect(await link(t.db, ancestorShards, second, upper(first))).toEqual({
        eventId: second.id,
        ancestorId: first.id,
      });
      // one shard given alone takes its own records in capitals
      const lone = await appendEvent(t.db, sharded.shard_2, { schema: "user", action: "insert", payload: null });
      expect(await listByParent(t.db, sharded.shard_2, lone.id.toUpperCase())).toHaveLength(1);
    });

    test("backtrace reads only the record its event belongs to: an event of another record, or of none, gives []; a parentId that is no record's first event is refused", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null });
      const next = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: null,
        parentId: root.id,
      });
      const other = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null }); // a later id
      expect((await backtrace(t.db, events, next)).map((e) => e.id)).toEqual([root.id, next.id]);
      expect(await backtrace(t.db, events, { id: other.id, parentId: root.id })).toEqual([]);
      expect(await backtrace(t.db, events, { id: newEventId(), parentId: root.id })).toEqual([]);
      expect(await backtrace(t.db, events, { id: next.id, parentId: other.id })).toEqual([]);
      // a parentId that is an event, but not its record's first: refused, naming the record (test/shard-messages.test.ts)
      await expectRejects(backtrace(t.db, events, { id: next.id, parentId: next.id }), {
        instanceOf: SpectorRecordNotFoundError,
        mentions: [`is not the first event of its record (that is ${root.id})`],
      });
      const a = await appendEvent(t.db, eventShards, { schema: "user", action: "insert", payload: null });
      const b = await appendEvent(t.db, eventShards, { schema: "user", action: "insert", payload: null });
      expect(await backtrace(t.db, eventShards, { id: b.id, parentId: a.id })).toEqual([]);
      expect(await backtrace(t.db, eventShards, b)).toEqual([b]);
    });
  },
  backends({ drivers: true }),
);

describeBackends(
  "appends to one record from concurrent transactions",
  (backend) => {
    const t = useDatabase(backend, async (t) => t.execMigration(await createSql(sharded)));

    // (an unhashed table: on a hashed one, Spector's chain lock makes B wait for A; see spector-chain.test.ts)
    test("ORDER BY id is not commit order: an event committed later can sort before one a reader has already seen", async () => {
      const root = await appendEvent(t.db, eventShards, { schema: "user", action: "insert", payload: null });
      const append = (db: typeof t.db) =>
        appendEvent(db, eventShards, { schema: "user", action: "update", payload: null, parentId: root.id });
      const read = async () => (await listByParent(t.db, eventShards, root.id)).map((e) => e.id);
      let appended!: (event: Awaited<ReturnType<typeof append>>) => void;
      const aWritten = new Promise<Awaited<ReturnType<typeof append>>>((resolve) => (appended = resolve));
      let commit!: () => void;
      const mayCommit = new Promise<void>((resolve) => (commit = resolve));
      // transaction A appends (its id is made first) and stays open until told to commit
      const txA = t.db.transaction(async (tx) => {
        appended(await append(tx));
        await mayCommit;
      });
      const a = await Promise.race([aWritten, txA.then(() => Promise.reject(new Error("A ended before appending")))]);
      const b = await append(t.db); // B appends and commits while A is open
      expect(a.id < b.id).toBe(true);
      expect(await read()).toEqual([root.id, b.id]); // a reader sees B, not A
      commit();
      await txA;
      expect(await read()).toEqual([root.id, a.id, b.id]); // A, committed after B, sorts before it
    });
  },
  backends({ drivers: true }).filter((backend) => backend !== "pglite"), // one connection: no second transaction
);
