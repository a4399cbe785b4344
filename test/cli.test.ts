/**
 * `drizzle-spector generate`, run on a scratch project: what it writes, what it leaves alone, and how
 * the migrations it writes behave when applied with drizzle-orm's `migrate()` on each backend.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { randomUUID } from "node:crypto";
import { generateDrizzleJson } from "drizzle-kit/api";
import { withoutRepeatedTraces } from "../src/cli/drizzle-kit.js";
import { LOCK_FILE } from "../src/cli/folder.js";
import { generate } from "../src/cli/generate.js";
import { CUSTOM_PLACEHOLDER } from "../src/cli/repair.js";
import { loadProject } from "../src/cli/project.js";
import { GenerateError } from "../src/errors.js";
import { spectorTables } from "../src/index.js";
import { CHILD_HANG_MS, spawnChild } from "./support/child-timeout.js";
import { describeBackends, openDatabase, useDatabase, type BackendName } from "./support/backends.js";
import { expectRejects } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";
import { functionNames, readLayout } from "./support/catalog.js";
import { INDEX, ROOT, runCli, scratchProject, steps, useScratchProject } from "./support/scratch-project.js";

function writeSchema(dir: string, links: string): void {
  writeFileSync(
    join(dir, "schema.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `export const { ${["events", ...[...links.matchAll(/\["(\w+)"/g)].map((m) => m[1])].join(", ")} } = spectorTables({ table: "events", links: [${links}] });\n`,
  );
}

/** Every file of the migrations folder with its content. */
function snapshot(dir: string): Record<string, string> {
  const out = join(dir, "migrations");
  const files = readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => /\.(sql|json)$/.test(f));
  return Object.fromEntries(files.sort().map((f) => [f, readFileSync(join(out, f), "utf8")]));
}

const quiet = { log: () => {} };

/** {@link runCli}, without waiting: two runs at once. */
function runCliAsync(cwd: string, ...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "src/cli/main.ts"), ...args],
    {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: CHILD_HANG_MS,
      killSignal: "SIGKILL",
    },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

describeBackends("drizzle-spector generate over a project's life, its migrations applied", (backend) => {
  const dir = useScratchProject();
  const db = useDatabase(backend);
  const step = steps();
  const applyAll = () => db.migrate(join(dir, "migrations"));

  step("first run writes the tables' migration and one with the triggers, which install the rule", async () => {
    writeSchema(dir, `["ancestors", "ancestor_id"], ["loose", "other_id", { constrained: false }]`);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.tablesMigration).toMatch(/^0000_/);
    expect(result.triggerMigration).toBe("0001_spector_triggers");
    expect(result.created).toEqual(["public.ancestors"]);
    await applyAll();
    const layout = await readLayout(db, "public");
    expect(layout.ancestors!.triggers.map((t) => t.name)).toEqual([
      "enforce_same_parent_ancestors",
      "enforce_same_parent_ancestors_update",
    ]);
    expect(layout.loose!.triggers).toEqual([]);
  });

  step("a second run with no schema change writes nothing", async () => {
    const before = snapshot(dir);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result).toEqual({ tablesMigration: undefined, triggerMigration: undefined, created: [], dropped: [] });
    expect(snapshot(dir)).toEqual(before);
  });

  step("a link added later gets its trigger in a new migration, and only it", async () => {
    writeSchema(
      dir,
      `["ancestors", "ancestor_id"], ["loose", "other_id", { constrained: false }], ["related", "related_id", { typed: true }]`,
    );
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.tablesMigration).toMatch(/^0002_/);
    expect(result.triggerMigration).toBe("0003_spector_triggers");
    expect(result.created).toEqual(["public.related"]);
    const sql = readFileSync(join(dir, "migrations", "0003_spector_triggers.sql"), "utf8");
    expect(sql).toContain('"public"."related"');
    expect(sql).not.toContain('"ancestors"');
    await applyAll();
    expect((await readLayout(db, "public")).related!.triggers).toHaveLength(2);
  });

  step("a link removed later has its functions dropped", async () => {
    writeSchema(dir, `["loose", "other_id", { constrained: false }], ["related", "related_id", { typed: true }]`);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.tablesMigration).toMatch(/^0004_/);
    expect(result.dropped).toEqual(["public.ancestors"]);
    expect(result.created).toEqual([]);
    await applyAll();
    expect(Object.keys(await readLayout(db, "public")).sort()).toEqual(["events", "loose", "related"]);
    expect(await functionNames(db, "public")).toEqual([
      "check_link_same_parent_related",
      "check_link_same_parent_related_events",
      "check_link_same_parent_related_large",
      "check_link_same_parent_related_update",
    ]);
    // and nothing more to do afterwards
    expect((await generate({ cwd: dir, ...quiet })).triggerMigration).toBeUndefined();
  });

  step("turning constrained off drops the rule; turning it back on restores it", async () => {
    writeSchema(
      dir,
      `["loose", "other_id", { constrained: false }], ["related", "related_id", { typed: true, constrained: false }]`,
    );
    expect((await generate({ cwd: dir, ...quiet })).dropped).toEqual(["public.related"]);
    await applyAll();
    expect((await readLayout(db, "public")).related!.triggers).toEqual([]);
    writeSchema(dir, `["loose", "other_id", { constrained: false }], ["related", "related_id", { typed: true }]`);
    expect((await generate({ cwd: dir, ...quiet })).created).toEqual(["public.related"]);
    await applyAll();
    expect((await readLayout(db, "public")).related!.triggers).toHaveLength(2);
  });

  step("a rename question fails loudly, with a non-zero exit, and writes nothing", async () => {
    const before = snapshot(dir);
    // dropping "loose" and adding "lax" makes drizzle-kit ask whether the table was renamed
    writeSchema(dir, `["lax", "other_id", { constrained: false }], ["kin", "related_id", { typed: true }]`);
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ["interactive question"],
    });
    const run = runCli(dir, ["generate"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("drizzle-spector: drizzle-kit stopped without writing a migration");
    expect(run.stderr).toContain("renamed");
    // drizzle-kit writes its error, with its stack trace, twice: relayed once
    expect(run.stderr.match(/Error: Interactive prompts require a TTY/g)).toHaveLength(1);
    expect(run.stderr).toMatch(/Error: Interactive prompts require a TTY.*\n\s+at /);
    expect(snapshot(dir)).toEqual(before);
  });

  step("a link table renamed through drizzle-kit's question gets its rule under the new name", async () => {
    // what drizzle-kit writes when asked in a terminal and told "rename": the renames, and a snapshot
    // of the new schema (made here with drizzle-kit's own API)
    const out = join(dir, "migrations");
    const journal = JSON.parse(readFileSync(join(out, "meta", "_journal.json"), "utf8"));
    const previous = JSON.parse(
      readFileSync(join(out, "meta", `${String(journal.entries.at(-1).idx).padStart(4, "0")}_snapshot.json`), "utf8"),
    );
    const idx = journal.entries.at(-1).idx + 1;
    const tag = `${String(idx).padStart(4, "0")}_rename_related`;
    const tables = spectorTables({
      table: "events",
      links: [
        ["loose", "other_id", { constrained: false }],
        ["kin", "related_id", { typed: true }],
      ],
    });
    const snapshot = { ...generateDrizzleJson(tables, previous.id), id: randomUUID() };
    writeFileSync(
      join(out, "meta", `${String(idx).padStart(4, "0")}_snapshot.json`),
      JSON.stringify(snapshot, null, 2),
    );
    const renames = [
      `ALTER TABLE "related" RENAME TO "kin";`,
      ...["event_id_index", "related_id_index", "event_id_related_id_type_index"].map(
        (i) => `ALTER INDEX "related_${i}" RENAME TO "kin_${i}";`,
      ),
      ...["event_id_fkey", "related_id_fkey"].map(
        (c) => `ALTER TABLE "kin" RENAME CONSTRAINT "related_${c}" TO "kin_${c}";`,
      ),
    ];
    writeFileSync(join(out, `${tag}.sql`), renames.join("\n--> statement-breakpoint\n"));
    journal.entries.push({ idx, version: "7", when: Date.now(), tag, breakpoints: true });
    writeFileSync(join(out, "meta", "_journal.json"), JSON.stringify(journal, null, 2));
    writeSchema(dir, `["loose", "other_id", { constrained: false }], ["kin", "related_id", { typed: true }]`);

    const result = await generate({ cwd: dir, ...quiet });
    expect(result.tablesMigration).toBeUndefined();
    expect(result.dropped).toEqual(["public.related"]);
    expect(result.created).toEqual(["public.kin"]);
    await applyAll();
    expect((await readLayout(db, "public")).kin!.triggers.map((t) => t.name)).toEqual([
      "enforce_same_parent_kin",
      "enforce_same_parent_kin_update",
    ]);
    expect(await functionNames(db, "public")).toEqual([
      "check_link_same_parent_kin",
      "check_link_same_parent_kin_events",
      "check_link_same_parent_kin_large",
      "check_link_same_parent_kin_update",
    ]);
  });

  step("a rule written by another version of the library is written again", async () => {
    const out = join(dir, "migrations");
    const last = readdirSync(out)
      .filter((f) => f.endsWith("_spector_triggers.sql"))
      .sort()
      .at(-1)!;
    const text = readFileSync(join(out, last), "utf8");
    expect(text).toMatch(/create-same-parent public\.kin [0-9a-f]+/);
    writeFileSync(join(out, last), text.replace(/(create-same-parent public\.kin) [0-9a-f]+/, "$1 0123456789abcd"));
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual(["public.kin"]);
    expect(result.dropped).toEqual([]);
    await applyAll();
    expect((await readLayout(db, "public")).kin!.triggers).toHaveLength(2);
  });

  test("bad command lines are refused with usage, names Object.prototype has too", () => {
    for (const args of [
      ["generat"],
      ["toString"],
      ["__proto__"],
      ["hasOwnProperty", "--config", "x"],
      ["generate", "--nope"],
    ]) {
      const run = runCli(dir, [...args]);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toContain("usage: drizzle-spector generate");
    }
  });
});

/** Writes the files of a scratch project: `write(file, text)`, and `config(schema)` for its drizzle.config.ts. */
function projectFiles(dir: string) {
  return {
    write(file: string, text: string) {
      mkdirSync(join(dir, file, ".."), { recursive: true });
      writeFileSync(join(dir, file), text);
    },
    config(schema: string) {
      writeFileSync(
        join(dir, "drizzle.config.ts"),
        `export default { dialect: "postgresql", schema: ${schema}, out: "./migrations" };\n`,
      );
    },
  };
}

const imports = `import { pgSchema } from "drizzle-orm/pg-core";\nimport { eventTable, linkTable, spectorTables } from ${JSON.stringify(INDEX)};\n`;

describe("drizzle-spector generate checks the schema before writing anything", () => {
  const dir = useScratchProject();
  const { write, config } = projectFiles(dir);

  test("a table in a PostgreSQL schema nobody exports is refused, naming the fix", async () => {
    config(`"./db/schema.ts"`);
    write(
      "db/schema.ts",
      `${imports}export const { events, links } = spectorTables({ table: "events", pgSchema: "audit", links: [["links", "other_id"]] });\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ['export const audit = pgSchema("audit")'],
    });
    expect(existsSync(join(dir, "migrations"))).toBe(false);
  });

  test("a link table whose events table is not exported is refused", async () => {
    config(`"./db/schema.ts"`);
    write(
      "db/schema.ts",
      `${imports}const events = eventTable("events");\nexport const links = linkTable(events, ["links", "other_id"]);\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ["points at the events table public.events, which no schema file exports"],
    });
    expect(existsSync(join(dir, "migrations"))).toBe(false);
  });

  test("two tables built separately that claim one name are refused", async () => {
    config(`"./db/schema.ts"`);
    write(
      "db/schema.ts",
      `${imports}export const a = eventTable("a");\nexport const b = eventTable("b");\n` +
        `export const a_links = linkTable(a, ["shared_links", "other_id"]);\nexport const b_links = linkTable(b, ["shared_links", "other_id"]);\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [
        "two different tables are named public.shared_links: a link table made at",
        "and a link table made at",
      ],
    });
    expect(existsSync(join(dir, "migrations"))).toBe(false);
  });

  test("a schema path that matches nothing is refused", async () => {
    config(`"./nowhere/*.ts"`);
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ["no schema files found"],
    });
  });

  test("a barrel file that re-exports tables is one schema, not a clash; dot-files are not read by globs", async () => {
    rmSync(join(dir, "db"), { recursive: true, force: true });
    rmSync(join(dir, "migrations"), { recursive: true, force: true });
    write(
      "db/events.ts",
      `${imports}export const { events, ancestors } = spectorTables({ table: "events", links: [["ancestors", "ancestor_id"]] });\n`,
    );
    write("db/index.ts", `export * from "./events.ts";\n`);
    write(
      "db/.draft.ts",
      `${imports}import { events } from "./events.ts";\nexport const draft = linkTable(events, ["draft", "other_id"]);\n`,
    );
    config(`"./db/*.ts"`);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual(["public.ancestors"]);
  });
  test("tables drizzle-kit would not see are refused, naming each, where it was made and the fix: inside an exported object, left out of a destructuring, a default export", async () => {
    rmSync(join(dir, "db"), { recursive: true, force: true });
    rmSync(join(dir, "migrations"), { recursive: true, force: true });
    config(`"./db/schema.ts"`);
    const schema = join(dir, "db/schema.ts");
    write(
      "db/schema.ts",
      `${imports}export const tables = spectorTables({ table: "events", links: [["links", "other_id"]] });\n`,
    );
    // as a user runs it (the lines are the TypeScript's: vitest's own stack handling hides them from the API)
    const inObject = runCli(dir, ["generate"]);
    expect(inObject.status).toBe(1);
    expect(inObject.stderr).toBe(
      "drizzle-spector: drizzle-kit would not see 2 tables the schema files make, and would create no table for them " +
        "(it reads only tables exported by name from a schema file):\n" +
        `- events table public.events (made at ${schema}:3:23) is inside the export \`tables\` of db/schema.ts, an ` +
        "object drizzle-kit does not look into: destructure it, `export const { events, ... } = ...`\n" +
        `- link table public.links (made at ${schema}:3:23) is inside the export \`tables\` of db/schema.ts, an ` +
        "object drizzle-kit does not look into: destructure it, `export const { links, ... } = ...`\n" +
        "Nothing was written\n",
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ["- events table public.events (made at", "inside the export `tables` of db/schema.ts"],
    });
    expect(existsSync(join(dir, "migrations"))).toBe(false);
    // a link of `links` left out of the destructuring
    write(
      "db/schema.ts",
      `${imports}export const { events, links } = spectorTables({ table: "events", links: [["links", "other_id"], ["more", "x_id"]] });\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [
        "drizzle-kit would not see a table the schema files make, and would create no table for it",
        `- link table public.more (made at ${schema}:`,
        "is not exported: export it by name, e.g. add `more` to the `export const { ... } = ...`",
      ],
    });
    // the same through a default export (its object is not looked into either)
    write(
      "db/schema.ts",
      `${imports}export default spectorTables({ table: "events", links: [["links", "other_id"]] });\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ["is inside the export `default` of db/schema.ts"],
    });
    // a table made with linkTable and not exported
    write(
      "db/schema.ts",
      `${imports}export const events = eventTable("events");\nconst hidden = linkTable(events, ["hidden", "other_id"]);\nvoid hidden;\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [`- link table public.hidden (made at ${schema}:`],
    });
    expect(existsSync(join(dir, "migrations"))).toBe(false);
  });

  test("two factories making one table name are refused, naming where each was made", async () => {
    rmSync(join(dir, "db"), { recursive: true, force: true });
    rmSync(join(dir, "migrations"), { recursive: true, force: true });
    config(`"./db/*.ts"`);
    write("db/a.ts", `${imports}export const events = eventTable("events");\n`);
    write("db/b.ts", `${imports}export const { events: sameName } = spectorTables({ table: "events" });\n`);
    const run = runCli(dir, ["generate"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `drizzle-spector: two different tables are named public.events: an events table made at ${join(dir, "db/a.ts")}:3:23, ` +
        `and an events table made at ${join(dir, "db/b.ts")}:3:37. Two factory calls made a table of one name, which ` +
        "would be two CREATE TABLEs: make each table once, and import it where it is needed\n",
    );
    expect(existsSync(join(dir, "migrations"))).toBe(false);
  });

  test("a migration with a rule of a kind this version does not know is refused before drizzle-kit writes", async () => {
    rmSync(join(dir, "db"), { recursive: true, force: true });
    rmSync(join(dir, "migrations"), { recursive: true, force: true });
    config(`"./db/schema.ts"`);
    write("db/schema.ts", `${imports}export const { events } = spectorTables({ table: "events" });\n`);
    await generate({ cwd: dir, ...quiet });
    const [first] = readdirSync(join(dir, "migrations")).filter((f) => f.endsWith(".sql"));
    writeFileSync(
      join(dir, "migrations", first!),
      `-- drizzle-spector:create-hash-chain public.events 0123\n${readFileSync(join(dir, "migrations", first!), "utf8")}`,
    );
    const before = snapshot(dir);
    write(
      "db/schema.ts",
      `${imports}export const { events, links } = spectorTables({ table: "events", links: [["links", "other_id"]] });\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ['rule of kind "hash-chain"', "upgrade drizzle-spector"],
    });
    expect(snapshot(dir)).toEqual(before);
  });
});

describeBackends("drizzle-spector generate with schema globs and folders", (backend) => {
  const dir = useScratchProject();
  const { write, config } = projectFiles(dir);
  const db = useDatabase(backend);

  test("schema globs and folders resolve as drizzle-kit resolves them (folders: not their subfolders)", async () => {
    write(
      "db/schema.ts",
      `${imports}export const audit = pgSchema("audit");\nexport const { events } = spectorTables({ table: "events", pgSchema: "audit" });\n`,
    );
    write(
      "db/links.ts",
      `${imports}import { events } from "./schema.ts";\nexport const links = linkTable(events, ["links", "other_id"]);\n`,
    );
    // drizzle-kit reads db/ but not db/unused/: a link table there must not get a trigger
    write(
      "db/unused/more.ts",
      `${imports}import { events } from "../schema.ts";\nexport const more = linkTable(events, ["more", "other_id"]);\n`,
    );
    for (const schema of [`"./db/*.ts"`, `"./db"`, `["./db/schema.ts", "./db/links.ts"]`]) {
      rmSync(join(dir, "migrations"), { recursive: true, force: true });
      config(schema);
      const result = await generate({ cwd: dir, ...quiet });
      expect(result.created, schema).toEqual(["audit.links"]);
    }
    await db.migrate(join(dir, "migrations"));
    expect(Object.keys(await readLayout(db, "audit")).sort()).toEqual(["events", "links"]);
    expect((await readLayout(db, "audit")).links!.triggers).toHaveLength(2);
  });
});

describeBackends("drizzle-spector generate and the rest of drizzle-kit's setup", (backend) => {
  const dir = useScratchProject();
  const db = useDatabase(backend);
  const step = steps();
  const schema = (body: string) =>
    writeFileSync(
      join(dir, "schema.ts"),
      `import { pgSchema } from "drizzle-orm/pg-core";\nimport { spectorTables } from ${JSON.stringify(INDEX)};\n${body}`,
    );

  step("--config names another config file, with timestamp-prefixed migrations", async () => {
    rmSync(join(dir, "drizzle.config.ts"));
    writeFileSync(
      join(dir, "kit.config.ts"),
      `export default { dialect: "postgresql", schema: "./schema.ts", out: "./drizzle", migrations: { prefix: "timestamp" } };\n`,
    );
    schema(
      `export const audit = pgSchema("audit");\n` +
        `export const { events } = spectorTables({ table: "events" });\n` +
        `export const { audit_events, audit_links } = spectorTables({ table: "audit_events", pgSchema: "audit", links: [["audit_links", "other_id"]] });\n`,
    );
    const run = runCli(dir, ["generate", "--config", "kit.config.ts"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("rule added: audit.audit_links");
    const journal = JSON.parse(readFileSync(join(dir, "drizzle", "meta", "_journal.json"), "utf8")) as {
      entries: { tag: string }[];
    };
    const tags = journal.entries.map((entry) => entry.tag);
    expect(tags).toEqual([expect.stringMatching(/^\d{14}_\w+$/), expect.stringMatching(/^\d{14}_spector_triggers$/)]);
    // one snapshot per migration, even though both were written within a second or two
    expect(new Set(tags.map((tag) => tag.split("_")[0])).size).toBe(2);
    for (const tag of tags)
      expect(existsSync(join(dir, "drizzle", "meta", `${tag.split("_")[0]}_snapshot.json`))).toBe(true);
    expect(runCli(dir, ["generate", "--config", "kit.config.ts"]).stdout).toContain(
      "same-parent triggers are up to date",
    );
    await db.migrate(join(dir, "drizzle"));
  });

  step("removing a PostgreSQL schema with its link tables drops the rule before the schema", async () => {
    schema(`export const { events } = spectorTables({ table: "events" });\n`);
    const result = await generate({ cwd: dir, config: "kit.config.ts", ...quiet });
    expect(result.dropped).toEqual(["audit.audit_links"]);
    const sql = readFileSync(join(dir, "drizzle", `${result.tablesMigration}.sql`), "utf8");
    expect(sql.indexOf("DROP FUNCTION")).toBeLessThan(sql.indexOf("DROP SCHEMA"));
    await db.migrate(join(dir, "drizzle"));
    expect(await db.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'audit'`)).toEqual([]);
  });

  step("a drizzle-kit that fails without a non-zero exit still fails the command", async () => {
    const snapshots = readdirSync(join(dir, "drizzle", "meta")).filter((f) => f.endsWith("_snapshot.json"));
    writeFileSync(join(dir, "drizzle", "meta", snapshots.at(-1)!), "{ not json");
    const run = runCli(dir, ["generate", "--config", "kit.config.ts"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('drizzle-kit wrote no migration and did not say "No schema changes"');
    expect(run.stderr).toContain("SyntaxError");
  });
});

/** Runs drizzle-kit itself in a scratch project, as a user would between two runs of the command. */
function runKit(dir: string, ...args: string[]): string {
  const run = spawnChild(process.execPath, [join(ROOT, "node_modules/drizzle-kit/bin.cjs"), ...args], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  return run.stdout + run.stderr;
}

/** The lock a run of the command holds, as a killed run leaves it (its process gone), or held by `pid`. */
function leaveLock(dir: string, out: string, pid = spawnSync(process.execPath, ["-e", ""]).pid!): void {
  const holder = { pid, host: hostname(), started: new Date().toISOString(), name: "spector_triggers" };
  writeFileSync(join(dir, out, LOCK_FILE), JSON.stringify(holder));
}

/** The journal's tags. */
function journalTags(dir: string, out = "migrations"): string[] {
  return (
    JSON.parse(readFileSync(join(dir, out, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] }
  ).entries.map((entry) => entry.tag);
}

/** Applies the whole folder to a database that has never seen it, and returns the public layout. */
async function applyToFreshDatabase(backend: BackendName, folder: string) {
  const fresh = await openDatabase(backend);
  try {
    await fresh.migrate(folder);
    return { layout: await readLayout(fresh, "public"), functions: await functionNames(fresh, "public") };
  } finally {
    await fresh.close();
  }
}

describeBackends(
  "a PostgreSQL schema removed with its link table, drizzle-kit's migration written earlier",
  (backend) => {
    const dir = useScratchProject();
    const db = useDatabase(backend);
    const step = steps();
    const out = join(dir, "migrations");
    const schema = (body: string) =>
      writeFileSync(
        join(dir, "schema.ts"),
        `import { pgSchema } from "drizzle-orm/pg-core";\nimport { spectorTables } from ${JSON.stringify(INDEX)};\n${body}`,
      );

    step("a schema with a constrained link table is generated and applied", async () => {
      schema(
        `export const audit = pgSchema("audit");\n` +
          `export const { events } = spectorTables({ table: "events" });\n` +
          `export const { audit_events, audit_links } = spectorTables({ table: "audit_events", pgSchema: "audit", links: [["audit_links", "other_id"]] });\n`,
      );
      expect((await generate({ cwd: dir, ...quiet })).created).toEqual(["audit.audit_links"]);
      await db.migrate(out);
    });

    step("the rule's drops lead the migration with DROP SCHEMA that drizzle-kit generate wrote before", async () => {
      schema(`export const { events } = spectorTables({ table: "events" });\n`);
      // what the README advises after a rename question, and what a run killed after drizzle-kit leaves
      runKit(dir, "generate");
      const kitMigration = journalTags(dir).at(-1)!;
      expect(readFileSync(join(out, `${kitMigration}.sql`), "utf8")).toContain('DROP SCHEMA "audit"');
      const result = await generate({ cwd: dir, ...quiet });
      expect(result).toEqual({
        tablesMigration: undefined,
        triggerMigration: kitMigration,
        created: [],
        dropped: ["audit.audit_links"],
      });
      const sql = readFileSync(join(out, `${kitMigration}.sql`), "utf8");
      expect(sql.indexOf('DROP FUNCTION IF EXISTS "audit"')).toBeGreaterThanOrEqual(0);
      expect(sql.indexOf('DROP FUNCTION IF EXISTS "audit"')).toBeLessThan(sql.indexOf("DROP SCHEMA"));
      expect(journalTags(dir).at(-1)).toBe(kitMigration);
      await db.migrate(out); // the database that has the rule applies it
      expect(await db.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'audit'`)).toEqual([]);
      expect(Object.keys((await applyToFreshDatabase(backend, out)).layout)).toEqual(["events"]);
      expect((await generate({ cwd: dir, ...quiet })).triggerMigration).toBeUndefined();
    });
  },
);

describeBackends("a run killed midway is repaired by the next run", (backend) => {
  const dir = useScratchProject();
  const out = join(dir, "migrations");
  const step = steps();
  const links = (...names: string[]) => writeSchema(dir, names.map((name) => `["${name}", "other_id"]`).join(", "));
  /** The rule's marker, in the migrations that create it. */
  const creating = (table: string) =>
    Object.entries(snapshot(dir))
      .filter(([file, text]) => file.endsWith(".sql") && text.includes(`create-same-parent public.${table} `))
      .map(([file]) => file);
  /** No migration is drizzle-kit's empty custom migration, and the folder gives a fresh database the rule. */
  const expectComplete = async (...tables: string[]) => {
    for (const [file, text] of Object.entries(snapshot(dir))) {
      if (file.endsWith(".sql")) expect(text.trim(), file).not.toBe(CUSTOM_PLACEHOLDER);
    }
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    const { layout } = await applyToFreshDatabase(backend, out);
    for (const table of tables) expect(layout[table]!.triggers, table).toHaveLength(2);
  };

  step("killed after drizzle-kit wrote its migration: the next run writes the trigger migration", async () => {
    links();
    await generate({ cwd: dir, ...quiet });
    links("first");
    runKit(dir, "generate"); // the killed run got this far
    leaveLock(dir, "migrations");
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.tablesMigration).toBeUndefined();
    expect(result.created).toEqual(["public.first"]);
    expect(creating("first")).toEqual([`${result.triggerMigration}.sql`]);
    await expectComplete("first");
  });

  step(
    "killed after drizzle-kit generate --custom made its empty file: the next run writes it again, filled",
    async () => {
      links("first", "second");
      runKit(dir, "generate");
      runKit(dir, "generate", "--custom", "--name=spector_triggers");
      const empty = journalTags(dir).at(-1)!;
      expect(readFileSync(join(out, `${empty}.sql`), "utf8").trim()).toBe(CUSTOM_PLACEHOLDER);
      leaveLock(dir, "migrations");
      const tags = journalTags(dir);
      const result = await generate({ cwd: dir, ...quiet });
      expect(result.created).toEqual(["public.second"]);
      // the empty migration went, and came back with the rule: no migration more than a whole run makes
      expect(journalTags(dir)).toHaveLength(tags.length);
      expect(creating("second")).toEqual([`${result.triggerMigration}.sql`]);
      await expectComplete("first", "second");
    },
  );

  step(
    "killed inside drizzle-kit, after the journal entry and before the .sql: the entry is undone and made again",
    async () => {
      links("first", "second", "third");
      runKit(dir, "generate");
      rmSync(join(out, `${journalTags(dir).at(-1)!}.sql`));
      leaveLock(dir, "migrations");
      const result = await generate({ cwd: dir, ...quiet });
      expect(result.tablesMigration).toBe(journalTags(dir).at(-2));
      expect(result.created).toEqual(["public.third"]);
      await expectComplete("first", "second", "third");
    },
  );

  step("killed inside drizzle-kit, after the snapshot and before the journal: the snapshot is removed", async () => {
    links("first", "second", "third", "fourth");
    const journal = readFileSync(join(out, "meta", "_journal.json"), "utf8");
    runKit(dir, "generate");
    const written = journalTags(dir).at(-1)!;
    rmSync(join(out, `${written}.sql`));
    writeFileSync(join(out, "meta", "_journal.json"), journal);
    leaveLock(dir, "migrations");
    // drizzle-kit compares the schema with the newest snapshot: left there, it would see no change
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.tablesMigration?.split("_")[0]).toBe(written.split("_")[0]); // drizzle-kit names it anew
    expect(result.created).toEqual(["public.fourth"]);
    await expectComplete("first", "second", "third", "fourth");
  });
});

describe("one run at a time writes to a migrations folder", () => {
  const dir = useScratchProject();
  const out = join(dir, "migrations");

  test("a folder whose lock a live run holds is refused, naming the lock, and left as it was", async () => {
    writeSchema(dir, `["links", "other_id"]`);
    await generate({ cwd: dir, ...quiet });
    writeSchema(dir, `["links", "other_id"], ["more", "other_id"]`);
    leaveLock(dir, "migrations", process.pid);
    const before = snapshot(dir);
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [`another drizzle-spector generate (pid ${process.pid}`, join(out, LOCK_FILE)],
    });
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(out, LOCK_FILE)), "the refused run leaves the other run's lock").toBe(true);
    rmSync(join(out, LOCK_FILE));
  });

  test("two runs at once: the second fails clearly or finds the first one's work done; no migration numbered twice", async () => {
    writeSchema(dir, `["links", "other_id"], ["more", "other_id"], ["most", "other_id"]`);
    const runs = await Promise.all([runCliAsync(dir, "generate"), runCliAsync(dir, "generate")]);
    for (const run of runs) {
      if (run.status !== 0) {
        expect(run.status, run.stderr).toBe(1);
        expect(run.stderr).toContain("another drizzle-spector generate");
      }
    }
    expect(runs.some((run) => run.status === 0)).toBe(true);
    const tags = journalTags(dir);
    expect(new Set(tags.map((tag) => tag.split("_")[0])).size).toBe(tags.length);
    const rules = Object.values(snapshot(dir))
      .join("")
      .match(/create-same-parent public\.(more|most) /g);
    expect(rules?.sort()).toEqual(["create-same-parent public.more ", "create-same-parent public.most "]);
    const { layout } = await applyToFreshDatabase("pglite", out);
    expect(layout.most!.triggers).toHaveLength(2);
  });
});

describe("a migrations folder drizzle-kit or migrate() would trip over is refused before drizzle-kit runs", () => {
  const dir = useScratchProject();
  const out = join(dir, "migrations");
  const journalPath = join(out, "meta", "_journal.json");
  const step = steps();

  step("a journal of the wrong shape, an entry without its .sql, without a tag: refused, naming the file", async () => {
    writeSchema(dir, `["links", "other_id"]`);
    await generate({ cwd: dir, ...quiet });
    const journal = readFileSync(journalPath, "utf8");
    const [first] = journalTags(dir);
    writeSchema(dir, `["links", "other_id"], ["more", "other_id"]`); // drizzle-kit would write a migration
    const cases: [string, () => void, string[]][] = [
      ["wrong shape", () => writeFileSync(journalPath, `{ "entries": {} }`), [journalPath, "`entries` array"]],
      [
        "no tag",
        () => writeFileSync(journalPath, journal.replace(/"tag": "[^"]+",/, "")),
        [journalPath, "entries[0].tag"],
      ],
      ["no .sql", () => rmSync(join(out, `${first}.sql`)), [journalPath, join(out, `${first}.sql`), "does not exist"]],
    ];
    const files = snapshot(dir);
    for (const [what, damage, mentions] of cases) {
      damage();
      const before = snapshot(dir);
      await expectRejects(generate({ cwd: dir, ...quiet }), { instanceOf: GenerateError, mentions }, what);
      expect(snapshot(dir), what).toEqual(before);
      writeFileSync(journalPath, journal);
      writeFileSync(join(out, `${first}.sql`), files[`${first}.sql`]!);
    }
  });

  step("a snapshot that belongs to no migration, with no killed run to blame, is refused, naming it", async () => {
    const stray = join(out, "meta", "0099_snapshot.json");
    writeFileSync(stray, "{}");
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: [stray, "belongs to no migration", "Delete it"],
    });
    rmSync(stray);
  });

  step("a link table drizzle-kit does not see is refused, and what drizzle-kit wrote is undone", async () => {
    const before = snapshot(dir);
    // the schema shows drizzle-kit (its bin in process.argv) one link table fewer than it shows the command
    writeFileSync(
      join(dir, "schema.ts"),
      `import { linkTable, spectorTables } from ${JSON.stringify(INDEX)};\n` +
        `export const { events, links, more } = spectorTables({ table: "events", links: [["links", "other_id"], ["more", "other_id"]] });\n` +
        `const drizzleKit = process.argv.some((arg) => arg.endsWith("bin.cjs"));\n` +
        `export const hidden = drizzleKit ? undefined : linkTable(events, ["hidden", "other_id"]);\n`,
    );
    await expectRejects(generate({ cwd: dir, ...quiet }), {
      instanceOf: GenerateError,
      mentions: ["drizzle-kit does not know the link table(s) public.hidden", "Nothing was written"],
    });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("the options and files a run is given are checked", () => {
  const dir = useScratchProject();

  test("--name must be a file-name part: exit 2, naming --name, showing the value, saying what is expected", async () => {
    writeSchema(dir, `["links", "other_id"]`);
    for (const name of ["../escape", "a/b", "two words", ""]) {
      const run = runCli(dir, ["generate", `--name=${name}`]);
      expect(run.status, name).toBe(2);
      expect(run.stderr, name).toContain("expected `--name` to be");
      expect(run.stderr, name).toContain("letters, digits, `_` or `-`");
      expect(run.stderr, name).toContain(`got ${JSON.stringify(name)}`);
      await expectRejects(generate({ cwd: dir, name, ...quiet }), {
        instanceOf: GenerateError,
        mentions: ["expected `--name`", JSON.stringify(name)],
      });
    }
    expect(existsSync(join(dir, "migrations"))).toBe(false);
    expect((await generate({ cwd: dir, name: "Spector-triggers_2", ...quiet })).triggerMigration).toBe(
      "0001_Spector-triggers_2",
    );
  });

  test("a schema file that fails to load is named with its line, not the module the command generates", () => {
    const file = join(dir, "schema.ts");
    const cases: [string, string, string][] = [
      [
        "a throw at the top",
        `export const a = 1;\nconst b: number = 2;\nthrow new Error("no schema today");\n`,
        `${file}:3:`,
      ],
      ["a syntax error", `export const a = 1;\nconst b: number = ;\n`, `${file}:2:`],
    ];
    for (const [what, text, at] of cases) {
      writeFileSync(file, text);
      // through the command as a user runs it: in this test process, vitest's stack traces skip tsx's source maps
      const run = runCli(dir, ["generate"]);
      expect(run.status, what).toBe(1);
      expect(run.stderr, what).toContain(`drizzle-spector: could not load the schema files: ${at}`);
      expect(run.stderr, what).not.toContain("schema-entry");
    }
  });
});

describe("the command line: --help, --version, the config found as drizzle-kit names it", () => {
  const dir = useScratchProject();
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

  test("--version and -v print the package's version, alone or after a command", () => {
    for (const args of [["--version"], ["-v"], ["generate", "--version"]]) {
      const run = runCli(dir, args);
      expect(run.status, args.join(" ")).toBe(0);
      expect(run.stdout, args.join(" ")).toBe(`${version}\n`);
    }
  });

  test("--help prints every command's usage; after a command, that command's only; after an unknown one, exit 2", () => {
    const all = runCli(dir, ["--help"]);
    expect(all.status).toBe(0);
    for (const part of ["usage: drizzle-spector generate", "drizzle-spector check", "--help", "--version"])
      expect(all.stdout).toContain(part);
    const generateHelp = runCli(dir, ["generate", "--help"]);
    expect(generateHelp.status).toBe(0);
    expect(generateHelp.stdout).toContain("usage: drizzle-spector generate [--config FILE] [--name NAME]");
    expect(generateHelp.stdout).toContain("drizzle.config.{ts,mts,cts,js,mjs,cjs}");
    expect(generateHelp.stdout).not.toContain("drizzle-spector check");
    const checkHelp = runCli(dir, ["check", "-h"]);
    expect(checkHelp.status).toBe(0);
    expect(checkHelp.stdout).toContain("usage: drizzle-spector check [--config FILE] [--json]");
    expect(checkHelp.stdout).not.toContain("drizzle-spector generate");
    const unknown = runCli(dir, ["nope", "--help"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(
      'expected the command `generate`, `push`, `check`, `verify`, `consumers`, got "nope"',
    );
  });

  test("without --config, the first of drizzle.config.{ts,mts,cts,js,mjs,cjs} is the config, as drizzle-kit runs it", async () => {
    writeSchema(dir, `["links", "other_id"]`);
    rmSync(join(dir, "drizzle.config.ts"));
    const body = `{ dialect: "postgresql", schema: "./schema.ts", out: "./migrations" }`;
    await expectRejects(loadProject({ cwd: dir }), {
      instanceOf: GenerateError,
      mentions: [
        `no drizzle-kit config in ${dir}: expected one of drizzle.config.ts, drizzle.config.mts, drizzle.config.cts, ` +
          "drizzle.config.js, drizzle.config.mjs, drizzle.config.cjs, or `--config FILE`",
      ],
    });
    // an ES module config with .mts: the whole run, drizzle-kit included, uses it
    writeFileSync(join(dir, "drizzle.config.mts"), `export default ${body};\n`);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual(["public.links"]);
    expect(readdirSync(join(dir, "migrations")).filter((f) => f.endsWith(".sql"))).toHaveLength(2);
    // a CommonJS one, and the order: .ts before the others
    rmSync(join(dir, "drizzle.config.mts"));
    writeFileSync(join(dir, "drizzle.config.cjs"), `module.exports = { ...${body}, out: "./cjs-out" };\n`);
    expect((await loadProject({ cwd: dir })).configFile).toBe(join(dir, "drizzle.config.cjs"));
    expect((await loadProject({ cwd: dir })).out).toBe(join(dir, "cjs-out"));
    writeFileSync(join(dir, "drizzle.config.ts"), `export default ${body};\n`);
    expect((await loadProject({ cwd: dir })).configFile).toBe(join(dir, "drizzle.config.ts"));
  });

  test("drizzle-kit's output is relayed with each stack trace once (drizzle-kit writes some errors twice)", () => {
    const trace = "Error: Interactive prompts require a TTY\n    at render10 (bin.cjs:1:1)\n    at run (bin.cjs:2:2)";
    const other = "Error: another\n    at f (bin.cjs:3:3)";
    expect(withoutRepeatedTraces(`Reading config\n${trace}\n${trace}\n`)).toBe(`Reading config\n${trace}\n`);
    // different traces, and repeated lines without a trace, are all kept
    expect(withoutRepeatedTraces(`${trace}\n${other}\nsame\nsame\n`)).toBe(`${trace}\n${other}\nsame\nsame\n`);
  });
});

describe("the TypeScript loader of the commands", () => {
  /**
   * A project outside this repository (so nothing resolves from its node_modules) with a TypeScript
   * config and schema, and the packages `layout` links in: tsx at the top (the project's own), or only
   * inside drizzle-kit's own node_modules (as pnpm lays out drizzle-kit's dependencies).
   */
  function projectWith(layout: { tsx?: "project" | "drizzle-kit"; oldTsx?: boolean }): string {
    const dir = mkdtempSync(join(tmpdir(), "drizzle-spector-loader-"));
    writeFileSync(join(dir, "package.json"), "{}\n");
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `const config: { dialect: string; schema: string } = { dialect: "postgresql", schema: "./schema.ts" };\nexport default config;\n`,
    );
    writeFileSync(join(dir, "schema.ts"), "export const answer: number = 42;\n");
    const kit = join(dir, "node_modules", "drizzle-kit");
    mkdirSync(join(kit, "node_modules"), { recursive: true });
    writeFileSync(join(kit, "package.json"), `{ "name": "drizzle-kit", "version": "0.31.11", "main": "index.js" }\n`);
    writeFileSync(join(kit, "index.js"), "");
    const tsx = join(ROOT, "node_modules", "tsx");
    if (layout.tsx === "project") symlinkSync(tsx, join(dir, "node_modules", "tsx"));
    if (layout.tsx === "drizzle-kit") symlinkSync(tsx, join(kit, "node_modules", "tsx"));
    if (layout.oldTsx) {
      // a tsx 3 of the project's own, which has no ES module API to load with
      mkdirSync(join(dir, "node_modules", "tsx"), { recursive: true });
      writeFileSync(
        join(dir, "node_modules", "tsx", "package.json"),
        `{ "name": "tsx", "version": "3.14.0", "exports": { ".": "./dist/cli.js", "./package.json": "./package.json" } }\n`,
      );
    }
    return dir;
  }

  test("loads the config and schema files with the project's tsx, or else with the one drizzle-kit depends on", async () => {
    for (const layout of [{ tsx: "project" }, { tsx: "drizzle-kit" }, { tsx: "drizzle-kit", oldTsx: true }] as const) {
      const tsx = JSON.stringify(layout);
      const dir = projectWith(layout);
      try {
        const project = await loadProject({ cwd: dir });
        expect(project.config.dialect, tsx).toBe("postgresql");
        expect(project.exports, tsx).toEqual([42]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  test("without tsx anywhere, says what to install", async () => {
    const dir = projectWith({});
    try {
      await expectRejects(loadProject({ cwd: dir }), {
        instanceOf: GenerateError,
        mentions: ["drizzle-kit 0.31.10 and later depend on", "npm install --save-dev tsx"],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the packaged command", () => {
  test("the bin that package.json names, built from src, generates and then finds nothing to do", () => {
    const dir = scratchProject();
    const dist = join(dir, "dist");
    try {
      const build = spawnChild(
        process.execPath,
        [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", dist],
        {
          encoding: "utf8",
        },
      );
      expect(build.stdout + build.stderr).toBe("");
      const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
        bin: Record<string, string>;
        exports: { ".": { import: { default: string } } };
      };
      const bin = join(dist, pkg.bin["drizzle-spector"]!.replace("./dist/", ""));
      const entry = join(dist, pkg.exports["."].import.default.replace("./dist/", ""));
      writeFileSync(
        join(dir, "schema.ts"),
        `import { spectorTables } from ${JSON.stringify(entry)};\nexport const { events, links } = spectorTables({ table: "events", links: [["links", "other_id"]] });\n`,
      );
      const first = spawnChild(process.execPath, [bin, "generate"], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      expect(first.stdout).toContain("rule added: public.links");
      const second = spawnChild(process.execPath, [bin, "generate"], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(second.status).toBe(0);
      expect(second.stdout).toContain("same-parent triggers are up to date");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the committed migrations", () => {
  test("are up to date with the example schema (regenerated in a copy, nothing changes)", async () => {
    const dir = join(ROOT, ".tmp", randomName("uptodate"));
    cpSync(join(ROOT, "migrations"), join(dir, "migrations"), { recursive: true });
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `export default { dialect: "postgresql", schema: ${JSON.stringify(join(ROOT, "example/schema.ts"))}, out: "./migrations" };\n`,
    );
    try {
      const before = snapshot(dir);
      const result = await generate({ cwd: dir, ...quiet });
      expect(
        result.tablesMigration,
        "drizzle-kit found schema changes: run `npm run drizzle-spector -- generate`",
      ).toBeUndefined();
      expect(result.triggerMigration).toBeUndefined();
      expect(snapshot(dir)).toEqual(before);
      // and the last committed SQL of each rule is what this version of the library writes (earlier
      // ones are what earlier versions wrote: a database migrated with them gets the new rule from it)
      const { createRuleStatements, ruleTargets } = await import("../src/sql/rules.js");
      const { splitStatements } = await import("../src/sql/statements.js");
      const schema = await import("../example/schema.js");
      const committed = Object.entries(before)
        .filter(([file, text]) => file.endsWith(".sql") && text.includes("drizzle-spector:create"))
        .sort(([a], [b]) => a.localeCompare(b));
      const targets = ruleTargets(schema);
      expect(targets.map((target) => `${target.rule.kind} ${target.table}`).sort()).toEqual([
        "append-only public.ledger",
        "positions public.ledger",
        "record-chain public.ledger",
        "same-parent public.event_ancestors",
        "same-parent public.event_links",
        "spector-chain public.events",
      ]);
      for (const target of targets) {
        const marker = `drizzle-spector:create-${target.rule.kind} ${target.table} `;
        const [file, text] = committed.filter(([, text]) => text.includes(marker)).at(-1)!;
        expect(splitStatements(text), file).toEqual(expect.arrayContaining(createRuleStatements(target)));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
