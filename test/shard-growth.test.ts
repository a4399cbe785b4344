/**
 * Shards that can grow (issue 9): records written with 2 shards are found, and keep receiving their
 * events, after a third shard is appended to the list; new records spread over all three; records
 * whose ids were not made here (another service's UUIDv4s) stay where `foreignShards` routes them.
 */
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { expect, test } from "vitest";
import {
  ancestors,
  appendEvent,
  link,
  listByParent,
  recordIdShard,
  shardFor,
  shardHash,
  shardSet,
  spectorTables,
  spectorTriggerSql,
} from "../src/index.js";
import { joinStatements, splitStatements } from "../src/sql/statements.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { steps } from "./support/scratch-project.js";

const options = { schemas: { user: 0 }, actions: {}, links: [["ancestors", "ancestor_id"]] } as const;
const two = spectorTables({ shards: ["log_0", "log_1"], ...options });
const three = spectorTables({ shards: ["log_0", "log_1", "log_2"], foreignShards: 2, ...options });
const before = {
  events: shardSet([two.log_0, two.log_1]),
  links: shardSet([two.log_0_ancestors, two.log_1_ancestors]),
};
const after = {
  events: shardSet([three.log_0, three.log_1, three.log_2]),
  links: shardSet([three.log_0_ancestors, three.log_1_ancestors, three.log_2_ancestors]),
};
const NAMES = ["log_0", "log_1", "log_2"];

/** Records another service wrote with UUIDv4 ids, each in shard `shardHash(id) % 2` of the two. */
const FOREIGN = [
  "3f2b8c1e-9d4a-4b6e-8f10-2a7c5e9d1b30",
  "a41c7e90-5b2d-4e8f-9a61-7d3b0c2e5f48",
  "0d9e6b27-c1f3-4a58-b7e4-91a2c6d8e0f5",
  "e7a05c3d-2f6b-4d91-8c7e-5b4a3d2c1e0f",
  "5c8d1f2a-7e3b-4c69-a0d4-3e2f1b9c8a76",
  "b2e4f6a8-1c3d-4e5f-9a7b-8c6d4e2f0a13",
];

describeBackends("appending a shard to the list", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await createSql(two)));
  const step = steps();
  const records: { id: string; table: string }[] = [];
  /** The tables among `names` holding rows of record `id`, read from the database. */
  const holder = async (id: string, names = NAMES) => {
    const rows = await t.query<{ t: string }>(
      names.map((name) => `SELECT '${name}' AS t FROM ${name} WHERE parent_id = $1`).join(" UNION ALL "),
      [id],
    );
    return [...new Set(rows.map((row) => row.t))];
  };

  step("6 records and their links are written with 2 shards, and 6 by another service", async () => {
    for (let i = 0; i < 6; i++) {
      const first = await appendEvent(t.db, before.events, { schema: "user", action: "insert", payload: { i } });
      const next = await appendEvent(t.db, before.events, {
        schema: "user",
        action: "update",
        payload: { i },
        parentId: first.id,
      });
      await link(t.db, before.links, next, first);
      records.push({ id: first.id, table: NAMES[recordIdShard(first.id)!]! });
    }
    for (const id of FOREIGN) {
      await t.query(`INSERT INTO log_${shardHash(id) % 2} (id, parent_id, schema, action) VALUES ($1, $1, 0, 1)`, [id]);
    }
    for (const record of records) expect(await holder(record.id, NAMES.slice(0, 2))).toEqual([record.table]);
  });

  step("a third shard is appended (drizzle-kit's diff, then the rules of the new link table)", async () => {
    const diff = await generateMigration(generateDrizzleJson(two), generateDrizzleJson(three));
    expect(diff.join("\n")).not.toMatch(/DROP|RENAME/i);
    await t.execMigration(joinStatements([...diff, ...splitStatements(spectorTriggerSql(three))]));
    expect(await t.query(`SELECT 1 FROM pg_class WHERE relname = 'log_2'`)).toHaveLength(1);
  });

  step("listByParent finds every record, its links too, with 3 shards", async () => {
    for (const record of records) {
      const events = await listByParent(t.db, after.events, record.id);
      expect(events).toHaveLength(2);
      expect(shardFor(record.id, after.events)).toBe(three[record.table as "log_0"]);
      expect((await ancestors(t.db, after.links, events[1]!)).map((a) => a.event.id)).toEqual([record.id]);
    }
    for (const id of FOREIGN) expect(await listByParent(t.db, after.events, id), id).toHaveLength(1);
  });

  step("appendEvent to each record works, in the shard it started in", async () => {
    for (const { id, table } of [...records, ...FOREIGN.map((id) => ({ id, table: `log_${shardHash(id) % 2}` }))]) {
      const event = await appendEvent(t.db, after.events, {
        schema: "user",
        action: "update",
        payload: {},
        parentId: id,
      });
      expect(event.parentId).toBe(id);
      expect(await holder(id)).toEqual([table]);
    }
  });

  step("new records spread over all three shards, and their ids say where", async () => {
    const used = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const first = await appendEvent(t.db, after.events, { schema: "user", action: "insert", payload: null });
      const table = NAMES[recordIdShard(first.id)!]!;
      expect(await holder(first.id)).toEqual([table]);
      used.add(table);
    }
    expect([...used].sort()).toEqual(NAMES);
  });

  step("without `foreignShards`, the foreign records would be looked for by `h mod 3`, some elsewhere", async () => {
    const grownBlindly = spectorTables({ shards: ["log_0", "log_1", "log_2"], ...options });
    const set = shardSet([grownBlindly.log_0, grownBlindly.log_1, grownBlindly.log_2]);
    const lost = [];
    for (const id of FOREIGN) if ((await listByParent(t.db, set, id)).length === 0) lost.push(id);
    expect(lost).toEqual(FOREIGN.filter((id) => shardHash(id) % 3 !== shardHash(id) % 2));
    expect(lost.length).toBeGreaterThan(0);
    // the records this package started carry their shard, and need no `foreignShards`
    for (const record of records) expect(await listByParent(t.db, set, record.id)).toHaveLength(3);
  });
});

test("the fixed foreign ids of the suite are UUIDv4s without the marker", () => {
  for (const id of FOREIGN) expect([id[14], recordIdShard(id)]).toEqual(["4", undefined]);
});
