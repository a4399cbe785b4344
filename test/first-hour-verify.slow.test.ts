/**
 * `drizzle-spector verify --record ID` on an app whose one log with record chains is sharded: the id
 * says which shard holds the record, so no `--table` is needed (test/cli-apps.test.ts covers a schema
 * with two logs, where `--table` names any shard of the list). Run in-process, on the tables a user's
 * migrations make. Slow (each run loads the project with tsx): `npm run test:slow` runs it.
 */
import { expect } from "vitest";
import { verify } from "../src/cli/verify.js";
import { GenerateError } from "../src/errors.js";
import { appendEvent, shardIndex, spectorShards } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { describeBackends } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { INDEX, steps, useProjectDatabase, useScratchProject, writeApp } from "./support/scratch-project.js";

const OPTIONS = { shards: ["orders_0", "orders_1", "orders_2"], hashed: "record" } as const;
const orders = spectorShards(OPTIONS);

/** The environment of a run: the config alone names the database. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL"));

describeBackends("verify --record on an app whose one record-chained log is sharded", (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { credentials, inDatabase, withDb } = useProjectDatabase(backend, dir);
  const run = (record: string) => verify({ cwd: dir, record, env: ENV, progress: undefined, log: () => {} });
  const records: { root: string; later: string; shard: string }[] = [];

  step("the app: a spectorShards log exported whole, its tables made and written to", async () => {
    writeApp(
      dir,
      credentials(),
      `import { spectorShards } from ${JSON.stringify(INDEX)};\n` +
        `const orders = spectorShards(${JSON.stringify(OPTIONS)});\n` +
        `export const { orders_0, orders_1, orders_2, orders_0_heads, orders_1_heads, orders_2_heads } = orders.tables;\n`,
    );
    const ddl = splitStatements(await createSql(orders.tables));
    await inDatabase(async (query) => {
      for (const statement of ddl) await query(statement);
    });
    await withDb(async (db) => {
      while (new Set(records.map((r) => r.shard)).size < 3) {
        const root = await appendEvent(db, orders.events, { schema: 0, action: 1, payload: null });
        const later = await appendEvent(db, orders.events, { schema: 0, action: 2, payload: null, parentId: root.id });
        records.push({ root: root.id, later: later.id, shard: `orders_${shardIndex(root.id, 3)}` });
      }
    });
  });

  step("verify --record alone finds each record in the shard its id names, in any case", async () => {
    const byShard = new Map(records.map((r) => [r.shard, r]));
    for (const [i, { root, shard }] of [...byShard.values()].entries()) {
      const id = i === 0 ? root.toUpperCase() : root;
      expect(await run(id)).toMatchObject({ ok: true, tables: [{ ok: true, table: shard, count: 2 }] });
    }
  });

  step("a later event's id is no record: refused, saying to give a record's first event", async () => {
    const { later } = records[0]!;
    await expectRejects(run(later), {
      instanceOf: GenerateError,
      mentions: [`no record ${later} in orders_`, "give the id of a record's first event"],
    });
  });
});
