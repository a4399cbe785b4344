/**
 * `spectorShards`: one call gives every table of a sharded log (with exact types) and the shard sets
 * the helpers take, built from the same `shards` list; a table left out of the export list is a type
 * error; growing the list keeps routing existing records as before; an array where a shard set belongs
 * is refused with a message that says to pass the set. The sets work with the helpers on PGlite and
 * PostgreSQL.
 */
import { getTableName } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import {
  appendEvent,
  backtrace,
  chainHead,
  link,
  linked,
  listByParent,
  shardFor,
  shardSet,
  spectorShards,
  spectorTables,
  verifyChain,
  type EventTable,
  type LinkTable,
  type ShardSet,
  type SpectorShards,
} from "../src/index.js";
import { shardSetForeign } from "../src/tables/shards.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects, expectThrows } from "./support/failures.js";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

const OPTIONS = {
  shards: ["orders_0", "orders_1", "orders_2"],
  hashed: "record",
  schemas: { order: 0 },
  actions: {},
  links: [
    ["ancestors", "ancestor_id"],
    ["links", "linked_id", { typed: true }],
  ],
} as const;

const orders = spectorShards(OPTIONS);
// the documented export: every table by name, and a rest that must be empty (a table left out is a type error)
const {
  orders_0,
  orders_1,
  orders_2,
  orders_0_heads,
  orders_1_heads,
  orders_2_heads,
  orders_0_ancestors,
  orders_1_ancestors,
  orders_2_ancestors,
  orders_0_links,
  orders_1_links,
  orders_2_links,
  ...unexported
} = orders.tables;
unexported satisfies Record<string, never>;
const orderShards = orders.events;
const ancestorShards = orders.links.ancestors;

describe("spectorShards", () => {
  test("gives the tables of spectorTables, and one shard set of events and one per link spec, in the order of `shards`", () => {
    expect(Object.keys(orders.tables).sort()).toEqual(Object.keys(spectorTables(OPTIONS)).sort());
    expect(unexported).toEqual({});
    expect(orderShards.tables).toEqual([orders_0, orders_1, orders_2]);
    expect(ancestorShards.tables).toEqual([orders_0_ancestors, orders_1_ancestors, orders_2_ancestors]);
    expect(orders.links.links.tables).toEqual([orders_0_links, orders_1_links, orders_2_links]);
    expect(Object.keys(orders.links)).toEqual(["ancestors", "links"]);
    expect([orders_0_heads, orders_1_heads, orders_2_heads].map((t) => getTableName(t))).toEqual([
      "orders_0_heads",
      "orders_1_heads",
      "orders_2_heads",
    ]);
    // the sets are those shardSet makes by hand: the same routing
    const byHand = shardSet([orders_0, orders_1, orders_2]);
    const id = "0c5e6a52-2f5d-4a7b-9c1d-0e1f5c8a3d21";
    expect(shardFor(id, orderShards)).toBe(shardFor(id, byHand));
  });

  test("types every table and set exactly", () => {
    type Options = typeof OPTIONS;
    type Shape = SpectorShards<Options>;
    type Order0 = Shape["tables"]["orders_0"];
    type _events = Expect<
      Equal<typeof orderShards, ShardSet<Order0 | Shape["tables"]["orders_1"] | Shape["tables"]["orders_2"]>>
    >;
    type _table = Expect<Equal<Order0, typeof orders_0>>;
    type _name = Expect<Equal<Order0 extends EventTable<infer N, any, any, any, any, any> ? N : never, "orders_0">>;
    type _ancestors = Expect<
      Equal<
        typeof ancestorShards,
        ShardSet<typeof orders_0_ancestors | typeof orders_1_ancestors | typeof orders_2_ancestors>
      >
    >;
    type _link = Expect<
      Equal<typeof orders_1_links, LinkTable<"orders_1_links", undefined, "linked_id", true, typeof orders_1>>
    >;
    // @ts-expect-error: no link spec of that name
    void orders.links.nope;
    const { orders_0: first, ...missing } = orders.tables;
    // @ts-expect-error: the rest is not empty, naming the tables left out
    missing satisfies Record<string, never>;
    expect(Object.keys(missing)).toContain("orders_1");
    expect(first).toBe(orders_0);
  });

  test("refuses `table` (one events table is spectorTables'), and bad options as spectorTables does", () => {
    // @ts-expect-error: spectorShards makes a sharded log from `shards`
    expectThrows(() => spectorShards({ table: "orders" }), { option: "table", mentions: ["call `spectorTables`"] });
    // @ts-expect-error: no `shards`
    expectThrows(() => spectorShards({}), { option: "shards", mentions: ["a list of events table names"] });
    expectThrows(() => spectorShards({ shards: ["orders_0", "orders_0"] }), { option: "shards[1]" });
  });

  test("grows as spectorTables does: an appended shard with `foreignShards`, existing records routed as before", () => {
    const before = spectorShards({ shards: ["g_0", "g_1"], links: [["ancestors", "ancestor_id"]] });
    const after = spectorShards({
      shards: ["g_0", "g_1", "g_2"],
      foreignShards: 2,
      links: [["ancestors", "ancestor_id"]],
    });
    expect(shardSetForeign(after.events)).toBe(2);
    expect(shardSetForeign(after.links.ancestors)).toBe(2);
    const names = (set: ShardSet<object>) => set.tables.map((t) => getTableName(t as never));
    for (let i = 0; i < 200; i++) {
      const foreign = `0c5e6a52-2f5d-4a7b-9c1d-${i.toString(16).padStart(12, "0")}`;
      const old = getTableName(shardFor(foreign, before.events) as never);
      expect(getTableName(shardFor(foreign, after.events) as never)).toBe(old);
      expect(getTableName(shardFor(foreign, after.links.ancestors) as never)).toBe(`${old}_ancestors`);
    }
    expect(names(after.links.ancestors)).toEqual(["g_0_ancestors", "g_1_ancestors", "g_2_ancestors"]);
  });
});

describeBackends("spectorShards' sets with the helpers", (backend) => {
  const t = useDatabase(backend, async (db) => db.execMigration(await createSql(orders.tables)));

  test("append, read, link and verify through the sets; an array in their place says to pass the set", async () => {
    const order = await appendEvent(t.db, orderShards, { schema: "order", action: "insert", payload: { n: 1 } });
    const paid = await appendEvent(t.db, orderShards, {
      schema: "order",
      action: "update",
      payload: { paid: true },
      parentId: order.id,
    });
    expect((await listByParent(t.db, orderShards, order.id)).map((e) => e.id)).toEqual([order.id, paid.id]);
    expect((await backtrace(t.db, orderShards, paid)).map((e) => e.id)).toEqual([order.id, paid.id]);
    expect(await link(t.db, ancestorShards, paid, order)).toEqual({ eventId: paid.id, ancestorId: order.id });
    expect(await link(t.db, orders.links.links, paid, order, { type: 7 })).toMatchObject({ type: 7 });
    expect((await linked(t.db, ancestorShards, paid)).map((l) => l.event.id)).toEqual([order.id]);
    expect(await chainHead(t.db, orderShards, order.id)).toMatchObject({ eventCount: 2, lastId: paid.id });
    expect(await verifyChain(t.db, orderShards)).toEqual({ ok: true, count: 2 });

    const tables = [orders_0, orders_1, orders_2];
    const shown = '["events table orders_0","events table orders_1","events table orders_2"]';
    for (const run of [
      // @ts-expect-error: an array is not a shard set
      () => appendEvent(t.db, tables, { schema: "order", action: "insert", payload: null }),
      // @ts-expect-error: nor here
      () => listByParent(t.db, tables, order.id),
      // @ts-expect-error: nor here
      () => verifyChain(t.db, tables),
    ]) {
      const error = await expectRejects(run, {
        option: "table",
        mentions: ["not an array: pass the shard set of these tables, `spectorShards(...).events`", shown],
      });
      expect(error.message.length).toBeLessThan(500);
    }
    const linkTables = [orders_0_ancestors, orders_1_ancestors, orders_2_ancestors];
    // @ts-expect-error: an array of link tables is not a shard set either
    await expectRejects(link(t.db, linkTables, paid, order), {
      option: "table",
      mentions: ["a link table or a shard set, not an array", "link table orders_0_ancestors"],
    });
  });
});
