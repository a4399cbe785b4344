/**
 * Upcasting and per-action payload types, on PGlite and (with DATABASE_URL) PostgreSQL: payloads
 * stored at versions 1, 2 and 3 (Spector's `__version__`) read as version 3 from every read helper
 * (`listByParent`, `backtrace`, `linked`, `ancestors`, `aggregate`) through the one function the table
 * declares, while the database keeps what was written; the option's checks; and the row types of a
 * `payloads` map typed per schema and action (`npm test` type-checks this file: a type assertion that
 * does not hold fails the run).
 */
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  aggregate,
  ancestors,
  appendEvent,
  backtrace,
  eventTable,
  link,
  linked,
  listByParent,
  payloadType,
  savepoint,
  spectorTables,
  type ByAction,
  type EventRow,
  type NewEvent,
} from "../src/index.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectThrows } from "./support/failures.js";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

/** Version 1 wrote one line, version 2 a list of lines, version 3 adds the currency. */
type OrderV1 = { sku: string; qty: number };
type OrderV2 = { lines: { sku: string; qty: number }[]; __version__: 2 };
type Order = { lines: { sku: string; qty: number }[]; currency: string; __version__: 3 };
type Note = { text: string };

const calls: { version: number; action: unknown }[] = [];

/** The one upcaster of `order`: each step of the chain in turn, from the version stored. */
function upcastOrder(payload: any, version: number, action: unknown): Order {
  calls.push({ version, action });
  let p = payload;
  if (version < 2) p = { lines: [{ sku: (p as OrderV1).sku, qty: (p as OrderV1).qty }], __version__: 2 };
  if (version < 3) p = { ...(p as OrderV2), currency: "EUR", __version__: 3 };
  return p as Order;
}

const shop = spectorTables({
  table: "shop",
  schemas: { order: 0, note: 1 },
  actions: { ship: 20 },
  payloads: payloadType<{ order: Order; note: Note }>(),
  upcast: { order: upcastOrder },
  links: [["shop_ancestors", "ancestor_id"]],
});
const { shop: events, shop_ancestors } = shop;

const v1: OrderV1 = { sku: "a", qty: 1 };
const v2: OrderV2 = { lines: [{ sku: "b", qty: 2 }], __version__: 2 };
const v3: Order = { lines: [{ sku: "c", qty: 3 }], currency: "USD", __version__: 3 };
const asV3 = (p: OrderV1 | OrderV2 | Order): Order =>
  upcastOrder(p, (p as { __version__?: number }).__version__ ?? 0, "x");

describeBackends("upcasting", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await createSql(shop)));

  test("v1, v2 and v3 payloads read as v3 from every read helper; the database keeps what was written", async () => {
    // written as older versions of the schema wrote them (a service on Spector, or this one before)
    const first = await appendEvent(t.db, events, { schema: "order", action: "insert", payload: v1 as never });
    const second = await appendEvent(t.db, events, {
      schema: "order",
      action: "update",
      payload: v2 as never,
      parentId: first.id,
    });
    const third = await appendEvent(t.db, events, { schema: "order", action: "ship", payload: v3, parentId: first.id });
    const note = await appendEvent(t.db, events, {
      schema: "note",
      action: "update",
      payload: { text: "v0, no upcaster" },
      parentId: first.id,
    });
    const none = await appendEvent(t.db, events, {
      schema: "order",
      action: "delete",
      payload: null,
      parentId: first.id,
    });
    await link(t.db, shop_ancestors, third, second);
    await link(t.db, shop_ancestors, second, first);
    const expected = [asV3(v1), asV3(v2), v3, { text: "v0, no upcaster" }, null];
    calls.length = 0;
    const rows = await listByParent(t.db, events, first.id);
    expect(rows.map((row) => row.payload)).toEqual(expected);
    expect(calls).toEqual([
      { version: 0, action: "insert" },
      { version: 2, action: "update" },
      { version: 3, action: "ship" },
    ]);
    expect((await backtrace(t.db, events, second)).map((row) => row.payload)).toEqual(expected.slice(0, 2));
    const [parent] = await linked(t.db, shop_ancestors, third);
    expect(parent!.event.payload).toEqual(asV3(v2));
    const walked = await ancestors(t.db, shop_ancestors, third);
    expect(walked.map((found) => found.event.payload)).toEqual([asV3(v2), asV3(v1)]);
    const { state } = await aggregate(t.db, events, first.id, {
      initial: [] as string[],
      evolve: (skus, event) =>
        event.schema === "order" && event.payload !== null
          ? [...skus, ...event.payload.lines.map((line) => `${line.sku} ${event.payload!.currency}`)]
          : skus,
    });
    expect(state).toEqual(["a EUR", "b EUR", "c USD"]);
    // stored as written: the database never changes what it is given
    const stored = await t.query<{ payload: unknown }>(`SELECT payload FROM shop WHERE parent_id = $1 ORDER BY id`, [
      first.id,
    ]);
    expect(stored.map((row) => row.payload)).toEqual([v1, v2, v3, { text: "v0, no upcaster" }, null]);
    expect(note.payload).toEqual({ text: "v0, no upcaster" });
    expect(none.payload).toBeNull();
  });

  test("a savepoint's payload is a state: never upcast", async () => {
    const first = await appendEvent(t.db, events, { schema: "order", action: "insert", payload: v1 as never });
    const kept = { sku: "state", qty: 9 };
    await savepoint(t.db, events, first.id, { state: kept });
    calls.length = 0;
    const rows = await listByParent(t.db, events, first.id);
    expect(rows[1]).toMatchObject({ action: "savepoint", payload: kept });
    expect(calls).toHaveLength(1);
    const read = await aggregate(t.db, events, first.id, {
      initial: { sku: "", qty: 0 },
      evolve: (state) => state,
      fromSavepoint: (payload) => payload as typeof kept,
    });
    expect(read.state).toEqual(kept);
  });
});

test("the upcast option is checked: a plain object of functions under the names of schemas", () => {
  const base = { schemas: { order: 0 } } as const;
  expectThrows(() => eventTable("e", { ...base, upcast: 1 as never }), { option: "upcast" });
  expectThrows(() => eventTable("e", { ...base, upcast: [] as never }), { option: "upcast" });
  expectThrows(() => eventTable("e", { ...base, upcast: { ordr: upcastOrder } as never }), {
    option: "upcast.ordr",
    mentions: ['"order"'],
  });
  expectThrows(() => eventTable("e", { ...base, upcast: { order: "up" } as never }), { option: "upcast.order" });
  expectThrows(() => eventTable("e", { upcast: { order: upcastOrder } as never }), {
    option: "upcast.order",
    mentions: ["`schema` integer"],
  });
  // without `schemas`, keyed by the integer; a table made so reads integers as schema
  expect(() => eventTable("e", { upcast: { 0: upcastOrder } })).not.toThrow();
  expect(SpectorOptionError).toBeDefined();
});

test("types: an upcaster must return its schema's payload type, under a name of schemas", () => {
  spectorTables({
    table: "typed",
    schemas: { order: 0 },
    payloads: payloadType<{ order: Order }>(),
    upcast: { order: upcastOrder },
  });
  // @ts-expect-error -- returns a number, not an Order
  spectorTables({
    table: "typed",
    schemas: { order: 0 },
    payloads: payloadType<{ order: Order }>(),
    upcast: { order: () => 1 },
  });
  expectThrows(
    () =>
      // @ts-expect-error -- `ordr` is no schema name
      spectorTables({ table: "typed", schemas: { order: 0 }, upcast: { ordr: upcastOrder } }),
    { option: "upcast.ordr" },
  );
});

type Shipment = { tracking: string };
const perAction = spectorTables({
  table: "per_action",
  schemas: { order: 0, note: 1 },
  actions: { ship: 20 },
  payloads: payloadType<{
    order: ByAction<{ insert: Order; update: Partial<Order>; ship: Shipment }>;
    note: Note;
  }>(),
});

test("types: a ByAction map is keyed by action names", () => {
  const tables = () => {
    // @ts-expect-error -- `shipp` is no action of the table
    spectorTables({
      table: "t",
      schemas: { order: 0 },
      actions: { ship: 20 },
      payloads: payloadType<{ order: ByAction<{ shipp: Shipment }> }>(),
    });
    // @ts-expect-error -- a table without `actions` has no action names
    spectorTables({
      table: "t",
      schemas: { order: 0 },
      payloads: payloadType<{ order: ByAction<{ ship: Shipment }> }>(),
    });
    return spectorTables({
      table: "t",
      schemas: { order: 0 },
      actions: {},
      payloads: payloadType<{ order: ByAction<{ insert: Shipment; savepoint: { n: number } }> }>(),
    });
  };
  expect(Object.keys(tables())).toEqual(["t"]);
});

test("types: payloads per schema and action narrow on both; the per-schema form stays as it was", () => {
  type Row = EventRow<typeof perAction.per_action>;
  const narrow = (row: Row) => {
    if (row.schema === "order" && row.action === "ship") {
      type _ship = Expect<Equal<typeof row.payload, Shipment | null>>;
      return row.payload?.tracking;
    }
    if (row.schema === "order" && row.action === "update") {
      type _update = Expect<Equal<typeof row.payload, Partial<Order> | null>>;
    }
    if (row.schema === "order" && row.action === "delete") {
      type _delete = Expect<Equal<typeof row.payload, unknown>>;
    }
    if (row.schema === "note") {
      type _note = Expect<Equal<typeof row.payload, Note | null>>;
      type _action = Expect<Equal<typeof row.action, "insert" | "update" | "delete" | "savepoint" | "ship">>;
    }
    return undefined;
  };
  expect(narrow({ schema: "note", action: "insert", payload: { text: "x" } } as Row)).toBeUndefined();
  const ship: NewEvent<typeof perAction.per_action> = { schema: "order", action: "ship", payload: { tracking: "T1" } };
  // @ts-expect-error -- a ship event's payload is a Shipment
  const wrong: NewEvent<typeof perAction.per_action> = { schema: "order", action: "ship", payload: { lines: [] } };
  const note: NewEvent<typeof perAction.per_action> = {
    schema: "note",
    action: "ship",
    payload: { text: "any action" },
  };
  expect([ship, wrong, note]).toHaveLength(3);
  // the per-schema form: one payload type per schema, whatever the action
  type ShopRow = EventRow<typeof events>;
  const order = (row: ShopRow) => {
    if (row.schema === "order") {
      type _order = Expect<Equal<typeof row.payload, Order | null>>;
    }
  };
  expect(order).toBeTypeOf("function");
});
