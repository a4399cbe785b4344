/**
 * Bad input: every option is checked before anything is built, and the error names the option,
 * shows the value and says what is expected.
 */
import { createTableRelationsHelpers } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import {
  SpectorOptionError,
  eventTable,
  linkTable,
  payloadType,
  rawCodes,
  shardSet,
  spectorRelations,
  spectorDownSql,
  spectorTables,
  spectorTriggerSql,
} from "../src/index.js";

/** Calls `fn`, expects a SpectorOptionError (a TypeError) for `option`, and returns its message. */
function rejects(fn: () => unknown, option: string, ...mentions: string[]): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TypeError);
  expect(caught).toBeInstanceOf(SpectorOptionError);
  const error = caught as SpectorOptionError;
  expect(error.option).toBe(option);
  expect(error.message).toContain(`\`${option}\``);
  for (const mention of mentions) expect(error.message).toContain(mention);
  return error.message;
}

const long = (n: number) => "t".repeat(n);
const factories = [
  ["spectorTables", (o: unknown) => spectorTables(o as never)],
  ["spectorDownSql", (o: unknown) => spectorDownSql(o as never)],
] as const;

describe.each(factories)("%s rejects", (_name, build) => {
  test("neither or both of table and shards", () => {
    rejects(() => build({}), "table", "exactly one of `table` and `shards`", "undefined");
    rejects(() => build({ table: "events", shards: ["a"] }), "shards", "exactly one", '["a"]');
  });

  test("empty, badly typed or duplicate names", () => {
    rejects(() => build({ table: "" }), "table", '""', "lowercase letters");
    rejects(() => build({ table: 7 }), "table", "`7` (number)");
    rejects(() => build({ shards: [] }), "shards", "non-empty array");
    rejects(() => build({ shards: ["a", ""] }), "shards[1]");
    rejects(() => build({ shards: ["a", "a"] }), "shards[1]", '"a" is also `shards[0]`');
    rejects(
      () =>
        build({
          table: "events",
          links: [
            ["l", "x_id"],
            ["l", "y_id"],
          ],
        }),
      "links[1][0]",
      '"l" is also `links[0][0]`',
    );
  });

  test("names with capitals, spaces or quotes", () => {
    rejects(() => build({ table: "Events" }), "table", '"Events"');
    rejects(() => build({ table: "my events" }), "table", '"my events"');
    rejects(() => build({ table: 'e"; DROP TABLE x; --' }), "table", "DROP TABLE x");
    rejects(() => build({ table: "events", pgSchema: "Audit" }), "pgSchema");
    rejects(() => build({ table: "events", pgSchema: "pg_mine" }), "pgSchema", "reserved");
    rejects(() => build({ table: "events", links: [["l", "Other"]] }), "links[0][1]", '"Other"');
  });

  test("PostgreSQL reserved words, which Spector could not write unquoted", () => {
    rejects(() => build({ table: "order" }), "table", '"order"', "reserved word");
    rejects(() => build({ table: "events", links: [["l", "user"]] }), "links[0][1]", "reserved word");
    rejects(() => build({ table: "events", pgSchema: "table" }), "pgSchema", "reserved word");
    expect(() => build({ table: "orders", links: [["l", "user_id"]] })).not.toThrow();
  });

  test("arrays with holes", () => {
    // eslint-disable-next-line no-sparse-arrays
    rejects(() => build({ shards: [, "a"] }), "shards[0]", "hole");
    // eslint-disable-next-line no-sparse-arrays
    rejects(() => build({ table: "events", links: [["l", "x_id"], , ["m", "x_id"]] }), "links[1]", "hole");
  });

  test("an events table and a link table with the same name", () => {
    rejects(
      () => build({ table: "events", links: [["events", "other_id"]] }),
      "links[0][0]",
      '"events" is also `table`',
    );
    rejects(
      () => build({ shards: ["e", "e_l"], links: [["l", "other_id"]] }),
      "links[0][0]",
      '"e_l" is also `shards[1]`',
    );
  });

  test("names whose indexes collide with another table's", () => {
    // link "a" with foreign key "b_schema" has an index a_b_schema_index, as does events table "a_b"
    rejects(() => build({ table: "a_b", links: [["a", "b_schema"]] }), "links[0][0]", "a_b_schema_index", "`table`");
  });

  test("a foreign key named id, event_id or type", () => {
    for (const key of ["id", "event_id", "type"])
      rejects(() => build({ table: "events", links: [["l", key]] }), "links[0][1]", `"${key}"`);
  });

  test("non-boolean typed, constrained and hashed, unknown option keys, malformed specs", () => {
    rejects(() => build({ table: "events", hashed: "yes" }), "hashed", '`"yes"` (string', "boolean");
    rejects(() => build({ table: "events", updatedAt: 0 }), "updatedAt", "`0` (number)");
    rejects(
      () => build({ table: "events", links: [["l", "x_id", { typed: 1 }]] }),
      "links[0][2].typed",
      "`1` (number)",
    );
    rejects(
      () => build({ table: "events", links: [["l", "x_id", { constrained: null }]] }),
      "links[0][2].constrained",
      "`null`",
    );
    rejects(
      () => build({ table: "events", links: [["l", "x_id", { typd: true }]] }),
      "links[0][2].typd",
      "no such option",
    );
    rejects(() => build({ table: "events", hash: true }), "hash", "no such option");
    rejects(() => build({ table: "events", links: [["l"]] }), "links[0]", "[linkTable, foreignKey]");
    rejects(() => build({ table: "events", links: "l" }), "links", "array of link specs");
  });

  test("any generated name over 63 bytes", () => {
    rejects(() => build({ table: long(64) }), "table", "64 bytes");
    // the index on inserted_at is the longest: T_inserted_at_index
    rejects(() => build({ table: long(46) }), "table", "_inserted_at_index", "(64 bytes)");
    expect(() => build({ table: long(45) })).not.toThrow();
    // the UPDATE trigger function is the longest link name: check_link_same_parent_L_update
    rejects(() => build({ table: "e", links: [[long(34), "x_id"]] }), "links[0][0]", "trigger function", "_update");
    expect(() => build({ table: "e", links: [[long(33), "x_id"]] })).not.toThrow();
    // shard link names count with their shard prefix
    rejects(() => build({ shards: [long(20)], links: [[long(13), "x_id"]] }), "links[0][0]", `${long(20)}_${long(13)}`);
    // multi-byte characters are refused outright (and would count as bytes, not characters)
    rejects(() => build({ table: "événements" }), "table", "lowercase letters");
  });
});

describe("eventTable and linkTable reject", () => {
  test("bad names and options", () => {
    rejects(() => eventTable("Bad"), "name", '"Bad"');
    rejects(() => eventTable(long(46)), "name", "_inserted_at_index");
    rejects(() => eventTable("e", { hashed: 1 } as never), "hashed");
    const events = eventTable("events");
    rejects(() => linkTable(events, ["l", "id"]), "spec[1]");
    rejects(() => linkTable(events, ["events", "other_id"]), "spec[0]", '"events" is also `events`');
    // a name PostgreSQL already uses for the events table's primary key index
    rejects(() => linkTable(events, ["events_pkey", "other_id"]), "spec[0]", "the primary key of `events`");
    rejects(() => linkTable(events, ["l", "x_id", { typed: "no" }] as never), "spec[2].typed");
  });

  test("a link on a table drizzle-spector did not make", () => {
    const { l } = spectorTables({ table: "e", links: [["l", "x_id"]] });
    rejects(() => linkTable(l as never, ["m", "x_id"]), "events", "link table l", "an events table made by");
    rejects(() => linkTable({} as never, ["m", "x_id"]), "events");
  });
});

describe("schemas, actions and payload types", () => {
  test.each(factories)("%s: bad maps and markers are refused", (_name, build) => {
    rejects(() => build({ table: "e", schemas: [0, 1] }), "schemas", "a plain object of names to integers", "(array)");
    rejects(
      () => build({ table: "e", schemas: { user: 1.5 } }),
      "schemas.user",
      "`1.5` (number)",
      "fits PostgreSQL's `integer`",
    );
    rejects(() => build({ table: "e", schemas: { user: 2 ** 31 } }), "schemas.user", "2147483648");
    rejects(() => build({ table: "e", schemas: { user: "0" } }), "schemas.user", '"0"');
    rejects(() => build({ table: "e", schemas: { user: 0, post: 0 } }), "schemas.post", "0 is already `user`");
    rejects(() => build({ table: "e", schemas: { "": 0 } }), "schemas", "names are not empty");
    // actions extend Spector's insert = 1, update = 2, delete = 3; a clash is refused
    rejects(
      () => build({ table: "e", actions: { archive: 2 } }),
      "actions.archive",
      "2 is already `update`",
      "base actions",
    );
    rejects(() => build({ table: "e", actions: { insert: 5 } }), "actions.insert", "one of Spector's base actions");
    rejects(() => build({ table: "e", payload: { type: "x" } }), "payload", "payloadType<YourType>()");
    rejects(() => build({ table: "e", payloads: payloadType<{ a: 1 }>() }), "payloads", "given with `schemas`");
    rejects(
      () => build({ table: "e", schemas: { a: 0 }, payload: payloadType(), payloads: payloadType() }),
      "payloads",
      "left out when `payload`",
    );
  });

  test("names that Object.prototype also has are names like any other", () => {
    const events = eventTable("e", { schemas: { constructor: 0, toString: 1 }, actions: { valueOf: 9 } });
    expect(events.schema.mapToDriverValue("constructor")).toBe(0);
    expect(events.schema.mapFromDriverValue(1)).toBe("toString");
    expect(events.action.mapToDriverValue("valueOf")).toBe(9);
    const parsed = eventTable("p", JSON.parse('{"actions": {"__proto__": 8}}') as never) as unknown as typeof events;
    expect(parsed.action.mapToDriverValue("__proto__" as never)).toBe(8);
    rejects(() => events.schema.mapToDriverValue("hasOwnProperty" as never), "schema", '"constructor", "toString"');
  });

  test("recordIndex is a boolean, and its index name must fit too", () => {
    rejects(() => eventTable("e", { recordIndex: "yes" } as never), "recordIndex", "a boolean");
    expect(() => eventTable("t".repeat(45))).not.toThrow();
    rejects(() => eventTable("t".repeat(45), { recordIndex: true }), "name", "_parent_id_id_index");
    rejects(() => spectorTables({ shards: ["t".repeat(45)], recordIndex: true }), "shards[0]", "_parent_id_id_index");
  });

  test("eventTable checks the same maps, and repeating a base action with its own value is fine", () => {
    rejects(() => eventTable("e", { actions: { delete: 4 } }), "actions.delete");
    expect(() => eventTable("e", { actions: { insert: 1, archive: 10 } })).not.toThrow();
  });
});

describe("shardSet rejects", () => {
  const { s_0, s_1, s_2, s_0_l, s_1_l, s_2_l } = spectorTables({
    shards: ["s_0", "s_1", "s_2"],
    links: [["l", "x_id"]],
  });
  test("tables out of the shards order, missing, repeated or mixed", () => {
    expect(shardSet([s_0, s_1, s_2]).tables).toEqual([s_0, s_1, s_2]);
    expect(shardSet([s_0_l, s_1_l, s_2_l]).tables).toHaveLength(3);
    rejects(() => shardSet([s_1, s_0, s_2]), "tables[0]", 'the table of shard "s_0"', "in the order of `shards`");
    rejects(() => shardSet([s_0, s_1]), "tables[0]", "one table per shard");
    rejects(() => shardSet([s_0_l, s_2_l, s_1_l]), "tables[1]", "its events table s_2 is shard 2 of 3");
    rejects(() => shardSet([s_0, s_0_l] as never), "tables[1]", "an events table");
    rejects(() => shardSet([]), "tables", "non-empty array");
    rejects(() => shardSet([{}]), "tables[0]", "a table made by");
    const [a, b] = [eventTable("a"), eventTable("b")];
    const [y, z] = [eventTable("y"), eventTable("z")];
    expect(shardSet([z, y]).tables).toEqual([z, y]); // tables made one by one: their order is the caller's
    rejects(() => shardSet([a, a]), "tables[1]", "not already in the set");
    const la = linkTable(a, ["la", "x_id"]);
    const lb = linkTable(b, ["lb", "y_id"]);
    rejects(() => shardSet([la, lb]), "tables[1]", "same spec");
    // link tables follow their events tables' order, once those are in a set
    const lb2 = linkTable(b, ["lb2", "x_id"]);
    const la2 = linkTable(a, ["la2", "x_id"]);
    shardSet([a, b]);
    rejects(() => shardSet([lb2, la]), "tables[0]", "its events table b is shard 1 of 2");
    expect(shardSet([la, lb2]).tables).toEqual([la, lb2]);
    rejects(() => shardSet([la, la2]), "tables[1]", "another events table than `tables[0]`");
    // shards of one set read and write the same names
    const c = eventTable("c", { schemas: { user: 0 } });
    const d = eventTable("d", { schemas: { user: 1 } });
    rejects(() => shardSet([c, d]), "tables[1]", "the same `schemas` and `actions`");
    rejects(
      () => shardSet([eventTable("h1", { hashed: true }), eventTable("h2")]),
      "tables[1]",
      "the same `hashed` and `updatedAt`",
    );
  });
});

describe("rawCodes rejects", () => {
  test("a table that is not an events table", () => {
    const { l } = spectorTables({ table: "e", links: [["l", "x_id"]] });
    // @ts-expect-error: a link table has no schema or action
    rejects(() => rawCodes(l), "table", "an events table made by");
  });
});

describe("spectorRelations rejects", () => {
  test("link tables whose relation would replace a column or another relation", () => {
    for (const [name, relation] of [
      ["payload", "payload"],
      ["parent", "parent"],
      ["children", "children"],
      ["inserted_at", "insertedAt"],
    ] as const) {
      const tables = spectorTables({ table: "events", links: [[name, "ancestor_id"]] });
      rejects(() => spectorRelations(tables), `tables.${name}`, `relation \`${relation}\` on events is not already`);
    }
    const clash = spectorTables({
      table: "events",
      links: [
        ["a", "x_id"],
        ["a_incoming", "y_id"],
      ],
    });
    rejects(() => spectorRelations(clash), "tables.a_incoming", "`aIncoming`", "the relation of link table a");
    // a foreign key without `_id` keeps its column; the relation gets `Event` appended
    const { e, l } = spectorTables({ table: "e", links: [["l", "ancestor"]] });
    const relations = spectorRelations({ e, l });
    expect(Object.keys(relations.lRelations.config(createTableRelationsHelpers(l)))).toEqual([
      "event",
      "ancestorEvent",
    ]);
  });

  test("a link table without its events table", () => {
    const { events, event_ancestors } = spectorTables({ table: "events", links: [["event_ancestors", "ancestor_id"]] });
    rejects(
      () => spectorRelations({ event_ancestors }),
      "tables.event_ancestors",
      "given with its events table events",
    );
    expect(Object.keys(spectorRelations({ events, event_ancestors, other: 1 }))).toEqual([
      "event_ancestorsRelations",
      "eventsRelations",
    ]);
  });
});

describe("generated SQL", () => {
  test("function bodies never contain their dollar-quote tag, whatever the names", () => {
    const tables = spectorTables({ shards: ["e_0", "e_1"], pgSchema: "s_1", links: [["l", "x_id", { typed: true }]] });
    for (const chunk of spectorTriggerSql(tables).split("--> statement-breakpoint")) {
      const tags = chunk.match(/\$spector\$/g) ?? [];
      expect(tags.length === 0 || tags.length === 2).toBe(true);
    }
  });
});

describe("good options", () => {
  test("pgSchema public is the default schema, as in Drizzle", () => {
    const { events } = spectorTables({ table: "events", pgSchema: "public" });
    expect((events as unknown as Record<symbol, unknown>)[Symbol.for("drizzle:Schema")]).toBeUndefined();
  });

  test("spectorTriggerSql ignores what is not a constrained link table and writes one statement per chunk", () => {
    const tables = spectorTables({
      table: "events",
      links: [
        ["a", "x_id"],
        ["b", "x_id", { constrained: false }],
      ],
    });
    const text = spectorTriggerSql({ ...tables, other: 1, nothing: null });
    const chunks = text.split("--> statement-breakpoint");
    expect(chunks).toHaveLength(4);
    expect(text).toContain('"public"."a"');
    expect(text).not.toContain('"public"."b"');
    expect(spectorTriggerSql([])).toBe("");
  });
});
