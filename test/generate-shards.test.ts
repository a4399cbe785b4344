/**
 * `drizzle-spector generate` and the `shards` lists: it records each list in its migrations (a marker
 * and one table comment per shard), and refuses a list that lost or moved a shard, or that grew without
 * keeping `foreignShards`, before drizzle-kit writes anything. Also: the events tables' primary key,
 * moved from the table to the column, costs an old project no migration that cannot run.
 */
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { generate } from "../src/cli/generate.js";
import { keepPrimaryKeys } from "../src/cli/primary-key.js";
import { GenerateError } from "../src/errors.js";
import { openDatabase } from "./support/backends.js";
import { expectRejects } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";
import { INDEX, ROOT, steps, useScratchProject } from "./support/scratch-project.js";

const quiet = { log: () => {} };

function writeShards(dir: string, options: string): void {
  const tables = [...options.matchAll(/"(log_\d)"/g)].flatMap((m) => [m[1], `${m[1]}_ancestors`]);
  writeFileSync(
    join(dir, "schema.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `export const { ${tables.join(", ")} } = spectorTables(${options});\n`,
  );
}

/** Every file of the migrations folder with its content. */
function files(dir: string): Record<string, string> {
  const out = join(dir, "migrations");
  const names = readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => /\.(sql|json)$/.test(f));
  return Object.fromEntries(names.sort().map((f) => [f, readFileSync(join(out, f), "utf8")]));
}

describe("drizzle-spector generate and a growing shards list", () => {
  const dir = useScratchProject();
  const step = steps();
  const links = `links: [["ancestors", "ancestor_id"]]`;

  step("a new list is recorded in the custom migration, after the rules", async () => {
    writeShards(dir, `{ shards: ["log_0", "log_1"], ${links} }`);
    const result = await generate({ cwd: dir, ...quiet });
    const sql = readFileSync(join(dir, "migrations", `${result.triggerMigration}.sql`), "utf8");
    expect(sql).toContain(
      `-- drizzle-spector:shards public 2 log_0,log_1\nCOMMENT ON TABLE "public"."log_0" IS 'drizzle-spector shard 0 of log_0,log_1; foreignShards 2';`,
    );
    expect(sql).toContain(
      `COMMENT ON TABLE "public"."log_1" IS 'drizzle-spector shard 1 of log_0,log_1; foreignShards 2';`,
    );
    expect(sql.indexOf("COMMENT ON")).toBeGreaterThan(sql.lastIndexOf("CREATE OR REPLACE TRIGGER"));
  });

  step("run again, it writes nothing", async () => {
    const before = files(dir);
    expect(await generate({ cwd: dir, ...quiet })).toEqual({
      tablesMigration: undefined,
      triggerMigration: undefined,
      created: [],
      dropped: [],
    });
    expect(files(dir)).toEqual(before);
  });

  step(
    "reordered, removed, inserted before the end, or grown without `foreignShards`: refused, nothing written",
    async () => {
      const before = files(dir);
      const refused = [
        [`{ shards: ["log_1", "log_0"], ${links} }`, "its shard 0 is log_1, but log_0 in public: log_0, log_1"],
        [
          `{ shards: ["log_0"], ${links} }`,
          "it no longer has shard 1 (log_1) of public: log_0, log_1 (foreignShards 2)",
        ],
        [`{ shards: ["log_0", "log_2", "log_1"], foreignShards: 2, ${links} }`, "its shard 1 is log_2, but log_1"],
        [`{ shards: ["log_0", "log_1", "log_2"], ${links} }`, "`foreignShards` to stay 2"],
        [`{ shards: ["log_0", "log_1"], foreignShards: 1, ${links} }`, "Set `foreignShards: 2` in its options"],
      ] as const;
      for (const [options, message] of refused) {
        writeShards(dir, options);
        await expectRejects(generate({ cwd: dir, ...quiet }), {
          instanceOf: GenerateError,
          mentions: [message, "Nothing was written"],
        });
        expect(files(dir), options).toEqual(before);
      }
    },
  );

  step("a shard appended with `foreignShards` gets its tables, its rule, and the list recorded again", async () => {
    writeShards(dir, `{ shards: ["log_0", "log_1", "log_2"], foreignShards: 2, ${links} }`);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual(["public.log_2_ancestors"]);
    const tables = readFileSync(join(dir, "migrations", `${result.tablesMigration}.sql`), "utf8");
    expect(tables).toContain(`CREATE TABLE "log_2"`);
    expect(tables).not.toMatch(/DROP|RENAME/);
    const sql = readFileSync(join(dir, "migrations", `${result.triggerMigration}.sql`), "utf8");
    expect(sql).toContain("-- drizzle-spector:shards public 2 log_0,log_1,log_2\n");
    expect(sql.match(/COMMENT ON TABLE/g)).toHaveLength(3);
  });

  step("the migrations apply, and leave each shard's comment", async () => {
    const db = await openDatabase("pglite");
    try {
      await db.migrate(join(dir, "migrations"));
      const rows = await db.query<{ comment: string }>(
        `SELECT obj_description(c.oid, 'pg_class') AS comment FROM pg_class c WHERE c.relname ~ '^log_\\d$' ORDER BY c.relname`,
      );
      expect(rows.map((row) => row.comment)).toEqual(
        [0, 1, 2].map((i) => `drizzle-spector shard ${i} of log_0,log_1,log_2; foreignShards 2`),
      );
    } finally {
      await db.close();
    }
  });
});

describe("a project whose snapshot holds the events table's key at table level (before this version)", () => {
  test("generate takes drizzle-kit's drop and re-add of T_pkey out, and the folder applies", async () => {
    // the committed example migrations up to 0002 were written with `primaryKey({ name: "events_pkey" })`
    const dir = join(ROOT, ".tmp", randomName("pkey"));
    cpSync(join(ROOT, "migrations"), join(dir, "migrations"), { recursive: true });
    const journal = JSON.parse(readFileSync(join(dir, "migrations/meta/_journal.json"), "utf8")) as {
      entries: { tag: string }[];
    };
    for (const { tag } of journal.entries.slice(3)) {
      rmSync(join(dir, "migrations", `${tag}.sql`));
      rmSync(join(dir, "migrations/meta", `${tag.slice(0, 4)}_snapshot.json`));
    }
    journal.entries = journal.entries.slice(0, 3);
    writeFileSync(join(dir, "migrations/meta/_journal.json"), JSON.stringify(journal, null, 2));
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `export default { dialect: "postgresql", schema: ${JSON.stringify(join(ROOT, "example/schema.ts"))}, out: "./migrations" };\n`,
    );
    try {
      const result = await generate({ cwd: dir, ...quiet });
      const sql = readFileSync(join(dir, "migrations", `${result.tablesMigration}.sql`), "utf8");
      expect(sql).toContain("-- drizzle-spector: events_pkey stays as it is");
      expect(sql).not.toMatch(/DROP CONSTRAINT|ADD PRIMARY KEY/);
      const db = await openDatabase("pglite");
      try {
        await db.migrate(join(dir, "migrations"));
        expect(
          await db.query(
            `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace ORDER BY conname`,
          ),
        ).toEqual([
          { conname: "account_balances_pkey", def: "PRIMARY KEY (id)" },
          { conname: "checkpoints_pkey", def: "PRIMARY KEY (name)" },
          { conname: "events_pkey", def: "PRIMARY KEY (id)" },
          { conname: "ledger_heads_pkey", def: "PRIMARY KEY (parent_id)" },
          { conname: "ledger_pkey", def: "PRIMARY KEY (id)" },
          { conname: "ledger_positions_pkey", def: "PRIMARY KEY (id)" },
          { conname: "ledger_redactions_pkey", def: "PRIMARY KEY (event_id)" },
          { conname: "statement_lines_pkey", def: "PRIMARY KEY (id)" },
        ]);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("keepPrimaryKeys takes out the pair only, for the events tables it is given", () => {
    const pair = [
      `ALTER TABLE "events" DROP CONSTRAINT "events_pkey";`,
      `ALTER TABLE "events" ADD PRIMARY KEY ("id");`,
      `ALTER TABLE "audit"."log" DROP CONSTRAINT "log_pkey";`,
      `ALTER TABLE "audit"."log" ADD PRIMARY KEY ("id");`,
      `ALTER TABLE "other" DROP CONSTRAINT "other_pkey";`,
    ].join("--> statement-breakpoint\n");
    const kept = keepPrimaryKeys(pair, [
      { pgSchema: undefined, name: "events" },
      { pgSchema: "audit", name: "log" },
    ]);
    expect(kept).toBe(
      "-- drizzle-spector: events_pkey stays as it is (drizzle-kit moved it from the table to the column of its snapshot; the database key is the same)\n" +
        "-- drizzle-spector: log_pkey stays as it is (drizzle-kit moved it from the table to the column of its snapshot; the database key is the same)\n" +
        `ALTER TABLE "other" DROP CONSTRAINT "other_pkey";\n`,
    );
    expect(
      keepPrimaryKeys(`ALTER TABLE "events" DROP CONSTRAINT "events_pkey";`, [{ pgSchema: undefined, name: "events" }]),
    ).toBeUndefined();
  });
});
