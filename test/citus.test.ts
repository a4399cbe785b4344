/**
 * The Citus layout on a Citus cluster (`CITUS_URL`, the coordinator; `.ci/run` starts one with
 * `cluster.sh`): the migration's SQL distributes the tables (`pg_dist_partition`: `parent_id`, the link
 * tables in the events table's co-location group), the workers' foreign keys refuse a cross-record link
 * (single-row, multi-row, `INSERT ... SELECT`, `UPDATE`), the helpers give the same results as on
 * PostgreSQL, and a record's queries run on one shard (`Task Count: 1` in EXPLAIN).
 *
 * The tables live in a PostgreSQL schema of their own (Citus propagates `CREATE SCHEMA` to the workers;
 * a new database would need the extension on every node), dropped at the end. Without `CITUS_URL` the
 * file checks only that it is not in CI: in CI the cluster suite must run, as the PostgreSQL one must.
 */
import { join } from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, describe, expect, test } from "vitest";
import {
  ancestors,
  appendEvent,
  backtrace,
  link,
  linked,
  linkTable,
  listByParent,
  spectorRelations,
  spectorTables,
  spectorTriggerSql,
  type SpectorDatabase,
} from "../src/index.js";
import { compareRules } from "../src/check/rules.js";
import { generate } from "../src/cli/generate.js";
import { writeCitusSchema } from "./support/citus-project.js";
import { useScratchProject } from "./support/scratch-project.js";
import { citusDistributionRule, dropRuleStatements } from "../src/sql/rules.js";
import { splitStatements } from "../src/sql/statements.js";
import { useCitusSchema } from "./support/citus-schema.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";

const CITUS_URL = process.env.CITUS_URL;
const FOREIGN_KEY_VIOLATION = "23503";

if (CITUS_URL === undefined) {
  test("without CITUS_URL the cluster suite does not run, which only outside CI is allowed", () => {
    expect(process.env.CI, "CI is set but CITUS_URL is not: the Citus suite must run in CI (.ci/run)").toBeFalsy();
  });
} else {
  const url = CITUS_URL;
  const schema = randomName("citus");
  const tables = spectorTables({
    table: "events",
    layout: "citus",
    pgSchema: schema,
    actions: {},
    links: [
      ["event_ancestors", "ancestor_id"],
      ["event_links", "linked_id", { typed: true }],
    ],
  });
  const { events, event_ancestors, event_links } = tables;
  const q = (name: string) => `"${schema}".${name}`;

  let client: postgres.Sql;
  let db: SpectorDatabase;
  /** Every query the helpers sent, with its parameters: EXPLAIN runs them again. */
  const sent: { sql: string; params: unknown[] }[] = [];

  const query = useCitusSchema(url, schema, tables, (made) => {
    client = made;
    db = drizzle(made, { logger: { logQuery: (sql, params) => sent.push({ sql, params }) } });
  });

  /** The `Task Count` lines of the plan of the last query the helper `run` sent (that starts with `verb`). */
  async function taskCounts(run: () => Promise<unknown>, verb = "select"): Promise<string[]> {
    sent.length = 0;
    await run();
    const last = sent.filter((one) => one.sql.startsWith(verb)).at(-1)!;
    const plan = await query<{ "QUERY PLAN": string }>(`EXPLAIN ${last.sql}`, last.params);
    return plan.map((row) => row["QUERY PLAN"].trim()).filter((line) => line.startsWith("Task Count"));
  }

  describe("the Citus layout on a Citus cluster", () => {
    test("the migration distributes every table by parent_id, the link tables co-located with the events", async () => {
      const rows = await query<{ table: string; column: string; colocation: number; method: string }>(
        `SELECT logicalrelid::text AS table, pg_catalog.column_to_column_name(logicalrelid, partkey) AS column,
                colocationid AS colocation, partmethod AS method
           FROM pg_catalog.pg_dist_partition WHERE logicalrelid::text LIKE $1 ORDER BY 1`,
        [`${schema}.%`],
      );
      expect(rows.map((row) => [row.table, row.column, row.method])).toEqual([
        [`${schema}.event_ancestors`, "parent_id", "h"],
        [`${schema}.event_links`, "parent_id", "h"],
        [`${schema}.events`, "parent_id", "h"],
      ]);
      expect(new Set(rows.map((row) => row.colocation)).size).toBe(1);
      const [{ workers }] = (await query<{ workers: number }>(
        `SELECT count(DISTINCT nodeport)::int AS workers FROM pg_catalog.citus_shards WHERE table_name::text = $1`,
        [`${schema}.events`],
      )) as [{ workers: number }];
      expect(workers).toBe(2);
    });

    test("the migration's SQL runs again without effect (the tables are distributed already)", async () => {
      const ddl = await createSql(tables, [schema]);
      const blocks = splitStatements(ddl).filter((statement) => statement.includes("create_distributed_table"));
      expect(blocks.length).toBe(3);
      for (const block of blocks) await client.unsafe(block);
      const [{ n }] = (await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_catalog.pg_dist_partition WHERE logicalrelid::text LIKE $1`,
        [`${schema}.%`],
      )) as [{ n: number }];
      expect(n).toBe(3);
    });

    test("check: no difference once distributed; a Citus-layout table left local is reported", async () => {
      const catalog = (text: string, params: unknown[]) => query<Record<string, unknown>>(text, params);
      expect((await compareRules(catalog, tables)).differences).toEqual([]);
      const later = linkTable(events, ["later_links", "later_id"]);
      // drizzle-kit's DDL for the new link table, without the distribution step
      const ddl = splitStatements(await createSql({ ...tables, later_links: later }, [schema])).filter(
        (statement) => statement.includes("later_links") && !statement.includes("create_distributed_table"),
      );
      await client.begin(async (tx) => {
        for (const statement of ddl) await tx.unsafe(statement);
      });
      expect((await compareRules(catalog, { ...tables, later_links: later })).differences).toEqual([
        {
          table: `${schema}.later_links`,
          object: `table ${schema}.later_links`,
          problem: "not distributed (Citus is installed: run the migrations)",
        },
      ]);
      // the migration's step for a link table added later distributes it, co-located
      const [block] = splitStatements(spectorTriggerSql({ later_links: later }));
      await client.unsafe(block!);
      expect((await compareRules(catalog, { ...tables, later_links: later })).differences).toEqual([]);
      const [{ same }] = (await query<{ same: boolean }>(
        `SELECT (SELECT colocationid FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1::regclass) =
                (SELECT colocationid FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $2::regclass) AS same`,
        [q("later_links"), q("events")],
      )) as [{ same: boolean }];
      expect(same).toBe(true);
      // the rule's removal changes nothing: undistributing would take the events table and every link table
      const notices: string[] = [];
      const noticing = postgres(url, { max: 1, onnotice: (notice) => notices.push(String(notice.message)) });
      try {
        for (const statement of dropRuleStatements(citusDistributionRule, { pgSchema: schema, name: "later_links" })) {
          await noticing.unsafe(statement);
        }
      } finally {
        await noticing.end();
      }
      expect(notices).toEqual([
        `drizzle-spector: "${schema}"."later_links" stays distributed by Citus; to change its keys, run SELECT undistribute_table('"${schema}"."later_links"', cascade_via_foreign_keys => true) first`,
      ]);
      const [{ n }] = (await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_catalog.pg_dist_partition WHERE logicalrelid::text LIKE $1`,
        [`${schema}.%`],
      )) as [{ n: number }];
      expect(n).toBe(4);
    });

    describe("generate and migrate() on the coordinator", () => {
      const dir = useScratchProject();
      const project = randomName("citus_project");
      afterAll(async () => {
        await client?.unsafe(`DROP SCHEMA IF EXISTS "${project}", "${project}_migrations" CASCADE`);
      });

      test("the folder generate writes distributes the tables, and a link table added later", async () => {
        const quiet = { log: () => {} };
        writeCitusSchema(dir, { pgSchema: project });
        await generate({ cwd: dir, ...quiet });
        writeCitusSchema(dir, { pgSchema: project, later: true });
        await generate({ cwd: dir, ...quiet });
        await migrate(drizzle(client), {
          migrationsFolder: join(dir, "migrations"),
          migrationsSchema: `${project}_migrations`,
        });
        const rows = await query<{ table: string; column: string; colocation: number }>(
          `SELECT logicalrelid::text AS table, pg_catalog.column_to_column_name(logicalrelid, partkey) AS column,
                  colocationid AS colocation
             FROM pg_catalog.pg_dist_partition WHERE logicalrelid::text LIKE $1 ORDER BY 1`,
          [`${project}.%`],
        );
        expect(rows.map((row) => [row.table, row.column])).toEqual([
          [`${project}.event_ancestors`, "parent_id"],
          [`${project}.events`, "parent_id"],
          [`${project}.later_links`, "parent_id"],
        ]);
        expect(new Set(rows.map((row) => row.colocation)).size).toBe(1);
      });
    });

    describe("records, links and reads", () => {
      let user: { id: string; parentId: string };
      let second: { id: string; parentId: string };
      let third: { id: string; parentId: string };
      let other: { id: string; parentId: string };
      const links = async () =>
        (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${q("event_ancestors")}`))[0]!.n;
      const refused = (text: string) =>
        expectRejects(query(text), { sqlstate: FOREIGN_KEY_VIOLATION, mentions: ["event_ancestors"] });

      test("appendEvent starts and joins records; an unknown record writes nothing", async () => {
        user = await appendEvent(db, events, { schema: 0, action: "insert", payload: { n: 1 } });
        second = await appendEvent(db, events, { schema: 0, action: "update", payload: { n: 2 }, parentId: user.id });
        third = await appendEvent(db, events, { schema: 0, action: "update", payload: { n: 3 }, parentId: user.id });
        other = await appendEvent(db, events, { schema: 0, action: "insert", payload: { n: 9 } });
        expect([user.parentId, second.parentId, third.parentId, other.parentId]).toEqual([
          user.id,
          user.id,
          user.id,
          other.id,
        ]);
        await expectRejects(appendEvent(db, events, { schema: 0, action: "update", payload: 0, parentId: second.id }), {
          mentions: ["record"],
        });
        const [{ n }] = (await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${q("events")}`)) as [
          { n: number },
        ];
        expect(n).toBe(4);
      });

      test("the workers' foreign keys refuse a cross-record link: single row, multi-row, INSERT ... SELECT, UPDATE", async () => {
        const insert = `INSERT INTO ${q("event_ancestors")} (parent_id, event_id, ancestor_id) VALUES`;
        await refused(`${insert} ('${user.id}', '${second.id}', '${other.id}')`);
        await refused(`${insert} ('${other.id}', '${other.id}', '${user.id}')`);
        await refused(
          `${insert} ('${user.id}', '${second.id}', '${user.id}'), ('${other.id}', '${other.id}', '${user.id}')`,
        );
        await refused(
          `INSERT INTO ${q("event_ancestors")} (parent_id, event_id, ancestor_id)
           SELECT e.parent_id, e.id, '${other.id}'::uuid FROM ${q("events")} e WHERE e.parent_id = '${user.id}'`,
        );
        expect(await links()).toBe(0);
        await query(`${insert} ('${user.id}', '${second.id}', '${user.id}')`);
        await expectRejects(query(`UPDATE ${q("event_ancestors")} SET ancestor_id = '${other.id}'`), {
          sqlstate: FOREIGN_KEY_VIOLATION,
        });
        await query(`DELETE FROM ${q("event_ancestors")}`);
        expect(await links()).toBe(0);
      });

      test("link writes parent_id (given or looked up); ids of two records are refused by the foreign key", async () => {
        expect(await link(db, event_ancestors, third, second)).toEqual({
          eventId: third.id,
          ancestorId: second.id,
          parentId: user.id,
        });
        expect(await link(db, event_ancestors, second.id, user.id)).toEqual({
          eventId: second.id,
          ancestorId: user.id,
          parentId: user.id,
        });
        expect(await link(db, event_links, third, user, { type: 4 })).toEqual({
          eventId: third.id,
          linkedId: user.id,
          type: 4,
          parentId: user.id,
        });
        await expectRejects(link(db, event_ancestors, second.id, other.id), { sqlstate: FOREIGN_KEY_VIOLATION });
      });

      test("the read helpers give the record's events and links", async () => {
        expect((await listByParent(db, events, user.id)).map((e) => e.id)).toEqual([user.id, second.id, third.id]);
        expect((await backtrace(db, events, second)).map((e) => e.id)).toEqual([user.id, second.id]);
        expect(await backtrace(db, events, { id: other.id, parentId: user.id })).toEqual([]);
        expect((await linked(db, event_ancestors, third)).map((row) => row.event.id)).toEqual([second.id]);
        expect((await linked(db, event_ancestors, user, { direction: "in" })).map((row) => row.event.id)).toEqual([
          second.id,
        ]);
        expect((await ancestors(db, event_ancestors, third)).map((row) => [row.event.id, row.depth])).toEqual([
          [second.id, 1],
          [user.id, 2],
        ]);
        expect((await ancestors(db, event_ancestors, user, { direction: "in" })).map((row) => row.event.id)).toEqual([
          second.id,
          third.id,
        ]);
      });

      test("spectorRelations: db.query of a record with its links and their ends", async () => {
        const withRelations = drizzle(client, { schema: { ...tables, ...spectorRelations(tables) } });
        const found = await withRelations.query.events.findFirst({
          where: (e, { and, eq }) => and(eq(e.parentId, user.id), eq(e.id, third.id)),
          with: { parent: true, eventAncestors: { with: { ancestor: true, event: true } } },
        });
        expect(found!.parent?.id).toBe(user.id);
        expect(found!.eventAncestors.map((l) => [l.event.id, l.ancestor.id])).toEqual([[third.id, second.id]]);
      });

      test("a record's queries run on one shard: Task Count 1", async () => {
        const plans = {
          listByParent: await taskCounts(() => listByParent(db, events, user.id)),
          backtrace: await taskCounts(() => backtrace(db, events, third)),
          linked: await taskCounts(() => linked(db, event_ancestors, third)),
          linkedIn: await taskCounts(() => linked(db, event_ancestors, user, { direction: "in" })),
          ancestors: await taskCounts(() => ancestors(db, event_ancestors, third)),
          ancestorsDepth: await taskCounts(() => ancestors(db, event_ancestors, third, { maxDepth: 1 })),
          appendEvent: await taskCounts(
            () => appendEvent(db, events, { schema: 0, action: "update", payload: 4, parentId: user.id }),
            "insert",
          ),
        };
        console.log("Citus plans:", JSON.stringify(plans));
        for (const [helper, lines] of Object.entries(plans)) expect(lines, helper).toEqual(["Task Count: 1"]);
        // the measure can fail: a lookup by id alone runs on every shard
        const [{ shards }] = (await query<{ shards: number }>(
          `SELECT count(*)::int AS shards FROM pg_catalog.citus_shards WHERE table_name::text = $1`,
          [`${schema}.events`],
        )) as [{ shards: number }];
        const scan = await query<{ "QUERY PLAN": string }>(`EXPLAIN SELECT * FROM ${q("events")} WHERE id = $1`, [
          user.id,
        ]);
        expect(scan.map((row) => row["QUERY PLAN"].trim()).filter((line) => line.startsWith("Task Count"))).toEqual([
          `Task Count: ${shards}`,
        ]);
        expect(shards).toBeGreaterThan(1);
      });
    });
  });
}
