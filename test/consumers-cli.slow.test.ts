/**
 * `drizzle-spector consumers` on an app with a positions log and a checkpoints table: each consumer's
 * cursor, lag and holders, as lines and as JSON; a schema without a checkpoints table is refused. Run
 * in-process, on the tables a user's migrations make. Slow (each run loads the project with tsx):
 * `npm run test:slow` runs it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { consumers } from "../src/cli/consumers.js";
import { GenerateError } from "../src/errors.js";
import { appendEvent, consumer, consumerTable, spectorTables } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { describeBackends } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { INDEX, steps, useProjectDatabase, useScratchProject, writeApp } from "./support/scratch-project.js";

const OPTIONS = { table: "orders", positions: true } as const;
const tables = { ...spectorTables(OPTIONS), checkpoints: consumerTable("checkpoints") };

/** The environment of a run: the config alone names the database. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL"));

describeBackends("drizzle-spector consumers", (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { credentials, inDatabase, withDb } = useProjectDatabase(backend, dir);

  step("the app: a positions log and a checkpoints table; one consumer ran, two events came after", async () => {
    writeApp(
      dir,
      credentials(),
      `import { consumerTable, spectorTables } from ${JSON.stringify(INDEX)};\n` +
        `export const { orders, orders_positions } = spectorTables(${JSON.stringify(OPTIONS)});\n` +
        `export const checkpoints = consumerTable("checkpoints");\n`,
    );
    const ddl = splitStatements(await createSql(tables));
    await inDatabase(async (query) => {
      for (const statement of ddl) await query(statement);
    });
    await withDb(async (db) => {
      await appendEvent(db, tables.orders, { schema: 0, action: 1, payload: null });
      await consumer(db, tables.orders, {
        name: "mailer",
        checkpoints: tables.checkpoints,
        handle: async () => {},
      }).runOnce();
      await appendEvent(db, tables.orders, { schema: 0, action: 1, payload: null });
      await appendEvent(db, tables.orders, { schema: 0, action: 1, payload: null });
    }, 2);
  });

  step("prints each consumer's cursor and lag, and the same as JSON", async () => {
    const lines: string[] = [];
    const result = await consumers({ cwd: dir, env: ENV, log: (line) => lines.push(line) });
    expect(lines[1]).toMatch(/^public\.checkpoints: mailer \(public\.orders\) at p1:1, 2 events behind \(\d+\.\d s\)$/);
    expect(result.tables).toEqual([
      {
        table: "public.checkpoints",
        consumers: [expect.objectContaining({ name: "mailer", lagEvents: 2, heldBy: [] })],
      },
    ]);
    const json: string[] = [];
    await consumers({ cwd: dir, env: ENV, json: true, log: (line) => json.push(line) });
    expect(JSON.parse(json[0]!).tables[0].consumers[0]).toMatchObject({ name: "mailer", cursor: "p1:1", lagEvents: 2 });
  });

  step("a schema without a checkpoints table is refused, saying what to export", async () => {
    writeFileSync(
      join(dir, "schema.ts"),
      `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
        `export const { orders, orders_positions } = spectorTables(${JSON.stringify(OPTIONS)});\n`,
    );
    await expectRejects(consumers({ cwd: dir, env: ENV, log: () => {} }), {
      instanceOf: GenerateError,
      mentions: ['consumerTable("checkpoints")'],
    });
  });
});
