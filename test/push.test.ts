/**
 * `drizzle-spector push` on a scratch project, against PostgreSQL (a fresh database the config's
 * `dbCredentials.url` names) and PGlite (a data folder the config names): drizzle-kit push, then the
 * rules and the shard lists in that database; a second push on an unchanged schema changes nothing;
 * the `shards` lists are held to what the database records; drizzle-kit's interactive question fails
 * the command.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect } from "vitest";
import { describeBackends } from "./support/backends.js";
import { INDEX, runCli, steps, useProjectDatabase, useScratchProject, type Query } from "./support/scratch-project.js";

/** The environment of a run: the config alone names the database. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL"));

function writeSchema(dir: string, body: string): void {
  writeFileSync(
    join(dir, "schema.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `export const { events, links, loose } = spectorTables({ table: "events", links: [${body}] });\n`,
  );
}

function writeShards(dir: string, shards: string): void {
  const tables = [...shards.matchAll(/"(log_\d)"/g)].flatMap((m) => [m[1], `${m[1]}_ancestors`]);
  writeFileSync(
    join(dir, "shards.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `export const { ${tables.join(", ")} } = spectorTables(${shards});\n`,
  );
}

/** Everything of the rules and keys in the catalogs, to compare two states of the database. */
async function catalog(query: Query) {
  return {
    triggers: await query(
      `SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal ORDER BY 1, 2`,
    ),
    functions: await query(
      `SELECT p.proname AS name, p.prosrc AS body, p.prosecdef AS definer
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1`,
    ),
    keys: await query(
      `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
    ),
    comments: await query(
      `SELECT c.relname AS table, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1`,
    ),
  };
}

describeBackends("drizzle-spector push", (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { credentials, inDatabase } = useProjectDatabase(backend, dir);
  const push = (...args: string[]) => runCli(dir, ["push", ...args], ENV);

  beforeAll(() => {
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `export default { dialect: "postgresql", schema: ["./schema.ts", "./shards.ts"], ${credentials()} };\n`,
    );
  });

  step("push creates the tables, then installs the same-parent rule and records the shard list", async () => {
    writeSchema(dir, `["links", "other_id"], ["loose", "loose_id", { constrained: false }]`);
    writeShards(dir, `{ shards: ["log_0", "log_1"], links: [["ancestors", "ancestor_id"]] }`);
    const run = push();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("drizzle-kit push: changes applied");
    expect(run.stdout).toContain("rules installed on public.links, public.log_0_ancestors, public.log_1_ancestors");
    expect(run.stdout).toContain("shards recorded: public: log_0, log_1 (foreignShards 2)");
    const state = await inDatabase(catalog);
    expect(state.triggers.filter((t) => t.table === "links").map((t) => t.name)).toEqual([
      "enforce_same_parent_links",
      "enforce_same_parent_links_update",
    ]);
    expect(state.triggers.filter((t) => t.table === "events").map((t) => t.name)).toEqual([
      "enforce_same_parent_links_events",
    ]);
    expect(state.triggers.filter((t) => t.table === "loose")).toEqual([]);
    expect(state.functions.map((f) => f.name)).toEqual(
      expect.arrayContaining(["check_link_same_parent_links", "check_link_same_parent_links_update"]),
    );
    // the primary keys keep PostgreSQL's (and Spector's) name
    expect(state.keys.filter((k) => /_pkey$/.test(String(k.name)))).toEqual([
      { table: "events", name: "events_pkey", definition: "PRIMARY KEY (id)" },
      { table: "log_0", name: "log_0_pkey", definition: "PRIMARY KEY (id)" },
      { table: "log_1", name: "log_1_pkey", definition: "PRIMARY KEY (id)" },
    ]);
    expect(state.comments.filter((c) => c.comment !== null)).toEqual([
      { table: "log_0", comment: "drizzle-spector shard 0 of log_0,log_1; foreignShards 2" },
      { table: "log_1", comment: "drizzle-spector shard 1 of log_0,log_1; foreignShards 2" },
    ]);
  });

  step("a link across records is refused by the rule push installed (23514)", async () => {
    const a = "0192f0c1-7b3e-7cc4-9a51-000000000001";
    const b = "0192f0c1-7b3e-7cc4-9a51-000000000002";
    const error = await inDatabase(async (query) => {
      await query(`INSERT INTO events (id, parent_id, schema, action) VALUES ($1, $1, 0, 1), ($2, $2, 0, 1)`, [a, b]);
      await query(`INSERT INTO loose (event_id, loose_id) VALUES ($1, $2)`, [a, b]); // not constrained
      return query(`INSERT INTO links (event_id, other_id) VALUES ($1, $2)`, [a, b]).then(
        () => undefined,
        (error: { code?: string }) => error,
      );
    });
    expect(error?.code).toBe("23514");
  });

  step("a second push on the unchanged schema changes nothing (drizzle-kit: no changes)", async () => {
    const before = await inDatabase(catalog);
    const run = push();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("drizzle-kit push: no table changes");
    expect(run.stdout).not.toContain("shards recorded");
    expect(await inDatabase(catalog)).toEqual(before);
    const check = runCli(dir, ["check"], ENV);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  step("a link table no longer constrained loses its rule", async () => {
    writeSchema(dir, `["links", "other_id", { constrained: false }], ["loose", "loose_id", { constrained: false }]`);
    const run = push();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("removed from public.links");
    const state = await inDatabase(catalog);
    expect(state.triggers.map((t) => t.name).filter((name) => String(name).includes("_links"))).toEqual([]);
    expect(state.functions.map((f) => f.name).filter((name) => String(name).includes("_links"))).toEqual([]);
  });

  step(
    "reordered or removed shards, or grown without `foreignShards`, are refused before drizzle-kit runs",
    async () => {
      const before = await inDatabase(catalog);
      writeShards(dir, `{ shards: ["log_1", "log_0"], links: [["ancestors", "ancestor_id"]] }`);
      let run = push();
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("its shard 0 is log_1, but log_0 in public: log_0, log_1 (foreignShards 2)");
      expect(run.stderr).toContain("shards cannot be reordered");
      const check = runCli(dir, ["check"], ENV);
      expect(check.status).toBe(1);
      expect(check.stdout).toContain(
        "shards public: log_1, log_0 (foreignShards 2): refused: its shard 0 is log_1, but log_0 in public: log_0, log_1 (foreignShards 2) (the database's table comments)",
      );
      writeShards(dir, `{ shards: ["log_0"], links: [["ancestors", "ancestor_id"]] }`);
      run = push();
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("it no longer has shard 1 (log_1)");
      writeShards(dir, `{ shards: ["log_0", "log_1", "log_2"], links: [["ancestors", "ancestor_id"]] }`);
      run = push();
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("Set `foreignShards: 2` in its options");
      expect(await inDatabase(catalog)).toEqual(before);
    },
  );

  step("a shard appended with `foreignShards` is pushed, its rule installed, the list recorded again", async () => {
    writeShards(
      dir,
      `{ shards: ["log_0", "log_1", "log_2"], foreignShards: 2, links: [["ancestors", "ancestor_id"]] }`,
    );
    const run = push();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("shards recorded: public: log_0, log_1, log_2 (foreignShards 2)");
    const state = await inDatabase(catalog);
    expect(state.triggers.filter((t) => t.table === "log_2_ancestors").map((t) => t.name)).toEqual([
      "enforce_same_parent_log_2_ancestors",
      "enforce_same_parent_log_2_ancestors_update",
    ]);
    expect(state.comments.filter((c) => c.comment !== null).map((c) => c.comment)).toEqual([
      "drizzle-spector shard 0 of log_0,log_1,log_2; foreignShards 2",
      "drizzle-spector shard 1 of log_0,log_1,log_2; foreignShards 2",
      "drizzle-spector shard 2 of log_0,log_1,log_2; foreignShards 2",
    ]);
  });

  step("drizzle-kit's rename question (no terminal) fails the command, and nothing changes", async () => {
    const before = await inDatabase(catalog);
    writeFileSync(
      join(dir, "schema.ts"),
      `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
        `export const { events, links, loose_renamed } = spectorTables({ table: "events", links: [["links", "other_id", { constrained: false }], ["loose_renamed", "loose_id", { constrained: false }]] });\n`,
    );
    const run = push();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("drizzle-kit push stopped without changing the database");
    expect(await inDatabase(catalog)).toEqual(before);
  });
});

describeBackends('drizzle-spector push of a layout: "citus" schema', (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { credentials, inDatabase } = useProjectDatabase(backend, dir);
  const push = () => runCli(dir, ["push"], ENV);

  beforeAll(() => {
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `export default { dialect: "postgresql", schema: "./schema.ts", ${credentials()} };\n`,
    );
    writeFileSync(
      join(dir, "schema.ts"),
      `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
        `export const { events, links } = spectorTables({ table: "events", layout: "citus", links: [["links", "other_id"]] });\n`,
    );
  });

  step("the first push creates the tables keyed by record, and check finds nothing to report", async () => {
    const run = push();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("drizzle-kit push: changes applied");
    const { keys } = await inDatabase(catalog);
    // (PostgreSQL 18, PGlite's, lists NOT NULL constraints too)
    expect(keys.filter((k) => /_[pf]key$/.test(String(k.name)))).toEqual([
      { table: "events", name: "events_pkey", definition: "PRIMARY KEY (parent_id, id)" },
      {
        table: "links",
        name: "links_event_id_fkey",
        definition: "FOREIGN KEY (parent_id, event_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
      },
      {
        table: "links",
        name: "links_other_id_fkey",
        definition: "FOREIGN KEY (parent_id, other_id) REFERENCES events(parent_id, id) ON DELETE CASCADE",
      },
    ]);
    const check = runCli(dir, ["check"], ENV);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  step(
    "a second push is refused before drizzle-kit runs (it would drop the primary key the foreign keys need), and nothing changes",
    async () => {
      const before = await inDatabase(catalog);
      const run = push();
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('push cannot update events (layout: "citus")');
      expect(run.stderr).toContain("Write migrations with drizzle-spector generate");
      expect(run.stdout).not.toContain("drizzle-kit push");
      expect(await inDatabase(catalog)).toEqual(before);
    },
  );
});
