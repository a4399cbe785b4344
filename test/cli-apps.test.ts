/**
 * The commands on layouts real apps use, run in-process (they spawn drizzle-kit where they must): a
 * CommonJS app whose config names a schema folder with a barrel `index.ts` (each file is loaded once);
 * tables in a `pgSchema` that `schemaFilter` leaves out (push refuses before drizzle-kit runs); a
 * `strict: true` config (push names `strict`); and `verify --record`, which routes by the record's id
 * to its shard. `check --help` names every rule it compares.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { generate } from "../src/cli/generate.js";
import { push } from "../src/cli/push.js";
import { verify } from "../src/cli/verify.js";
import { GenerateError } from "../src/errors.js";
import { appendEvent, newEventId, newRecordId, spectorShards } from "../src/index.js";
import { describeBackends } from "./support/backends.js";
import { expectRejects } from "./support/failures.js";
import { INDEX, runCli, steps, useProjectDatabase, useScratchProject } from "./support/scratch-project.js";

const quiet = { log: () => {} };

/** The environment of a run: the config alone names the database. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL"));

/** Writes `file` (its folder made first) in `dir`. */
function write(dir: string, file: string, text: string): void {
  mkdirSync(join(dir, file, ".."), { recursive: true });
  writeFileSync(join(dir, file), text);
}

describe("a CommonJS app with a schema folder and a barrel index.ts", () => {
  const dir = useScratchProject();

  test("generate loads each file once (the barrel's require and the file are one module), as drizzle-kit does", async () => {
    write(dir, "package.json", `{ "name": "cjs-app", "private": true, "type": "commonjs" }\n`);
    write(dir, "drizzle.config.ts", `export default { dialect: "postgresql", schema: "./db", out: "./migrations" };\n`);
    write(
      dir,
      "db/spector.ts",
      `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
        `export const { events, event_ancestors } = spectorTables({ table: "events", links: [["event_ancestors", "ancestor_id"]] });\n`,
    );
    write(dir, "db/index.ts", `export * from "./spector";\n`);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual(["public.event_ancestors"]);
    // a throw at the top of a CommonJS schema file is reported at its line
    write(dir, "db/broken.ts", `export const x = 1;\nthrow new Error("boom");\n`);
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [`could not load the schema files: ${join(dir, "db/broken.ts")}:2`, "boom"],
    });
  });
});

describe("a shard appended to a spectorShards call but not to the export list", () => {
  const dir = useScratchProject();

  test("generate refuses before drizzle-kit runs, listing every table to add in one line", async () => {
    write(
      dir,
      "drizzle.config.ts",
      `export default { dialect: "postgresql", schema: "./schema.ts", out: "./migrations" };\n`,
    );
    write(
      dir,
      "schema.ts",
      `import { spectorShards } from ${JSON.stringify(INDEX)};\n` +
        `const log = spectorShards({ shards: ["log_0", "log_1", "log_2"], links: [["ancestors", "ancestor_id"]] });\n` +
        `export const { log_0, log_1, log_0_ancestors, log_1_ancestors } = log.tables;\n` +
        `export const logShards = log.events;\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [
        "drizzle-kit would not see 2 tables the schema files make",
        "- events table public.log_2 (made at",
        "To export them all, add `log_2, log_2_ancestors` to the export list",
      ],
    });
    expect(existsSync(join(dir, "migrations"))).toBe(false);
  });
});

/** The schema of the push and verify steps: a sharded log and a table, record-chained, in PostgreSQL schema "spector". */
const LOG = {
  shards: ["orders_0", "orders_1", "orders_2"],
  hashed: "record",
  pgSchema: "spector",
  links: [["ancestors", "ancestor_id"]],
} as const;
const log = spectorShards(LOG);

const SCHEMA =
  `import { pgSchema } from "drizzle-orm/pg-core";\n` +
  `import { spectorShards, spectorTables } from ${JSON.stringify(INDEX)};\n` +
  `export const spector = pgSchema("spector");\n` +
  `const orders = spectorShards(${JSON.stringify(LOG)});\n` +
  `export const { orders_0, orders_1, orders_2, orders_0_heads, orders_1_heads, orders_2_heads, ` +
  `orders_0_ancestors, orders_1_ancestors, orders_2_ancestors, ...unexported } = orders.tables;\n` +
  `export const { audit, audit_heads } = spectorTables({ table: "audit", hashed: "record", pgSchema: "spector" });\n`;

describeBackends("push and verify on a pgSchema, strict, sharded app", (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { credentials, inDatabase, withDb } = useProjectDatabase(backend, dir);
  const config = (extra: string) =>
    write(
      dir,
      "drizzle.config.ts",
      `export default { dialect: "postgresql", schema: "./schema.ts", ${extra}${credentials()} };\n`,
    );
  const tables = (schema: string) =>
    inDatabase(async (query) =>
      (await query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema])).map(
        (row) => row.tablename,
      ),
    );
  const records: { root: string; shard: string }[] = [];

  step("push without `schemaFilter` refuses before drizzle-kit runs, naming the schema to add", async () => {
    write(dir, "schema.ts", SCHEMA);
    config("");
    await expectRejects(push({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [
        'drizzle-kit push manages only the PostgreSQL schemas of the config\'s `schemaFilter` (not set: ["public"])',
        '"spector" (spector.audit, spector.audit_heads, spector.orders_0 and 8 more tables)',
        'e.g. `schemaFilter: ["public", "spector"]`. Nothing was pushed',
      ],
    });
    // nothing ran: no PGlite folder made, no schema created
    if (backend === "pglite") expect(existsSync(join(dir, "pgdata"))).toBe(false);
    else expect(await tables("spector")).toEqual([]);
  });

  step("push with `strict: true` and no --force fails naming `strict`, and changes nothing", async () => {
    config(`schemaFilter: ["public", "spector"], strict: true, `);
    const error = await expectRejects(push({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ["the config says `strict: true`", "pass `--force`", "set `strict: false`"],
    });
    expect(error.message).not.toMatch(/^drizzle-kit push stopped without changing the database: it needs an answer/);
    expect(await tables("spector")).toEqual([]);
  });

  step("push --force with the schema in `schemaFilter` creates the tables and installs the rules", async () => {
    const result = await push({ cwd: dir, force: true, ...quiet });
    expect(result.installed).toEqual(expect.arrayContaining(["spector.orders_0", "spector.audit"]));
    expect(await tables("spector")).toContain("orders_2_ancestors");
  });

  step(
    "verify --record routes by the id: alone it needs --table (two logs), with any shard of the list it finds the record's shard",
    async () => {
      await withDb(async (db) => {
        for (let i = 0; i < 6; i++) {
          const root = await appendEvent(db, log.events, { schema: 0, action: 1, payload: { i } });
          await appendEvent(db, log.events, { schema: 0, action: 2, payload: { i }, parentId: root.id });
          records.push({ root: root.id, shard: `spector.orders_${root.id.slice(-1)}` });
        }
      });
      const run = (record: string, table?: string) =>
        verify({ cwd: dir, record, ...(table ? { table } : {}), env: ENV, progress: undefined, ...quiet });
      await expectRejects(run(records[0]!.root), {
        instanceOf: GenerateError,
        mentions: [
          "needs --table: the schema has 2 logs with record chains",
          "shards orders_0, orders_1, orders_2",
          "spector.audit",
        ],
      });
      const elsewhere = records.find(({ shard }) => shard !== "spector.orders_0")!;
      for (const { root, shard } of [records[0]!, elsewhere]) {
        const result = await run(root.toUpperCase(), "spector.orders_0");
        expect(result).toMatchObject({ ok: true, tables: [{ ok: true, table: shard, count: 2 }] });
      }
      await expectRejects(run(newRecordId(1), "spector.orders_2"), {
        instanceOf: GenerateError,
        mentions: ["no record", "in spector.orders_1, the shard of its `shards` list its id routes to"],
      });
      await expectRejects(run(newRecordId(7), "spector.orders_2"), {
        instanceOf: GenerateError,
        mentions: ["it was started in shard 7"],
      });
      await expectRejects(run(newEventId(), "spector.audit"), { instanceOf: GenerateError, mentions: ["no record"] });
    },
  );
});

test("check --help names every rule it compares and the shards lists", () => {
  const help = runCli(process.cwd(), ["check", "--help"]);
  expect(help.status).toBe(0);
  const text = help.stdout.replace(/\s+/g, " ");
  for (const part of [
    "same-parent triggers",
    "record chains",
    "append-only guards",
    "Citus distribution",
    "shards lists",
  ]) {
    expect(text).toContain(part);
  }
});
