/**
 * The commands with the record chain (`hashed: "record"`) and the append-only guard (`appendOnly`), on
 * scratch projects, on PGlite (a data folder the config names) and PostgreSQL (a fresh database):
 * `generate` writes drizzle-kit's migration (with the heads table) and the rules' migration, which
 * drizzle-orm's `migrate()` applies; `check` finds each rule object that is missing, changed or not
 * enabled as the rule says; `verify --record`; turning both options off drops the rules; `push`
 * installs them and a second push changes nothing; `spectorDownSql` leaves nothing behind; and a
 * record-chained table whose heads table is not exported is refused with the fix.
 */
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { generate } from "../src/cli/generate.js";
import { GenerateError } from "../src/errors.js";
import { spectorDownSql, spectorTables, spectorTriggerSql } from "../src/index.js";
import { joinStatements, splitStatements } from "../src/sql/statements.js";
import { describeBackends, openDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { INDEX, runCli, steps, useProjectDatabase, useScratchProject, type Query } from "./support/scratch-project.js";

const quiet = { log: () => {} };

/** The environment of a run: the config alone names the database. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL"));

/** The options of the schema under test, as TypeScript, with `hashed` and `appendOnly` as given. */
const OPTIONS = (hashed: string, appendOnly: boolean) =>
  `{ table: "events", hashed: ${hashed}, appendOnly: ${appendOnly}, links: [["links", "other_id"]] }`;

/** The schema file: the events (with their heads when record-chained) and links, and a table with Spector's chain. */
function writeSchema(dir: string, recordChain: boolean): void {
  writeFileSync(
    join(dir, "schema.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      (recordChain
        ? `export const { events, events_heads, links } = spectorTables(${OPTIONS(`"record"`, true)});\n`
        : `export const { events, links } = spectorTables(${OPTIONS("false", false)});\n`) +
      `export const { log } = spectorTables({ table: "log", hashed: true, schemaModules: { 0: "App.Log" } });\n`,
  );
}

/** The schema's tables, in this process (to repair what a step broke, as the migration wrote it). */
const recordTables = spectorTables({
  table: "events",
  hashed: "record",
  appendOnly: true,
  links: [["links", "other_id"]],
});

/** Every file of the migrations folder with its content. */
function files(dir: string): Record<string, string> {
  const out = join(dir, "migrations");
  const names = readdirSync(out, { recursive: true, encoding: "utf8" }).filter((f) => /\.(sql|json)$/.test(f));
  return Object.fromEntries(names.sort().map((f) => [f, readFileSync(join(out, f), "utf8")]));
}

/** What drizzle-spector's rules left in PostgreSQL schema `schema`: trigger functions, triggers, tables. */
async function ruleCatalog(query: Query, schema = "public") {
  return {
    functions: await query(
      `SELECT p.proname AS name, p.prosecdef AS definer, coalesce(p.proconfig, '{}')::text AS config
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND p.prorettype = 'trigger'::regtype ORDER BY 1`,
      [schema],
    ),
    triggers: await query(
      `SELECT c.relname AS table, t.tgname AS name, t.tgenabled::text AS enabled, pg_get_triggerdef(t.oid) AS definition
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname = $1 ORDER BY 1, 2`,
      [schema],
    ),
    tables: (
      await query(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1`,
        [schema],
      )
    ).map((row) => row.name),
  };
}

const CONFIG = `{"search_path=pg_catalog, pg_temp"}`;
/** The same-parent functions pin nothing: they name everything by its schema. */
const NO_CONFIG = "{}";
const trigger = (table: string, name: string, enabled: string, definition: string) => ({
  table,
  name,
  enabled,
  definition,
});

/** The rule objects of the record-chained, append-only schema, as the catalogs show them. */
const INSTALLED = {
  functions: [
    { name: "append_only_events", definer: false, config: CONFIG },
    { name: "append_only_links", definer: false, config: CONFIG },
    { name: "check_link_same_parent_links", definer: true, config: NO_CONFIG },
    { name: "check_link_same_parent_links_events", definer: true, config: NO_CONFIG },
    { name: "check_link_same_parent_links_update", definer: true, config: NO_CONFIG },
    { name: "record_chain_events", definer: true, config: CONFIG },
  ],
  triggers: [
    trigger(
      "events",
      "append_only_events",
      "A",
      "CREATE TRIGGER append_only_events BEFORE DELETE OR UPDATE OR TRUNCATE ON public.events FOR EACH STATEMENT EXECUTE FUNCTION append_only_events()",
    ),
    expect.objectContaining({ table: "events", name: "enforce_same_parent_links_events", enabled: "O" }),
    trigger(
      "events",
      "record_chain_events",
      "O",
      "CREATE TRIGGER record_chain_events BEFORE INSERT ON public.events FOR EACH ROW EXECUTE FUNCTION record_chain_events()",
    ),
    trigger(
      "links",
      "append_only_links",
      "A",
      "CREATE TRIGGER append_only_links BEFORE DELETE OR UPDATE OR TRUNCATE ON public.links FOR EACH STATEMENT EXECUTE FUNCTION append_only_links()",
    ),
    expect.objectContaining({ table: "links", name: "enforce_same_parent_links", enabled: "O" }),
    expect.objectContaining({ table: "links", name: "enforce_same_parent_links_update", enabled: "O" }),
  ],
  tables: ["events", "events_heads", "links", "log"],
};

/** Only the same-parent rule (both options off). */
const SAME_PARENT_ONLY = {
  functions: INSTALLED.functions.filter((fn) => fn.name.startsWith("check_link_same_parent_")),
  triggers: INSTALLED.triggers.filter((t) => !("name" in t) || !/^(append_only|record_chain)_/.test(String(t.name))),
};

describeBackends("the commands with record chains and the append-only guard", (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { pg, credentials, inDatabase } = useProjectDatabase(backend, dir);
  const migrations = join(dir, "migrations");
  /** Runs `statements` in one transaction. */
  const inTransaction = (statements: readonly string[]) =>
    pg
      ? pg.execMigration(joinStatements(statements.map((statement) => `${statement};`)))
      : inDatabase((_, client) =>
          client!.transaction(async (tx) => {
            for (const statement of statements) await tx.query(statement);
          }),
        );
  /** Applies the migrations folder with drizzle-orm's `migrate()`. */
  const applyMigrations = () =>
    pg
      ? pg.migrate(migrations)
      : inDatabase((_, client) => migrate(drizzle(client!), { migrationsFolder: migrations }));
  const cli = (...args: string[]) => runCli(dir, args, ENV);
  const checkLines = () => {
    const run = cli("check");
    return { status: run.status, lines: run.stdout.split("\n").slice(1, -1), stderr: run.stderr };
  };

  const writeConfig = () =>
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `export default { dialect: "postgresql", schema: "./schema.ts", out: "./migrations", ${credentials()} };\n`,
    );

  // the records verify writes and tampers with
  const a = { root: "0193c000-0000-7000-8000-00000000000a", children: ["0193c000-0000-7000-8000-0000000000a1"] };
  const b = { root: "0193c000-0000-7000-8000-00000000000b" };

  step("generate writes the tables' migration, with the heads table, and the rules' migration", async () => {
    writeConfig();
    writeSchema(dir, true);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual(["public.events", "public.links", "public.log"]);
    expect(result.dropped).toEqual([]);
    const tablesSql = readFileSync(join(migrations, `${result.tablesMigration}.sql`), "utf8");
    expect(tablesSql).toContain(`CREATE TABLE "events_heads" (\n\t"parent_id" uuid PRIMARY KEY NOT NULL,`);
    expect(tablesSql).not.toContain("drizzle-spector:");
    const rulesSql = readFileSync(join(migrations, `${result.triggerMigration}.sql`), "utf8");
    expect(result.triggerMigration).toMatch(/^0001_spector_triggers$/);
    expect(
      [...rulesSql.matchAll(/^-- drizzle-spector:(\S+ \S+)/gm)].map((m) => m[1]),
      "one marker per rule and table, the chain before the guard",
    ).toEqual([
      "create-record-chain public.events",
      "create-append-only public.events",
      "create-same-parent public.links",
      "create-append-only public.links",
      "create-spector-chain public.log",
    ]);
    expect(rulesSql).toContain(`ALTER TABLE "public"."events" ENABLE ALWAYS TRIGGER "append_only_events";`);
    expect(rulesSql).toContain(`ALTER TABLE "public"."links" ENABLE ALWAYS TRIGGER "append_only_links";`);
  });

  step("migrate() applies the folder: the functions and triggers are in the catalogs as the rules say", async () => {
    await applyMigrations();
    expect(await inDatabase((query) => ruleCatalog(query))).toEqual(INSTALLED);
  });

  step("a second generate writes nothing", async () => {
    const before = files(dir);
    expect(await generate({ cwd: dir, ...quiet })).toEqual({
      tablesMigration: undefined,
      triggerMigration: undefined,
      created: [],
      dropped: [],
    });
    expect(files(dir)).toEqual(before);
  });

  step("check exits 0 on the migrated database", async () => {
    const run = checkLines();
    expect(run.stderr).toBe("");
    expect(run.lines).toEqual([
      // the trigger functions, and next_event_id_events(parent), lock_record_events(parent),
      // chain_append_log(...) and check_link_same_parent_links_large(...), which are not
      `drizzle-spector check: the database matches the rules of 3 tables (${INSTALLED.functions.length + 4} functions, ${INSTALLED.triggers.length} triggers)`,
    ]);
    expect(run.status).toBe(0);
  });

  step(
    "check reports a missing chain trigger, a changed chain function, a guard enabled plainly or disabled, a missing heads table",
    async () => {
      await inDatabase(async (query) => {
        await query(`DROP TRIGGER record_chain_events ON public.events`);
        await query(
          `CREATE OR REPLACE FUNCTION public.record_chain_events() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
             SET search_path = pg_catalog, pg_temp AS $$BEGIN RETURN NEW; END$$`,
        );
        await query(`ALTER TABLE public.events ENABLE TRIGGER append_only_events`);
        await query(`ALTER TABLE public.links DISABLE TRIGGER append_only_links`);
        await query(`DROP TABLE public.events_heads`);
      });
      const run = checkLines();
      expect(run.lines).toEqual([
        "table public.events_heads: missing",
        "function public.record_chain_events(): body differs from this version's",
        "trigger record_chain_events on public.events: missing",
        "trigger append_only_events on public.events: does not fire in replica sessions (expected ENABLE ALWAYS)",
        "trigger append_only_links on public.links: disabled",
        "drizzle-spector check: 5 differences between the database and the rules of 3 tables",
      ]);
      expect(run.status).toBe(1);
      const json = cli("check", "--json");
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        differences: expect.arrayContaining([
          { table: "public.events_heads", object: "table public.events_heads", problem: "missing" },
          {
            table: "public.links",
            object: "trigger append_only_links on public.links",
            problem: "disabled",
          },
        ]),
      });
    },
  );

  step("the heads table and the rules put back as the migrations write them: check exits 0 again", async () => {
    const createHeads = splitStatements(
      readFileSync(join(migrations, readdirSync(migrations).sort()[0]!), "utf8"),
    ).find((statement) => statement.startsWith(`CREATE TABLE "events_heads"`))!;
    await inDatabase(async (query) => {
      await query(createHeads);
      for (const statement of splitStatements(spectorTriggerSql(recordTables))) await query(statement);
    });
    expect(await inDatabase((query) => ruleCatalog(query))).toEqual(INSTALLED);
    const run = checkLines();
    expect(run.lines).toEqual([expect.stringContaining("the database matches the rules of 3 tables")]);
    expect(run.status).toBe(0);
  });

  step(
    "check reports the chain trigger set to ENABLE ALWAYS (a subscriber's apply worker would chain replicated rows again)",
    async () => {
      await inDatabase((query) => query(`ALTER TABLE public.events ENABLE ALWAYS TRIGGER record_chain_events`));
      const run = checkLines();
      expect(run.lines).toEqual([
        "trigger record_chain_events on public.events: fires in replica sessions too (ENABLE ALWAYS), expected ENABLE: a replica session must skip it",
        "drizzle-spector check: 1 difference between the database and the rules of 3 tables",
      ]);
      expect(run.status).toBe(1);
      await inDatabase((query) => query(`ALTER TABLE public.events ENABLE TRIGGER record_chain_events`));
      expect(checkLines().status).toBe(0);
    },
  );

  step("verify --table events --record: exit 0 and the record's count when intact, with --json too", async () => {
    await inDatabase(async (query) => {
      for (const [id, parent, action] of [
        [a.root, a.root, 1],
        [a.children[0]!, a.root, 2],
        [b.root, b.root, 1],
      ] as const) {
        await query(
          `INSERT INTO public.events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, $3, '{"n": 1}')`,
          [id, parent, action],
        );
      }
    });
    const run = cli("verify", "--table", "events", "--record", a.root);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/\nevents: 2 events, the chain verifies \(\d+ events\/s\)\n/);
    expect(run.stdout).toContain("drizzle-spector verify: 1 chain verified");
    expect(run.status).toBe(0);
    const json = cli("verify", "--table", "events", "--record", a.root.toUpperCase(), "--json");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, tables: [{ ok: true, count: 2, table: "events" }] });
    const all = cli("verify", "--table", "events");
    expect(all.stdout).toMatch(/\nevents: 3 events, the chain verifies/);
    expect(all.status).toBe(0);
  });

  step("after tampering (with the guard lifted by the owner), verify exits 1 with the reason", async () => {
    await inTransaction([
      `ALTER TABLE public.events DISABLE TRIGGER append_only_events`,
      `UPDATE public.events SET payload = '{"n": 2}' WHERE id = '${a.children[0]}'`,
      `ALTER TABLE public.events ENABLE ALWAYS TRIGGER append_only_events`,
    ]);
    const run = cli("verify", "--table", "events", "--record", a.root);
    expect(run.stdout).toContain(
      `events: the chain is broken at event ${a.children[0]}, after 1 event that verify\n  record:   ${a.root}\n  reason:   mismatch:`,
    );
    expect(run.stdout).toContain("drizzle-spector verify: a chain is broken");
    expect(run.status).toBe(1);
    const json = cli("verify", "--table", "events", "--record", a.root, "--json");
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      tables: [{ ok: false, reason: "mismatch", eventId: a.children[0], parentId: a.root, count: 1 }],
    });
    // the other record is intact; check does not look at data
    expect(cli("verify", "--table", "events", "--record", b.root).status).toBe(0);
    expect(checkLines().status).toBe(0);
  });

  step(
    "verify --record alone finds the schema's one record-chained table; exits 2 for a non-UUID or a table with Spector's chain",
    async () => {
      const alone = cli("verify", "--record", b.root);
      expect(alone.stdout).toMatch(/\nevents: 1 event, the chain verifies/);
      expect(alone.status).toBe(0);
      const cases = [
        [["--table", "events", "--record", "nope"], "--record nope is no UUID: give the id of a record's first event"],
        [["--table", "log", "--record", a.root], "and log has Spector's chain, one per table"],
      ] as const;
      for (const [args, message] of cases) {
        const run = cli("verify", ...args);
        expect(run.stderr, args.join(" ")).toContain(message);
        expect(run.status, args.join(" ")).toBe(2);
      }
      const json = cli("verify", ...cases[1][0], "--json");
      expect(json.status).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({ ok: false, error: expect.stringContaining(cases[1][1]) });
    },
  );

  step("both options off: generate drops the rules, drizzle-kit the heads table and the hash column", async () => {
    writeSchema(dir, false);
    const result = await generate({ cwd: dir, ...quiet });
    expect(result.created).toEqual([]);
    expect(result.dropped).toEqual(["public.events", "public.links"]);
    expect(result.triggerMigration).toBe(result.tablesMigration);
    const sql = readFileSync(join(migrations, `${result.tablesMigration}.sql`), "utf8");
    expect([...sql.matchAll(/^-- drizzle-spector:(\S+ \S+)/gm)].map((m) => m[1])).toEqual([
      "drop-record-chain public.events",
      "drop-append-only public.events",
      "drop-append-only public.links",
    ]);
    expect(sql).toContain(`DROP TABLE "events_heads" CASCADE;`);
    expect(sql).toContain(`ALTER TABLE "events" DROP COLUMN "hash";`);
    // the rules go before drizzle-kit's statements: the functions do not outlive the table they use
    expect(sql.indexOf("drop-append-only public.links")).toBeLessThan(sql.indexOf(`DROP TABLE "events_heads"`));
    await applyMigrations();
    const state = await inDatabase((query) => ruleCatalog(query));
    expect(state).toEqual({ ...SAME_PARENT_ONLY, tables: ["events", "links", "log"] });
    // with the guard gone, the events can change
    await inDatabase((query) => query(`UPDATE public.events SET payload = NULL WHERE id = $1`, [b.root]));
    expect(checkLines().status).toBe(0);
    expect(await generate({ cwd: dir, ...quiet })).toMatchObject({ tablesMigration: undefined, created: [] });
  });

  step("the whole folder applies to a fresh database", async () => {
    const fresh = await openDatabase(backend);
    try {
      await fresh.migrate(migrations);
      const state = await ruleCatalog((text, params) => fresh.query(text, params));
      expect(state).toEqual({ ...SAME_PARENT_ONLY, tables: ["events", "links", "log"] });
    } finally {
      await fresh.close();
    }
  });

  step("spectorDownSql, after the up migration, leaves no drizzle-spector function, trigger or table", async () => {
    const options = {
      table: "events",
      pgSchema: "down",
      hashed: "record",
      appendOnly: true,
      links: [["links", "other_id"]],
    } as const;
    const up = await createSql(spectorTables(options), ["down"]);
    const down = spectorDownSql(options);
    expect([...down.matchAll(/^-- drizzle-spector:(\S+ \S+)/gm)].map((m) => m[1])).toEqual([
      "drop-same-parent down.links",
      "drop-append-only down.links",
      "drop-record-chain down.events",
      "drop-record-version down.events",
      "drop-positions down.events",
      "drop-spector-chain down.events",
      "drop-append-only down.events",
    ]);
    await inDatabase(async (query) => {
      for (const statement of splitStatements(up)) await query(statement);
      const installed = await ruleCatalog(query, "down");
      expect(installed.tables).toEqual(["events", "events_heads", "links"]);
      expect(installed.functions.map((fn) => fn.name)).toEqual(INSTALLED.functions.map((fn) => fn.name));
      for (const statement of splitStatements(down)) await query(statement);
      expect(await ruleCatalog(query, "down")).toEqual({ functions: [], triggers: [], tables: [] });
      // and again: IF EXISTS throughout
      for (const statement of splitStatements(down)) await query(statement);
    });
  });
});

describeBackends("drizzle-spector push with record chains and the append-only guard", (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { credentials, inDatabase } = useProjectDatabase(backend, dir);
  /** The catalogs, with the functions' bodies. */
  const catalog = () =>
    inDatabase(async (query) => ({
      ...(await ruleCatalog(query)),
      bodies: await query(
        `SELECT p.proname AS name, p.prosrc AS body FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1`,
      ),
      columns: await query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' ORDER BY 1, 2`,
      ),
    }));
  let first: Awaited<ReturnType<typeof catalog>>;

  step("push creates the tables (the heads table too) and installs the chain and the guard", async () => {
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `export default { dialect: "postgresql", schema: "./schema.ts", ${credentials()} };\n`,
    );
    writeSchema(dir, true);
    const run = runCli(dir, ["push"], ENV);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("drizzle-kit push: changes applied");
    expect(run.stdout).toContain("rules installed on public.events, public.links, public.log; removed from none");
    first = await catalog();
    expect({ functions: first.functions, triggers: first.triggers, tables: first.tables }).toEqual({
      ...INSTALLED,
      tables: ["events", "events_heads", "links", "log"],
    });
    const check = runCli(dir, ["check"], ENV);
    expect(check.status, check.stdout).toBe(0);
  });

  step("a second push reports no table changes and leaves the catalogs as they were", async () => {
    const run = runCli(dir, ["push"], ENV);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("drizzle-kit push: no table changes");
    expect(await catalog()).toEqual(first);
  });
});

describe("generate and a record-chained table whose heads table is not exported", () => {
  const dir = useScratchProject();
  const step = steps();
  const write = (body: string) =>
    writeFileSync(
      join(dir, "schema.ts"),
      `import { chainHeadTable, eventTable, spectorTables } from ${JSON.stringify(INDEX)};\n${body}`,
    );

  step(
    "eventTable without chainHeadTable, and spectorTables without its heads: refused with the fix, nothing written",
    async () => {
      write(
        `export const events = eventTable("events", { hashed: "record" });\n` +
          `export const { audit } = spectorTables({ table: "audit", hashed: "record" });\n`,
      );
      const error = await expectRejects(generate({ cwd: dir, ...quiet }), {
        instanceOf: GenerateError,
        mentions: [
          "drizzle-kit would not see 2 tables the schema files make",
          "heads table public.events_heads",
          "the heads of the record chain of events, is not exported",
          "`export const events_heads = chainHeadTable(events);`",
          "heads table public.audit_heads",
          "add `audit_heads` to the `export const { ... } = spectorTables(...)`",
          "Nothing was written",
        ],
      });
      expect(error).toBeDefined();
      // as a user runs it: the lines are the TypeScript's (vitest's stack handling hides them from the API)
      const run = runCli(dir, ["generate"]);
      expect(run.stderr).toContain(
        `- heads table public.events_heads (made at ${join(dir, "schema.ts")}:2:23), the heads`,
      );
      expect(run.stderr).toContain(
        `- heads table public.audit_heads (made at ${join(dir, "schema.ts")}:3:26), the heads`,
      );
      expect(run.status).toBe(1);
      expect(readdirSync(dir).sort()).toEqual(["drizzle.config.ts", "schema.ts"]);
    },
  );

  step("exported, generate writes both tables' migrations and the chains", async () => {
    write(
      `export const events = eventTable("events", { hashed: "record" });\n` +
        `export const events_heads = chainHeadTable(events);\n` +
        `export const { audit, audit_heads } = spectorTables({ table: "audit", hashed: "record" });\n`,
    );
    const result = await generate({ cwd: dir, ...quiet });
    expect([...result.created].sort()).toEqual(["public.audit", "public.events"]);
    const rulesSql = readFileSync(join(dir, "migrations", `${result.triggerMigration}.sql`), "utf8");
    expect([...rulesSql.matchAll(/^-- drizzle-spector:(\S+ \S+)/gm)].map((m) => m[1]).sort()).toEqual([
      "create-record-chain public.audit",
      "create-record-chain public.events",
    ]);
    const tablesSql = readFileSync(join(dir, "migrations", `${result.tablesMigration}.sql`), "utf8");
    expect(tablesSql).toContain(`CREATE TABLE "events_heads"`);
    expect(tablesSql).toContain(`CREATE TABLE "audit_heads"`);
  });
});
