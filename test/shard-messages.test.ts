/**
 * Mistakes caught where they are made, each with a message that names the cause and the fix: a
 * `parentId` that is a later event (in another shard than its id routes to) is reported in the shard
 * that holds it; `listByParent` and `backtrace` refuse a `parentId` that is no record's first event
 * (an id that is no event still reads as `[]`); the link helpers take bare ids on a shard set; a
 * reserved word as a name, and `table` with `shards`, are type errors that say so (read from the
 * compiler's own diagnostics), and the runtime refusal suggests a name.
 */
import ts from "typescript";
import { describe, expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorRecordNotFoundError,
  ancestors,
  appendEvent,
  backtrace,
  link,
  linked,
  listByParent,
  newEventId,
  shardIndex,
  spectorShards,
  type EventRow,
} from "../src/index.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects, expectThrows } from "./support/failures.js";

const log = spectorShards({
  shards: ["orders_0", "orders_1", "orders_2"],
  schemas: { order: 0 },
  actions: {},
  links: [["ancestors", "ancestor_id"]],
});
const orderShards = log.events;
const ancestorShards = log.links.ancestors;
type Order = EventRow<(typeof orderShards.tables)[number]>;

/** A record, and a later event of it whose id routes (by its hash) to another shard than the record's. */
async function recordWithStrayEvent(
  t: TestDatabase,
): Promise<{ record: Order; later: Order; home: string; routed: string }> {
  const record = await appendEvent(t.db, orderShards, { schema: "order", action: "insert", payload: null });
  const home = shardIndex(record.id, 3);
  for (;;) {
    const later = await appendEvent(t.db, orderShards, {
      schema: "order",
      action: "update",
      payload: null,
      parentId: record.id,
    });
    const routed = shardIndex(later.id, 3);
    if (routed !== home) return { record, later, home: `orders_${home}`, routed: `orders_${routed}` };
  }
}

describeBackends("messages of the helpers on a shard set", (backend) => {
  const t = useDatabase(backend, async (db) => db.execMigration(await createSql(log.tables)));

  test("appendEvent to a later event of a record names the shard that holds it and the record to pass", async () => {
    const { record, later, home, routed } = await recordWithStrayEvent(t);
    const before = await total(t);
    const error = (await expectRejects(
      appendEvent(t.db, orderShards, { schema: "order", action: "update", payload: null, parentId: later.id }),
      {
        instanceOf: SpectorRecordNotFoundError,
        mentions: [
          `${later.id} in ${home} is not the first event of its record (that is ${record.id})`,
          `pass ${record.id}`,
          "nothing was written",
        ],
      },
    )) as unknown as SpectorRecordNotFoundError;
    expect(error).toMatchObject({ table: home, parentId: later.id, foundParentId: record.id });
    expect(error.message).not.toContain(routed);
    expect(await total(t)).toBe(before);
  });

  test("listByParent and backtrace refuse a parentId that is a later event, on a set or a lone shard; an id that is no event reads as []", async () => {
    const { record, later, home, routed } = await recordWithStrayEvent(t);
    for (const [what, run] of [
      ["listByParent", () => listByParent(t.db, orderShards, later.id)],
      ["listByParent in capitals", () => listByParent(t.db, orderShards, later.id.toUpperCase())],
      ["backtrace", () => backtrace(t.db, orderShards, { id: later.id, parentId: later.id })],
    ] as const) {
      const error = await expectRejects(
        run,
        {
          instanceOf: SpectorRecordNotFoundError,
          mentions: [`${later.id} in ${home} is not the first event of its record (that is ${record.id})`],
        },
        what,
      );
      expect(error.message, what).not.toContain("nothing was written");
    }
    expect(await listByParent(t.db, orderShards, newEventId())).toEqual([]);
    expect(await backtrace(t.db, orderShards, { id: later.id, parentId: newEventId() })).toEqual([]);
    // one shard given alone, the one the later event's id routes to: the other shards are looked in by name
    const lone = log.tables[routed as "orders_0"];
    const mention = `${later.id} in ${home} is not the first event of its record (that is ${record.id})`;
    await expectRejects(listByParent(t.db, lone, later.id), {
      instanceOf: SpectorRecordNotFoundError,
      mentions: [mention],
    });
    await expectRejects(
      appendEvent(t.db, lone, { schema: "order", action: "update", payload: null, parentId: later.id }),
      { instanceOf: SpectorRecordNotFoundError, mentions: [mention, "nothing was written"] },
    );
  });

  test("link, linked and ancestors take bare ids on a shard set: a record id routes by itself, a later event's id is looked up", async () => {
    const { record, later, home } = await recordWithStrayEvent(t);
    const sent: string[] = [];
    expect(await link(t.logged(sent), ancestorShards, later.id, record.id)).toEqual({
      eventId: later.id,
      ancestorId: record.id,
    });
    // one lookup over the three shards (the later event's id carries no shard), then the insert into the record's shard
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^\(select .* union all \(select .* union all \(select .* limit 1$/);
    expect(sent[1]).toMatch(/^insert into "orders_\d_ancestors"/);
    expect(await t.query(`SELECT event_id FROM ${home}_ancestors WHERE ancestor_id = $1`, [record.id])).toEqual([
      { event_id: later.id },
    ]);
    // rows route without a lookup
    const byRow: string[] = [];
    const again = await appendEvent(t.db, orderShards, {
      schema: "order",
      action: "update",
      payload: null,
      parentId: record.id,
    });
    await link(t.logged(byRow), ancestorShards, again, later);
    expect(byRow).toHaveLength(1);
    expect((await linked(t.db, ancestorShards, later.id)).map((l) => l.event.id)).toEqual([record.id]);
    expect((await linked(t.db, ancestorShards, record.id, { direction: "in" })).map((l) => l.event.id)).toEqual([
      later.id,
    ]);
    expect((await ancestors(t.db, ancestorShards, again.id)).map((a) => [a.event.id, a.depth])).toEqual([
      [later.id, 1],
      [record.id, 2],
    ]);
    // an id no shard holds: no shard to write in, refused; a walk from it finds nothing
    const nowhere = newEventId();
    const writes: string[] = [];
    await expectRejects(link(t.logged(writes), ancestorShards, nowhere, record.id), {
      option: "from",
      mentions: ["the id of an event in one of the shards (orders_0, orders_1, orders_2), but none holds it"],
    });
    expect(writes.filter((text) => !/^\(?select/i.test(text))).toEqual([]); // lookups only, no insert
    expect(await linked(t.db, ancestorShards, nowhere)).toEqual([]);
    expect(await ancestors(t.db, ancestorShards, nowhere)).toEqual([]);
    // ends in two records are refused before the insert, as rows are
    const other = await appendEvent(t.db, orderShards, { schema: "order", action: "insert", payload: null });
    await expectRejects(link(t.db, ancestorShards, later.id, other.id), { option: "to" });
  });
});

/** The events in every shard. */
async function total(t: TestDatabase): Promise<number> {
  const [row] = await t.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM orders_0) + (SELECT count(*) FROM orders_1) + (SELECT count(*) FROM orders_2) AS n`,
  );
  return Number(row!.n);
}

describe("names and options refused with the cause and the fix", () => {
  test("a reserved word as a name: refused at run time with names to use instead", () => {
    expectThrows(() => spectorShards({ shards: ["order"] } as never), {
      option: "shards[0]",
      mentions: ["not a PostgreSQL reserved word", "rename it, e.g. `orders` or `order_events`"],
    });
    expectThrows(() => spectorShards({ shards: ["s_0"], links: [["l", "user"]] } as never), {
      option: "links[0][1]",
      mentions: ["rename it, e.g. `users` or `user_id`"],
    });
    expect(SpectorOptionError).toBeDefined();
  });

  test("the type errors say what is wrong: `table` with `shards`, a reserved word, `foreignShards` with `table`", () => {
    const entry = new URL("../src/index.js", import.meta.url).pathname; // NodeNext: the .ts beside it
    const snippets = {
      both: `spectorTables({ table: "events", shards: ["events_0"] });`,
      reserved: `spectorTables({ table: "order" });`,
      reservedLink: `spectorTables({ table: "orders", links: [["l", "user"]] });`,
      foreign: `spectorTables({ table: "events", foreignShards: 1 });`,
      neither: `spectorTables({ hashed: true });`,
      shardsTable: `spectorShards({ table: "events" });`,
      fine: `spectorShards({ shards: ["orders_0", "orders_1"], hashed: "record" });`,
    };
    const files = Object.fromEntries(
      Object.entries(snippets).map(([name, code]) => [
        `/virtual/${name}.ts`,
        `import { spectorTables, spectorShards } from ${JSON.stringify(entry)};\nexport const x = ${code}\n`,
      ]),
    );
    const options = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    host.readFile = (file) => files[file] ?? read(file);
    const exists = host.fileExists.bind(host);
    host.fileExists = (file) => file in files || exists(file);
    const program = ts.createProgram(Object.keys(files), options, host);
    const said = (name: string) =>
      ts
        .getPreEmitDiagnostics(program, program.getSourceFile(`/virtual/${name}.ts`))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))
        .join("\n");
    expect(said("both")).toContain(
      "give `table` (one events table) or `shards` (one events table per shard), not both",
    );
    expect(said("both")).not.toContain("pass them as literals");
    expect(said("reserved")).toContain("a PostgreSQL reserved word cannot name a table, column or schema");
    expect(said("reserved")).toContain('"order"');
    expect(said("reservedLink")).toContain('"user"');
    expect(said("foreign")).toContain("leave `foreignShards` out with `table`");
    expect(said("neither")).toContain("give `table` (one events table) or `shards`");
    expect(said("shardsTable")).toContain("spectorShards makes a sharded log from `shards`: leave `table` out");
    expect(said("fine")).toBe("");
  });
});
