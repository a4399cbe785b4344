/**
 * Which path the same-parent rule takes for a large statement into an events table small enough for
 * the hash joins (at most one page per 16 of its rows): hash joins when the table's ids are in random
 * order or it has no statistics, merge joins when `ANALYZE` found it ordered by `id` (time-ordered
 * ids written in time order). Both find a cross-record link. Read from the rule's DEBUG message and
 * from `pg_stats`, on PGlite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import { beforeAll, expect, test } from "vitest";
import { spectorTables } from "../src/index.js";
import { ORDERED_CORRELATION } from "../src/sql/same-parent/index.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";

/** One record of `n` events (the root first) with ids made by `id`, in the order they were made. */
function recordOf(n: number, id: () => string): { root: string; children: string[] } {
  const root = id();
  return { root, children: Array.from({ length: n }, () => id()) };
}

describeBackends("the same-parent rule's path for a large statement into a small table", (backend) => {
  const t = useDatabase(backend);
  const ordered = recordOf(200, uuidv7);
  const shuffled = recordOf(200, randomUUID);
  const other = recordOf(1, uuidv7);

  beforeAll(async () => {
    for (const schema of ["ordered", "shuffled"]) {
      const tables = spectorTables({ table: "events", pgSchema: schema, links: [["links", "other_id"]] });
      await t.execMigration(await createSql(tables, [schema]));
      // no ANALYZE but the tests' own (autovacuum would analyze a table this new soon)
      await t.query(`ALTER TABLE ${schema}.events SET (autovacuum_enabled = false)`);
    }
    const insert = (schema: string, records: { root: string; children: string[] }[]) =>
      t.query(
        `INSERT INTO ${schema}.events (id, parent_id, schema, action) VALUES ${records
          .flatMap(({ root, children }) => [root, ...children].map((id) => `('${id}', '${root}', 1, 2)`))
          .join(", ")}`,
      );
    await insert("ordered", [ordered, other]);
    await insert("shuffled", [shuffled, other]);
  });

  const links = (schema: string, record: { root: string; children: string[] }, last = record.root) =>
    `INSERT INTO ${schema}.links (event_id, other_id) VALUES ${record.children
      .slice(0, 100)
      .map((child, i) => `('${child}', '${i === 99 ? last : record.root}')`)
      .join(", ")};`;
  const path = async (schema: string, record: { root: string; children: string[] }) =>
    (await t.messages([links(schema, record), "ROLLBACK"])).filter((m) => m.startsWith("drizzle-spector:"));
  const correlation = async (schema: string) =>
    (
      await t.query<{ correlation: number | null }>(
        `SELECT correlation FROM pg_stats WHERE schemaname = $1 AND tablename = 'events' AND attname = 'id'`,
        [schema],
      )
    )[0]?.correlation ?? null;

  test("without statistics: hash joins", async () => {
    expect(await correlation("ordered")).toBeNull();
    expect(await path("ordered", ordered)).toEqual(["drizzle-spector: links checks 100 links with hash joins"]);
  });

  test("ids in time order, analyzed: merge joins, which find a cross-record link too", async () => {
    await t.query(`ANALYZE ordered.events`);
    expect(await correlation("ordered")).toBeGreaterThanOrEqual(ORDERED_CORRELATION);
    expect(await path("ordered", ordered)).toEqual(["drizzle-spector: links checks 100 links with merge joins"]);
    await expectRejects(t.query(links("ordered", ordered, other.root)), {
      sqlstate: "23514",
      mentions: [`${ordered.root} != ${other.root}`],
    });
  });

  test("ids in random order, analyzed: hash joins, which find a cross-record link too", async () => {
    await t.query(`ANALYZE shuffled.events`);
    expect(Math.abs((await correlation("shuffled"))!)).toBeLessThan(ORDERED_CORRELATION);
    expect(await path("shuffled", shuffled)).toEqual(["drizzle-spector: links checks 100 links with hash joins"]);
    await expectRejects(t.query(links("shuffled", shuffled, other.root)), {
      sqlstate: "23514",
      mentions: [`${shuffled.root} != ${other.root}`],
    });
  });
});
