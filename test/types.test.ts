/**
 * Type tests. `npm test` runs `tsc --noEmit` over this file before vitest: an `Expect<Equal<...>>` that
 * does not hold, or a `@ts-expect-error` line that compiles, fails the run. Each test also checks the
 * same facts at run time, so the types cannot drift from the objects.
 */
import { eq, getTableColumns, getTableName } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import {
  chainHeadTable,
  eventTable,
  linkTable,
  payloadType,
  shardSet,
  spectorTables,
  ancestors,
  appendEvent,
  link,
  linked,
  listByParent,
  type Ancestor,
  type AnyLinkTable,
  type CamelCase,
  type LinkTargetOfKey,
  type EventRow,
  type NewEvent,
  type SpectorDatabase,
  type SpectorOptions,
  SpectorOptionError,
} from "../src/index.js";
import { relationNames } from "../src/naming/index.js";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { NeonDatabase } from "drizzle-orm/neon-serverless";
import type { PgRemoteDatabase } from "drizzle-orm/pg-proxy";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
const keysOf = (table: object) => Object.keys(getTableColumns(table as never)).sort();

describe("exact types", () => {
  test("a hashed events table with links has literal names, exact row types and camelCase keys", () => {
    const tables = spectorTables({
      table: "events",
      hashed: true,
      links: [
        ["event_ancestors", "ancestor_id"],
        ["event_links", "linked_id", { typed: true }],
      ],
    });
    const { events, event_ancestors, event_links } = tables;
    type _keys = Expect<Equal<keyof typeof tables, "events" | "event_ancestors" | "event_links">>;
    type _name = Expect<Equal<typeof events._.name, "events">>;
    type _linkName = Expect<Equal<typeof event_links._.name, "event_links">>;
    type _schema = Expect<Equal<typeof events._.schema, undefined>>;
    type _select = Expect<
      Equal<
        typeof events.$inferSelect,
        {
          id: string;
          parentId: string;
          payload: unknown;
          schema: number;
          action: number;
          hash: Buffer | null;
          insertedAt: string;
          updatedAt: string;
        }
      >
    >;
    type _insert = Expect<
      Equal<
        typeof events.$inferInsert,
        {
          id?: string;
          parentId: string;
          payload?: unknown;
          schema: number;
          action: number;
          hash?: Buffer | null;
          insertedAt?: string;
          updatedAt?: string;
        }
      >
    >;
    type _ancestors = Expect<Equal<typeof event_ancestors.$inferSelect, { eventId: string; ancestorId: string }>>;
    type _links = Expect<Equal<typeof event_links.$inferSelect, { eventId: string; linkedId: string; type: number }>>;
    type _linksInsert = Expect<
      Equal<typeof event_links.$inferInsert, { eventId: string; linkedId: string; type: number }>
    >;

    expect(getTableName(events)).toBe("events");
    expect(keysOf(events)).toEqual([
      "action",
      "hash",
      "id",
      "insertedAt",
      "parentId",
      "payload",
      "schema",
      "updatedAt",
    ]);
    expect(keysOf(event_ancestors)).toEqual(["ancestorId", "eventId"]);
    expect(keysOf(event_links)).toEqual(["eventId", "linkedId", "type"]);
    expect(event_links.linkedId.name).toBe("linked_id");
    // a typed column compares with its own type
    expect(eq(event_links.type, 3)).toBeDefined();
  });

  test("unhashed tables have no hash, untyped links no type, updatedAt: false no updatedAt", () => {
    const { events, event_ancestors } = spectorTables({
      table: "events",
      updatedAt: false,
      links: [["event_ancestors", "ancestor_id"]],
    });
    type Row = typeof events.$inferSelect;
    type _noHash = Expect<Equal<"hash" extends keyof Row ? true : false, false>>;
    type _noUpdatedAt = Expect<Equal<"updatedAt" extends keyof Row ? true : false, false>>;
    type _noType = Expect<Equal<"type" extends keyof typeof event_ancestors.$inferSelect ? true : false, false>>;
    const row: typeof events.$inferInsert = {
      parentId: "0",
      schema: 1,
      action: 1,
      // @ts-expect-error: an unhashed table has no hash column
      hash: Buffer.alloc(0),
    };
    // @ts-expect-error: nor can a query name it
    expect(events.hash).toBeUndefined();
    expect(row.parentId).toBe("0");
    expect(keysOf(events)).toEqual(["action", "id", "insertedAt", "parentId", "payload", "schema"]);
    expect(keysOf(event_ancestors)).toEqual(["ancestorId", "eventId"]);
  });

  test("with shards, each shard gets an events table and a link table, each with its literal name and schema", () => {
    const tables = spectorTables({
      shards: ["events_0", "events_1"],
      pgSchema: "audit",
      links: [["ancestors", "ancestor_id"]],
    });
    type _keys = Expect<
      Equal<keyof typeof tables, "events_0" | "events_1" | "events_0_ancestors" | "events_1_ancestors">
    >;
    const { events_1, events_1_ancestors } = tables;
    type _name = Expect<Equal<typeof events_1_ancestors._.name, "events_1_ancestors">>;
    type _schema = Expect<Equal<typeof events_1._.schema, "audit">>;
    type _linkSchema = Expect<Equal<typeof events_1_ancestors._.schema, "audit">>;
    expect(Object.keys(tables).sort()).toEqual(["events_0", "events_0_ancestors", "events_1", "events_1_ancestors"]);
    expect(keysOf(events_1_ancestors)).toEqual(["ancestorId", "eventId"]);
  });

  test("eventTable and linkTable keep the same exact types", () => {
    const events = eventTable("events", { hashed: true });
    const links = linkTable(events, ["related", "related_event_id", { typed: true, constrained: false }]);
    type _hash = Expect<Equal<(typeof events.$inferSelect)["hash"], Buffer | null>>;
    type _links = Expect<Equal<typeof links.$inferSelect, { eventId: string; relatedEventId: string; type: number }>>;
    type _name = Expect<Equal<typeof links._.name, "related">>;
    expect(keysOf(links)).toEqual(["eventId", "relatedEventId", "type"]);
  });

  test("options that shape the row types must be literal booleans", () => {
    const flag = Math.random() > 2; // a boolean the types cannot see through
    // @ts-expect-error: hashed decides whether `hash` exists, so it must be a literal
    expect(() => spectorTables({ table: "events", hashed: flag })).not.toThrow();
    // @ts-expect-error: typed decides whether `type` exists
    expect(() => spectorTables({ table: "events", links: [["l", "x_id", { typed: flag }]] })).not.toThrow();
    // @ts-expect-error: the same for eventTable
    expect(() => eventTable("events", { updatedAt: flag })).not.toThrow();
    // @ts-expect-error: and for linkTable
    expect(() => linkTable(eventTable("events"), ["l", "x_id", { typed: flag }])).not.toThrow();
    // options kept in a constant: `as const satisfies` keeps the literals
    const options = {
      table: "events",
      hashed: true,
      links: [["l", "x_id", { typed: true }]],
    } as const satisfies SpectorOptions;
    const kept = spectorTables(options);
    type _kept = Expect<Equal<typeof kept.l.$inferSelect, { eventId: string; xId: string; type: number }>>;
    expect(keysOf(kept.events)).toContain("hash");
    // a variable typed with the wide option type hides the flags: refused
    const wide: SpectorOptions = { table: "events" };
    // @ts-expect-error: the types cannot tell whether hash exists
    expect(() => spectorTables(wide)).not.toThrow();
    // constrained does not change any type, so a boolean is fine
    const { l } = spectorTables({ table: "events", links: [["l", "x_id", { constrained: flag }]] });
    expect(keysOf(l)).toEqual(["eventId", "xId"]);
  });

  test("camelCase keys are the type-level and run-time twins", () => {
    type _a = Expect<Equal<CamelCase<"linked_event_id">, "linkedEventId">>;
    type _b = Expect<Equal<CamelCase<"v_2">, "v_2">>;
    type _c = Expect<Equal<CamelCase<"a__b">, "a_B">>;
    const { l } = spectorTables({ table: "e", links: [["l", "a__b"]] });
    expect(keysOf(l)).toEqual(["a_B", "eventId"]);
    const { m } = spectorTables({ table: "e", links: [["m", "v_2"]] });
    expect(keysOf(m)).toEqual(["eventId", "v_2"]);
  });
});

describe("named schemas and actions, declared payloads", () => {
  test("named schemas and actions are names in TypeScript and integers in the database, and table names stay literal", () => {
    const { events, event_links } = spectorTables({
      table: "events",
      schemas: { user: 0, post: 1 },
      actions: { archive: 10 },
      payloads: payloadType<{ user: { name: string }; post: { title: string } }>(),
      links: [["event_links", "linked_id", { typed: true }]],
    });
    type Select = typeof events.$inferSelect;
    type _name = Expect<Equal<typeof events._.name, "events">>;
    type _linkName = Expect<Equal<typeof event_links._.name, "event_links">>;
    type _schema = Expect<Equal<Select["schema"], "user" | "post">>;
    type _action = Expect<Equal<Select["action"], "insert" | "update" | "delete" | "savepoint" | "archive">>;
    type _payload = Expect<Equal<Select["payload"], { name: string } | { title: string } | null>>;
    type _insert = Expect<Equal<(typeof events.$inferInsert)["schema"], "user" | "post">>;
    expect(eq(events.schema, "user")).toBeDefined();
    expect(eq(events.action, "archive")).toBeDefined();
    // @ts-expect-error: not a schema name
    expect(() => eq(events.schema, "nope")).not.toThrow(); // (the name is refused when the query is built)
    // @ts-expect-error: a number is not a name either
    expect(() => eq(events.schema, 0)).not.toThrow();
    expect(events.schema.getSQLType()).toBe("integer");
    expect(events.schema.mapToDriverValue("post")).toBe(1);
    expect(events.action.mapFromDriverValue(10)).toBe("archive");

    // helper rows narrow payload by schema; helper input is the same union
    type Row = EventRow<typeof events>;
    const narrow = (row: Row) => (row.schema === "user" ? row.payload?.name : row.payload?.title);
    type _narrowed = Expect<Equal<ReturnType<typeof narrow>, string | undefined>>;
    type _linkEvents = Expect<Equal<EventRow<typeof events>["id"], string>>;
    // what the helpers return, exactly
    type Appended = Awaited<ReturnType<typeof appendEvent<typeof events>>>;
    type Listed = Awaited<ReturnType<typeof listByParent<typeof events>>>;
    type Linked = Awaited<ReturnType<typeof linked<typeof event_links>>>[number];
    type Walked = Awaited<ReturnType<typeof ancestors<typeof event_links>>>[number];
    type _appended = Expect<Equal<Appended, Row>>;
    type _listed = Expect<Equal<Listed, Row[]>>;
    type _linkedLink = Expect<Equal<Linked["link"], { eventId: string; linkedId: string; type: number }>>;
    type _linkedEvent = Expect<Equal<Linked["event"], Row>>;
    type _walked = Expect<Equal<Walked, Ancestor<typeof event_links>>>;
    type _walkedEvent = Expect<Equal<Walked["event"]["schema"], "user" | "post">>;
    type _rowKeys = Expect<
      Equal<keyof Row, "id" | "parentId" | "payload" | "schema" | "action" | "insertedAt" | "updatedAt">
    >;
    const input: NewEvent<typeof events> = { schema: "post", action: "insert", payload: { title: "t" } };
    // @ts-expect-error: a user's payload on a post
    const wrong: NewEvent<typeof events> = { schema: "post", action: "insert", payload: { name: "n" } };
    expect([input, wrong]).toHaveLength(2);
  });

  test("one payload type per table; without maps the columns stay numbers", () => {
    const events = eventTable("events", { payload: payloadType<{ v: number }>() });
    type Select = typeof events.$inferSelect;
    type _schema = Expect<Equal<Select["schema"], number>>;
    type _action = Expect<Equal<Select["action"], number>>;
    type _payload = Expect<Equal<Select["payload"], { v: number } | null>>;
    type _row = Expect<Equal<EventRow<typeof events>, Select>>;
    const base = eventTable("base", { actions: {} });
    type _base = Expect<Equal<(typeof base.$inferSelect)["action"], "insert" | "update" | "delete" | "savepoint">>;
    expect(events.schema.getSQLType()).toBe("integer");
    // shard sets keep each shard's exact type
    const { s_0, s_1 } = spectorTables({ shards: ["s_0", "s_1"], schemas: { user: 0 } });
    const set = shardSet([s_0, s_1]);
    type _set = Expect<Equal<(typeof set.tables)[number], typeof s_0 | typeof s_1>>;
    expect(set.tables).toHaveLength(2);
  });
});

describe("types that must not lie", () => {
  test("a wide schemas or actions map is refused: every string would pass for a name", () => {
    const wide: Record<string, number> = { user: 0 };
    // @ts-expect-error: the types cannot see the names
    expect(() => eventTable("e", { schemas: wide })).not.toThrow();
    // @ts-expect-error: the same for actions
    expect(() => spectorTables({ table: "e", actions: wide })).not.toThrow();
    const known = { user: 0 } as const;
    const ok = eventTable("e", { schemas: known });
    type _ok = Expect<Equal<(typeof ok.$inferSelect)["schema"], "user">>;
    expect(ok.schema.mapToDriverValue("user")).toBe(0);
  });

  test("a misspelt top-level option is a compile error, as a nested one is, and is refused at run time too", () => {
    // @ts-expect-error: `hased` is no option of spectorTables
    expect(() => spectorTables({ table: "events", hased: true })).toThrow(SpectorOptionError);
    // @ts-expect-error: nor `recordindex`, with `shards`
    expect(() => spectorTables({ shards: ["s_0"], recordindex: true })).toThrow(/`recordindex`/);
    // @ts-expect-error: the same for eventTable, next to a correct option
    expect(() => eventTable("events", { hashed: true, recordindex: true })).toThrow(/no such option/);
    // @ts-expect-error: and in linkTable's options (a nested object, checked as before)
    expect(() => linkTable(eventTable("e"), ["l", "x_id", { typd: true }])).toThrow(/`spec\[2\]\.typd`/);
    // @ts-expect-error: nested in spectorTables' links, as before
    expect(() => spectorTables({ table: "e", links: [["l", "x_id", { typd: true }]] })).toThrow(/typd/);
    // every correct option, spelt right, infers as before
    const all = spectorTables({
      table: "events",
      hashed: true,
      pgSchema: "audit",
      updatedAt: false,
      recordIndex: true,
      schemas: { user: 0 },
      actions: { archive: 10 },
      schemaModules: { user: "MyApp.User" },
      payloads: payloadType<{ user: { name: string } }>(),
      links: [["l", "x_id", { typed: true, constrained: false }]],
    });
    type _all = Expect<
      Equal<
        typeof all.events.$inferSelect,
        {
          id: string;
          parentId: string;
          payload: { name: string } | null;
          schema: "user";
          action: "insert" | "update" | "delete" | "savepoint" | "archive";
          hash: Buffer | null;
          insertedAt: string;
        }
      >
    >;
    type _allSchema = Expect<Equal<typeof all.events._.schema, "audit">>;
    const single = eventTable("one", { hashed: false, recordIndex: false, payload: payloadType<number>() });
    type _single = Expect<Equal<(typeof single.$inferSelect)["payload"], number | null>>;
    expect(keysOf(all.events)).not.toContain("updatedAt");
    expect(keysOf(single)).not.toContain("hash");
  });

  test("a `payloads` key that is not a schema name is a compile error (its payload would be `unknown`)", () => {
    // the payload types are types only: at run time these options are fine
    // @ts-expect-error: `psot` is not a name of `schemas`
    const typo = spectorTables({ table: "e", schemas: { user: 0, post: 1 }, payloads: payloadType<{ psot: {} }>() });
    // @ts-expect-error: the same for eventTable
    const single = eventTable("e", { schemas: { user: 0 }, payloads: payloadType<{ usr: { name: string } }>() });
    // @ts-expect-error: and for shards
    const shards = spectorTables({ shards: ["s_0"], schemas: { user: 0 }, payloads: payloadType<{ post: {} }>() });
    expect([typo.e, single, shards.s_0].map((table) => getTableName(table))).toEqual(["e", "e", "s_0"]);
    // @ts-expect-error: payloads without schemas have no names to be keys of (refused at run time too)
    expect(() => eventTable("e", { payloads: payloadType<{ user: { name: string } }>() })).toThrow(/`schemas`/);
    // a map that leaves a schema name out is fine: that name's payload is `unknown`, as documented
    const partial = eventTable("e", { schemas: { user: 0, post: 1 }, payloads: payloadType<{ user: { n: 1 } }>() });
    type Partial = EventRow<typeof partial>;
    type _user = Expect<Equal<Extract<Partial, { schema: "user" }>["payload"], { n: 1 } | null>>;
    type _post = Expect<Equal<Extract<Partial, { schema: "post" }>["payload"], unknown>>;
    expect(partial.schema.mapToDriverValue("post")).toBe(1);
  });

  test("a function over AnyLinkTable may call link with a type or without one", () => {
    const calls: unknown[][] = [];
    const fakeLink = (...args: Parameters<typeof link<AnyLinkTable>>) => calls.push(args);
    const linkAny = (table: AnyLinkTable, from: string, to: string, type?: number) =>
      type === undefined
        ? fakeLink(null as never, table, from, to)
        : fakeLink(null as never, table, from, to, { type });
    const { l } = spectorTables({ table: "e", links: [["l", "ancestor"]] });
    linkAny(l, "a", "b");
    linkAny(l, "a", "b", 3);
    expect(calls.map((args) => args.slice(2))).toEqual([
      ["a", "b"],
      ["a", "b", { type: 3 }],
    ]);
  });

  test("a record-chained table has a hash column and a heads table, in the result and from chainHeadTable", () => {
    const tables = spectorTables({ shards: ["r_0", "r_1"], hashed: "record", pgSchema: "ledger", appendOnly: true });
    type _keys = Expect<Equal<keyof typeof tables, "r_0" | "r_1" | "r_0_heads" | "r_1_heads">>;
    type _hash = Expect<Equal<(typeof tables.r_0.$inferSelect)["hash"], Buffer | null>>;
    type _head = Expect<
      Equal<
        typeof tables.r_0_heads.$inferSelect,
        { parentId: string; lastId: string; lastHash: Buffer; eventCount: number }
      >
    >;
    type _headName = Expect<Equal<typeof tables.r_1_heads._.name, "r_1_heads">>;
    type _headSchema = Expect<Equal<typeof tables.r_1_heads._.schema, "ledger">>;
    expect(Object.keys(tables).sort()).toEqual(["r_0", "r_0_heads", "r_1", "r_1_heads"]);
    expect(keysOf(tables.r_0_heads)).toEqual(["eventCount", "lastHash", "lastId", "parentId"]);
    expect(getTableName(tables.r_1_heads)).toBe("r_1_heads");

    const events = eventTable("journal", { hashed: "record" });
    const heads = chainHeadTable(events);
    type _single = Expect<Equal<typeof heads._.name, "journal_heads">>;
    type _singleHash = Expect<Equal<(typeof events.$inferSelect)["hash"], Buffer | null>>;
    expect(getTableName(heads)).toBe("journal_heads");
    expect(chainHeadTable(events)).toBe(heads); // one object, built with the events table
    expect(() => chainHeadTable(eventTable("plain") as never)).toThrow(SpectorOptionError);
    // @ts-expect-error: `hashed` is true, false or "record"
    expect(() => eventTable("wrong", { hashed: "records" })).toThrow(/`hashed`/);
  });

  test("a link's other end has the same relation name in the types and at run time", () => {
    type _target = Expect<Equal<LinkTargetOfKey<"ancestor">, "ancestorEvent">>;
    type _target2 = Expect<Equal<LinkTargetOfKey<"ancestorId">, "ancestor">>;
    type _target3 = Expect<Equal<LinkTargetOfKey<"typeId">, "typeIdEvent">>;
    expect(relationNames.linkTarget("ancestor")).toBe("ancestorEvent");
    expect(relationNames.linkTarget("ancestor_id")).toBe("ancestor");
    expect(relationNames.linkTarget("type_id")).toBe("typeIdEvent");
  });
});

// Every Drizzle PostgreSQL database and its transactions are a SpectorDatabase (checked by tsc only).
type _pglite = Expect<PgliteDatabase extends SpectorDatabase ? true : false>;
type _postgres = Expect<PostgresJsDatabase extends SpectorDatabase ? true : false>;
type _nodePg = Expect<NodePgDatabase extends SpectorDatabase ? true : false>;
type _neonHttp = Expect<NeonHttpDatabase extends SpectorDatabase ? true : false>;
type _neonHttpWithAuth = Expect<ReturnType<NeonHttpDatabase["$withAuth"]> extends SpectorDatabase ? true : false>;
type _neonServerless = Expect<NeonDatabase extends SpectorDatabase ? true : false>;
type _pgProxy = Expect<PgRemoteDatabase extends SpectorDatabase ? true : false>;
type _tx = Expect<Parameters<Parameters<PgliteDatabase["transaction"]>[0]>[0] extends SpectorDatabase ? true : false>;

test("hash is a Buffer in the types, so its hex compiles (on every driver it is one at run time: test/drivers.test.ts)", () => {
  const { ledger } = spectorTables({ table: "ledger", hashed: true });
  type _hash = Expect<Equal<EventRow<typeof ledger>["hash"], Buffer | null>>;
  const hex = (row: EventRow<typeof ledger>) => row.hash?.toString("hex");
  expect(hex({ hash: Buffer.from([1, 255]) } as EventRow<typeof ledger>)).toBe("01ff");
});
