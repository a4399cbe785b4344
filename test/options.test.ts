/**
 * Bad input: every option is checked before anything is built, and the error names the option,
 * shows the value and says what is expected.
 */
import { createTableRelationsHelpers } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { showValue } from "../src/display.js";
import { expectThrows } from "./support/failures.js";
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
import { RULE_NAMES, tableNames } from "../src/naming/index.js";
import { RULES } from "../src/sql/rules.js";
import { sameParentStatements } from "../src/sql/same-parent/index.js";
import { getMeta } from "../src/tables/meta.js";
import { splitStatements } from "../src/sql/statements.js";

const long = (n: number) => "t".repeat(n);
const factories = [
  ["spectorTables", (o: unknown) => spectorTables(o as never)],
  ["spectorDownSql", (o: unknown) => spectorDownSql(o as never)],
] as const;

describe.each(factories)("%s rejects", (_name, build) => {
  test("neither or both of table and shards", () => {
    expectThrows(() => build({}), { option: "table", mentions: ["exactly one of `table` and `shards`", "undefined"] });
    expectThrows(() => build({ table: "events", shards: ["a"] }), {
      option: "shards",
      mentions: ["exactly one", '["a"]'],
    });
  });

  test("a huge value or misspelt key: the message shows 200 characters of it, the error keeps it whole", () => {
    const huge = "T".repeat(20_000_000);
    const error = expectThrows(() => build({ table: huge }), {
      option: "table",
      mentions: ['`"TTT', "…` (string of 20000000 bytes, first 200 characters shown)"],
    });
    expect(error.message.length).toBeLessThan(600);
    expect((error as SpectorOptionError).value).toBe(huge);
    const items = Array.from({ length: 1_000_000 }, (_, i) => i);
    const stray = expectThrows(() => build({ table: "events", [huge]: items }), {
      instanceOf: SpectorOptionError,
      mentions: ["`TTT", "… (20000000 characters)`", "…` (array of 1000000 items, first 200 characters shown)"],
    });
    expect((stray as SpectorOptionError).option).toBe(huge);
    expect(stray.message.length).toBeLessThan(800);
  });

  test("a size of one is singular: 1 byte, 1 item, 1 key", () => {
    expect(showValue("E")).toBe('`"E"` (string of 1 byte)');
    expect(showValue("é")).toBe('`"é"` (string of 2 bytes)');
    expect(showValue(["x".repeat(300)])).toMatch(/\(array of 1 item, first 200 characters shown\)$/);
    expect(showValue({ k: "x".repeat(300) })).toMatch(/\(object of 1 key, first 200 characters shown\)$/);
    expectThrows(() => build({ table: "E" }), { option: "table", mentions: ['got `"E"` (string of 1 byte)'] });
  });

  test("empty, badly typed or duplicate names", () => {
    expectThrows(() => build({ table: "" }), { option: "table", mentions: ['""', "lowercase letters"] });
    expectThrows(() => build({ table: 7 }), { option: "table", mentions: ["`7` (number)"] });
    expectThrows(() => build({ shards: [] }), { option: "shards", mentions: ["non-empty array"] });
    expectThrows(() => build({ shards: ["a", ""] }), { option: "shards[1]" });
    expectThrows(() => build({ shards: ["a", "a"] }), { option: "shards[1]", mentions: ['"a" is also `shards[0]`'] });
    expectThrows(() => build({ shards: Array.from({ length: 257 }, (_, i) => `s_${i}`) }), {
      option: "shards",
      mentions: ["at most 256 events table names", "257 shards"],
    });
    expectThrows(() => build({ shards: ["a", "b"], foreignShards: 3 }), {
      option: "foreignShards",
      mentions: ["an integer from 1 to the number of `shards` (2)", "`3`"],
    });
    expectThrows(() => build({ shards: ["a", "b"], foreignShards: 1.5 }), { option: "foreignShards" });
    expectThrows(() => build({ shards: ["a", "b"], foreignShards: 0 }), { option: "foreignShards" });
    expectThrows(() => build({ table: "a", foreignShards: 1 }), {
      option: "foreignShards",
      mentions: ["left out when `table` is given"],
    });
    expectThrows(
      () =>
        build({
          table: "events",
          links: [
            ["l", "x_id"],
            ["l", "y_id"],
          ],
        }),
      { option: "links[1][0]", mentions: ['"l" is also `links[0][0]`'] },
    );
  });

  test("names with capitals, spaces or quotes", () => {
    expectThrows(() => build({ table: "Events" }), { option: "table", mentions: ['"Events"'] });
    expectThrows(() => build({ table: "my events" }), { option: "table", mentions: ['"my events"'] });
    expectThrows(() => build({ table: 'e"; DROP TABLE x; --' }), { option: "table", mentions: ["DROP TABLE x"] });
    expectThrows(() => build({ table: "events", pgSchema: "Audit" }), { option: "pgSchema" });
    expectThrows(() => build({ table: "events", pgSchema: "pg_mine" }), { option: "pgSchema", mentions: ["reserved"] });
    expectThrows(() => build({ table: "events", links: [["l", "Other"]] }), {
      option: "links[0][1]",
      mentions: ['"Other"'],
    });
  });

  test("PostgreSQL reserved words, which Spector could not write unquoted", () => {
    expectThrows(() => build({ table: "order" }), { option: "table", mentions: ['"order"', "reserved word"] });
    expectThrows(() => build({ table: "events", links: [["l", "user"]] }), {
      option: "links[0][1]",
      mentions: ["reserved word"],
    });
    expectThrows(() => build({ table: "events", pgSchema: "table" }), {
      option: "pgSchema",
      mentions: ["reserved word"],
    });
    expect(() => build({ table: "orders", links: [["l", "user_id"]] })).not.toThrow();
  });

  test("arrays with holes", () => {
    // eslint-disable-next-line no-sparse-arrays
    expectThrows(() => build({ shards: [, "a"] }), { option: "shards[0]", mentions: ["hole"] });
    // eslint-disable-next-line no-sparse-arrays
    expectThrows(() => build({ table: "events", links: [["l", "x_id"], , ["m", "x_id"]] }), {
      option: "links[1]",
      mentions: ["hole"],
    });
  });

  test("an events table and a link table with the same name", () => {
    expectThrows(() => build({ table: "events", links: [["events", "other_id"]] }), {
      option: "links[0][0]",
      mentions: ['"events" is also `table`'],
    });
    expectThrows(() => build({ shards: ["e", "e_l"], links: [["l", "other_id"]] }), {
      option: "links[0][0]",
      mentions: ['"e_l" is also `shards[1]`'],
    });
  });

  test("names whose indexes collide with another table's", () => {
    // link "a" with foreign key "b_schema" has an index a_b_schema_index, as does events table "a_b"
    expectThrows(() => build({ table: "a_b", links: [["a", "b_schema"]] }), {
      option: "links[0][0]",
      mentions: ["a_b_schema_index", "`table`"],
    });
  });

  test("a foreign key named id, event_id or type", () => {
    for (const key of ["id", "event_id", "type"])
      expectThrows(() => build({ table: "events", links: [["l", key]] }), {
        option: "links[0][1]",
        mentions: [`"${key}"`],
      });
  });

  test("non-boolean typed, constrained and hashed, unknown option keys, malformed specs", () => {
    expectThrows(() => build({ table: "events", hashed: "yes" }), {
      option: "hashed",
      mentions: ['`"yes"` (string', "boolean"],
    });
    expectThrows(() => build({ table: "events", updatedAt: 0 }), { option: "updatedAt", mentions: ["`0` (number)"] });
    expectThrows(() => build({ table: "events", links: [["l", "x_id", { typed: 1 }]] }), {
      option: "links[0][2].typed",
      mentions: ["`1` (number)"],
    });
    expectThrows(() => build({ table: "events", links: [["l", "x_id", { constrained: null }]] }), {
      option: "links[0][2].constrained",
      mentions: ["`null`"],
    });
    expectThrows(() => build({ table: "events", links: [["l", "x_id", { typd: true }]] }), {
      option: "links[0][2].typd",
      mentions: ["no such option"],
    });
    expectThrows(() => build({ table: "events", hash: true }), {
      option: "hash",
      mentions: ["no such option"],
    });
    expectThrows(() => build({ table: "events", links: [["l"]] }), {
      option: "links[0]",
      mentions: ["[linkTable, foreignKey]"],
    });
    expectThrows(() => build({ table: "events", links: "l" }), { option: "links", mentions: ["array of link specs"] });
  });

  test("any generated name over 63 bytes", () => {
    // an events table name: the effective limit, 45 bytes, said up front (T_inserted_at_index must fit in 63)
    const limit = "an events table name of at most 45 bytes (so that `T_inserted_at_index` fits PostgreSQL's 63)";
    for (const bytes of [46, 64]) {
      const error = expectThrows(() => build({ table: long(bytes) }), { option: "table", mentions: [limit] });
      expect(error.message).toContain(`(string of ${bytes} bytes)`);
      expect(error.message).not.toContain("63-byte");
    }
    expect(() => build({ table: long(45) })).not.toThrow();
    expectThrows(() => build({ shards: ["s", long(46)] }), { option: "shards[1]", mentions: [limit] });
    expectThrows(() => build({ table: long(45), recordIndex: true }), {
      option: "table",
      mentions: ["at most 44 bytes (so that `T_parent_id_id_index` (with `recordIndex`) fits PostgreSQL's 63)"],
    });
    expectThrows(() => build({ table: "Events" }), {
      option: "table",
      mentions: ["at most 45 bytes", "lowercase letters"],
    });
    // the UPDATE trigger function is the longest link name: check_link_same_parent_L_update
    expectThrows(() => build({ table: "e", links: [[long(34), "x_id"]] }), {
      option: "links[0][0]",
      mentions: ["trigger function", "_update"],
    });
    expect(() => build({ table: "e", links: [[long(33), "x_id"]] })).not.toThrow();
    // shard link names count with their shard prefix
    expectThrows(() => build({ shards: [long(20)], links: [[long(13), "x_id"]] }), {
      option: "links[0][0]",
      mentions: [`${long(20)}_${long(13)}`],
    });
    // multi-byte characters are refused outright (and would count as bytes, not characters)
    expectThrows(() => build({ table: "événements" }), { option: "table", mentions: ["lowercase letters"] });
  });
});

describe("eventTable and linkTable reject", () => {
  test("bad names and options", () => {
    expectThrows(() => eventTable("Bad"), { option: "name", mentions: ['"Bad"'] });
    expectThrows(() => eventTable(long(46)), {
      option: "name",
      mentions: ["at most 45 bytes", "`T_inserted_at_index`"],
    });
    expectThrows(() => eventTable("e", { hashed: 1 } as never), { option: "hashed" });
    const events = eventTable("events");
    expectThrows(() => linkTable(events, ["l", "id"]), { option: "spec[1]" });
    expectThrows(() => linkTable(events, ["events", "other_id"]), {
      option: "spec[0]",
      mentions: ['"events" is also `events`'],
    });
    // a name PostgreSQL already uses for the events table's primary key index
    expectThrows(() => linkTable(events, ["events_pkey", "other_id"]), {
      option: "spec[0]",
      mentions: ["the primary key of `events`"],
    });
    expectThrows(() => linkTable(events, ["l", "x_id", { typed: "no" }] as never), { option: "spec[2].typed" });
  });

  test("a link on a table drizzle-spector did not make", () => {
    const { l } = spectorTables({ table: "e", links: [["l", "x_id"]] });
    expectThrows(() => linkTable(l as never, ["m", "x_id"]), {
      option: "events",
      mentions: ["link table l", "an events table made by"],
    });
    expectThrows(() => linkTable({} as never, ["m", "x_id"]), { option: "events" });
  });
});

describe("schemas, actions and payload types", () => {
  test.each(factories)("%s: bad maps and markers are refused", (_name, build) => {
    expectThrows(() => build({ table: "e", schemas: [0, 1] }), {
      option: "schemas",
      mentions: ["a plain object of names to integers", "(array)"],
    });
    expectThrows(() => build({ table: "e", schemas: { user: 1.5 } }), {
      option: "schemas.user",
      mentions: ["`1.5` (number)", "fits PostgreSQL's `integer`"],
    });
    expectThrows(() => build({ table: "e", schemas: { user: 2 ** 31 } }), {
      option: "schemas.user",
      mentions: ["2147483648"],
    });
    expectThrows(() => build({ table: "e", schemas: { user: "0" } }), { option: "schemas.user", mentions: ['"0"'] });
    expectThrows(() => build({ table: "e", schemas: { user: 0, post: 0 } }), {
      option: "schemas.post",
      mentions: ["0 is already `user`"],
    });
    expectThrows(() => build({ table: "e", schemas: { "": 0 } }), {
      option: "schemas",
      mentions: ["names are not empty"],
    });
    // actions extend Spector's insert = 1, update = 2, delete = 3; a clash is refused
    expectThrows(() => build({ table: "e", actions: { archive: 2 } }), {
      option: "actions.archive",
      mentions: ["2 is already `update`", "base actions"],
    });
    expectThrows(() => build({ table: "e", actions: { insert: 5 } }), {
      option: "actions.insert",
      mentions: ["one of Spector's base actions"],
    });
    expectThrows(() => build({ table: "e", payload: { type: "x" } }), {
      option: "payload",
      mentions: ["payloadType<YourType>()"],
    });
    expectThrows(() => build({ table: "e", payloads: payloadType<{ a: 1 }>() }), {
      option: "payloads",
      mentions: ["given with `schemas`"],
    });
    expectThrows(() => build({ table: "e", schemas: { a: 0 }, payload: payloadType(), payloads: payloadType() }), {
      option: "payloads",
      mentions: ["left out when `payload`"],
    });
  });

  test("names that Object.prototype also has are names like any other", () => {
    const events = eventTable("e", { schemas: { constructor: 0, toString: 1 }, actions: { valueOf: 9 } });
    expect(events.schema.mapToDriverValue("constructor")).toBe(0);
    expect(events.schema.mapFromDriverValue(1)).toBe("toString");
    expect(events.action.mapToDriverValue("valueOf")).toBe(9);
    const parsed = eventTable("p", JSON.parse('{"actions": {"__proto__": 8}}') as never) as unknown as typeof events;
    expect(parsed.action.mapToDriverValue("__proto__" as never)).toBe(8);
    expectThrows(() => events.schema.mapToDriverValue("hasOwnProperty" as never), {
      option: "schema",
      mentions: ['"constructor", "toString"'],
    });
  });

  test("recordIndex is a boolean, and its index name must fit too", () => {
    expectThrows(() => eventTable("e", { recordIndex: "yes" } as never), {
      option: "recordIndex",
      mentions: ["a boolean"],
    });
    expect(() => eventTable("t".repeat(45))).not.toThrow();
    expectThrows(() => eventTable("t".repeat(45), { recordIndex: true }), {
      option: "name",
      mentions: ["_parent_id_id_index"],
    });
    expectThrows(() => spectorTables({ shards: ["t".repeat(45)], recordIndex: true }), {
      option: "shards[0]",
      mentions: ["_parent_id_id_index"],
    });
  });

  test("eventTable checks the same maps, and repeating a base action with its own value is fine", () => {
    expectThrows(() => eventTable("e", { actions: { delete: 4 } }), { option: "actions.delete" });
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
    expectThrows(() => shardSet([s_1, s_0, s_2]), {
      option: "tables[0]",
      mentions: ['the table of shard "s_0"', "in the order of `shards`"],
    });
    // a shard left out is named, not the table standing where it was expected
    const missing = expectThrows(() => shardSet([s_0, s_1]), { option: "tables" });
    expect(missing.message).toBe(
      'drizzle-spector: expected `tables` to be one table for each of the 3 shards of `shards` ("s_0", "s_1", "s_2"), ' +
        'in that order, but the shard "s_2" is missing, got `["s_0","s_1"]` (array)',
    );
    expectThrows(() => shardSet([s_0, s_2]), { option: "tables", mentions: ['but the shard "s_1" is missing'] });
    const fresh = spectorTables({ shards: ["f_0", "f_1", "f_2"], links: [["l", "x_id"]] });
    expectThrows(() => shardSet([fresh.f_1_l]), {
      option: "tables",
      mentions: ['the shards "f_0", "f_2" are missing'],
    });
    expectThrows(() => shardSet([s_0_l, s_2_l, s_1_l]), {
      option: "tables[1]",
      mentions: ["its events table s_2 is shard 2 of 3"],
    });
    expectThrows(() => shardSet([s_0, s_0_l] as never), { option: "tables[1]", mentions: ["an events table"] });
    expectThrows(() => shardSet([]), { option: "tables", mentions: ["non-empty array"] });
    expectThrows(() => shardSet([{}]), { option: "tables[0]", mentions: ["a table made by"] });
    const [a, b] = [eventTable("a"), eventTable("b")];
    const [y, z] = [eventTable("y"), eventTable("z")];
    expect(shardSet([z, y]).tables).toEqual([z, y]); // tables made one by one: their order is the caller's
    expectThrows(() => shardSet([a, a]), { option: "tables[1]", mentions: ["not already in the set"] });
    const la = linkTable(a, ["la", "x_id"]);
    const lb = linkTable(b, ["lb", "y_id"]);
    expectThrows(() => shardSet([la, lb]), { option: "tables[1]", mentions: ["same spec"] });
    // link tables follow their events tables' order, once those are in a set
    const lb2 = linkTable(b, ["lb2", "x_id"]);
    const la2 = linkTable(a, ["la2", "x_id"]);
    shardSet([a, b]);
    expectThrows(() => shardSet([lb2, la]), { option: "tables[0]", mentions: ["its events table b is shard 1 of 2"] });
    expect(shardSet([la, lb2]).tables).toEqual([la, lb2]);
    expectThrows(() => shardSet([la, la2]), {
      option: "tables[1]",
      mentions: ["another events table than `tables[0]`"],
    });
    // shards of one set read and write the same names
    const c = eventTable("c", { schemas: { user: 0 } });
    const d = eventTable("d", { schemas: { user: 1 } });
    expectThrows(() => shardSet([c, d]), { option: "tables[1]", mentions: ["the same `schemas` and `actions`"] });
    expectThrows(() => shardSet([eventTable("h1", { hashed: true }), eventTable("h2")]), {
      option: "tables[1]",
      mentions: ["the same `hashed` and `updatedAt`"],
    });
  });
});

describe("rawCodes rejects", () => {
  test("a table that is not an events table", () => {
    const { l } = spectorTables({ table: "e", links: [["l", "x_id"]] });
    // @ts-expect-error: a link table has no schema or action
    expectThrows(() => rawCodes(l), { option: "table", mentions: ["an events table made by"] });
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
      expectThrows(() => spectorRelations(tables), {
        option: `tables.${name}`,
        mentions: [`relation \`${relation}\` on events is not already`],
      });
    }
    const clash = spectorTables({
      table: "events",
      links: [
        ["a", "x_id"],
        ["a_incoming", "y_id"],
      ],
    });
    expectThrows(() => spectorRelations(clash), {
      option: "tables.a_incoming",
      mentions: ["`aIncoming`", "the relation of link table a"],
    });
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
    expectThrows(() => spectorRelations({ event_ancestors }), {
      option: "tables.event_ancestors",
      mentions: ["given with its events table events"],
    });
    expect(Object.keys(spectorRelations({ events, event_ancestors, other: 1 }))).toEqual([
      "event_ancestorsRelations",
      "eventsRelations",
    ]);
  });
});

describe("hostile names", () => {
  test("a name carrying SQL is refused by every entry point before anything is built", () => {
    const name = `x"; DROP TABLE sentinel; --'`;
    for (const build of [
      () => spectorTables({ table: name }),
      () => spectorTables({ table: "events", links: [[name, "other_id"]] }),
      () => spectorTables({ table: "events", links: [["l", name]] }),
      () => spectorTables({ table: "events", pgSchema: name }),
      () => spectorDownSql({ table: name }),
    ]) {
      expect(build).toThrow(TypeError);
    }
  });
});

describe("generated SQL", () => {
  test("every function and trigger a rule creates is a name its table claims, so it is checked with the table's", () => {
    const tables = spectorTables({
      table: "events",
      hashed: "record",
      appendOnly: true,
      links: [["event_links", "linked_id", { typed: true }]],
    });
    expect(RULES.map((rule) => rule.kind).sort()).toEqual(Object.keys(RULE_NAMES).sort());
    for (const rule of RULES) {
      expect(RULE_NAMES[rule.kind]!.on, rule.kind).toEqual(rule.on);
      for (const table of Object.values(tables)) {
        const meta = getMeta(table)!;
        if (meta.kind === "heads" || !rule.on.includes(meta.kind) || !rule.wants(meta)) continue;
        const claimed = tableNames(meta).map(([name]) => name);
        const created = rule
          .install(meta)
          .flatMap((statement) => [
            ...statement.matchAll(/CREATE OR REPLACE (?:FUNCTION (?:"[^"]+"\.)?|TRIGGER )"([^"]+)"/g),
          ])
          .map((match) => match[1]!);
        expect(created.length, rule.kind).toBeGreaterThan(0);
        for (const name of created) expect(claimed, `${rule.kind} on ${meta.name}`).toContain(name);
        for (const name of [
          ...rule
            .remove(meta)
            .join("\n")
            .matchAll(/"([^"]+)"\(\)/g),
        ].map((m) => m[1]!)) {
          expect(claimed, `${rule.kind} removes ${name}`).toContain(name);
        }
      }
    }
  });

  test("function bodies never contain their dollar-quote tag, whatever the names", () => {
    const tables = spectorTables({ shards: ["e_0", "e_1"], pgSchema: "s_1", links: [["l", "x_id", { typed: true }]] });
    // names validation refuses, given to the rule's SQL directly: they hold the usual tag and the next one
    const odd = "$spector$ $spector_1$";
    const meta = {
      kind: "link",
      pgSchema: odd,
      name: odd,
      events: odd,
      specName: odd,
      foreignKey: odd,
      typed: false,
      constrained: true,
      appendOnly: false,
    } as const;
    const functions = [...splitStatements(spectorTriggerSql(tables)), ...sameParentStatements(meta)].filter((s) =>
      s.includes("CREATE OR REPLACE FUNCTION"),
    );
    expect(functions).toHaveLength(12);
    for (const statement of functions) {
      const tag = /AS (\$spector(?:_\d+)?\$)\n/.exec(statement)![1]!;
      const body = statement.slice(statement.indexOf(`${tag}\n`) + tag.length, statement.lastIndexOf(`\n${tag};`));
      expect(body, tag).not.toContain(tag);
      expect(statement.endsWith(`\n${tag};`), tag).toBe(true);
    }
    expect(sameParentStatements(meta)[0]).toContain("AS $spector_2$\n");
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
    // four functions, each with EXECUTE revoked from PUBLIC, three triggers, the drop of the large path's
    // function of an earlier version (its arguments were two arrays), and the replica identity
    expect(chunks).toHaveLength(13);
    expect(chunks.filter((chunk) => chunk.includes("DROP FUNCTION"))).toEqual([
      expect.stringContaining(
        'DROP FUNCTION IF EXISTS "public"."check_link_same_parent_a_large"(pg_catalog.uuid[], pg_catalog.uuid[]);',
      ),
    ]);
    expect(chunks.filter((chunk) => chunk.includes("REPLICA IDENTITY USING INDEX"))).toEqual([
      expect.stringContaining('ALTER TABLE "public"."a" REPLICA IDENTITY USING INDEX "a_event_id_x_id_index";'),
    ]);
    expect(chunks.filter((chunk) => chunk.includes("REVOKE EXECUTE ON FUNCTION"))).toHaveLength(4);
    expect(text).toContain('"public"."a"');
    expect(text).not.toContain('"public"."b"');
    expect(spectorTriggerSql([])).toBe("");
  });
});
