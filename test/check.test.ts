/**
 * `drizzle-spector check`: the comparison of a live database with the schema's rules, on every
 * backend, then the command itself: on PostgreSQL through node-postgres and postgres.js, and on a
 * PGlite database the config names.
 */
import { PGlite } from "@electric-sql/pglite";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { afterAll, describe, expect, test } from "vitest";
import { differenceLine } from "../src/check/differences.js";
import { compareRules } from "../src/check/rules.js";
import { generate } from "../src/cli/generate.js";
import { spectorTables, spectorTriggerSql } from "../src/index.js";
import { dropRuleStatements, ruleTargets, sameParentRule } from "../src/sql/rules.js";
import type { RuleTrigger } from "../src/sql/rule-objects.js";
import { joinStatements } from "../src/sql/statements.js";
import { getMeta, type LinkTableMeta } from "../src/tables/meta.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { spectorRowTrigger } from "./support/spector-ddl.js";
import { INDEX, ROOT, runCli, steps, useScratchProject } from "./support/scratch-project.js";

const LINKS = `[["links", "other_id"], ["loose", "loose_id", { constrained: false }]]`;
const tables = spectorTables({
  table: "events",
  links: [
    ["links", "other_id"],
    ["loose", "loose_id", { constrained: false }],
  ],
});

/** The trigger `name` as this version's same-parent rule on `links` describes it. */
function ruleTrigger(name: string): RuleTrigger {
  const objects = sameParentRule.objects(getMeta(tables.links) as LinkTableMeta);
  return objects.triggers.find((trigger) => trigger.name === name)!;
}

/** The SQL drizzle-kit writes for the tables alone (what `drizzle-kit push` makes). */
async function tablesOnlySql(schema: Record<string, unknown>): Promise<string> {
  return joinStatements(await generateMigration(generateDrizzleJson({}), generateDrizzleJson(schema)));
}

describeBackends("drizzle-spector check's comparison of a database with the schema's rules", (backend) => {
  const db = useDatabase(backend);
  const step = steps();
  const differences = async () => (await compareRules(db.query, tables)).differences.map(differenceLine);
  const repair = () => db.execMigration(spectorTriggerSql(tables));

  step("an empty database lacks the tables, reported once each without their rule's objects", async () => {
    expect(await differences()).toEqual(["table public.links: missing", "table public.events: missing"]);
  });

  step("a database with the tables only (as drizzle-kit push makes it) lacks every function and trigger", async () => {
    await db.execMigration(await tablesOnlySql(tables));
    expect(await differences()).toEqual([
      "function public.check_link_same_parent_links(): missing",
      "function public.check_link_same_parent_links_update(): missing",
      "function public.check_link_same_parent_links_events(): missing",
      "trigger enforce_same_parent_links on public.links: missing",
      "trigger enforce_same_parent_links_update on public.links: missing",
      "trigger enforce_same_parent_links_events on public.events: missing",
    ]);
  });

  step("with spectorTriggerSql applied, nothing differs", async () => {
    await repair();
    expect(await differences()).toEqual([]);
    expect((await compareRules(db.query, tables)).expected).toEqual({
      rules: 1,
      functions: sameParentRule.objects(getMeta(tables.links) as LinkTableMeta).functions.length,
      triggers: sameParentRule.objects(getMeta(tables.links) as LinkTableMeta).triggers.length,
    });
  });

  step("a trigger dropped by hand is reported missing", async () => {
    await db.query(`DROP TRIGGER enforce_same_parent_links_update ON public.links`);
    expect(await differences()).toEqual(["trigger enforce_same_parent_links_update on public.links: missing"]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step("a function replaced with another body (same settings) is reported for its body only", async () => {
    await db.query(
      `CREATE OR REPLACE FUNCTION public.check_link_same_parent_links() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
         AS $$BEGIN RETURN NULL; END$$`,
    );
    expect(await differences()).toEqual([
      "function public.check_link_same_parent_links(): body differs from this version's",
    ]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step("a function's settings changed by hand are reported", async () => {
    // the same-parent functions have no settings (they name everything by its schema): a SET is stale
    expect(sameParentRule.objects(getMeta(tables.links) as LinkTableMeta).functions[2]!.config).toEqual([]);
    await db.query(
      `ALTER FUNCTION public.check_link_same_parent_links_events() SECURITY INVOKER SET search_path = public`,
    );
    expect(await differences()).toEqual([
      `function public.check_link_same_parent_links_events(): not SECURITY DEFINER; settings ["search_path=public"], expected none`,
    ]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step("a disabled trigger is reported, and one enabled for replica sessions only", async () => {
    await db.query(`ALTER TABLE public.events DISABLE TRIGGER enforce_same_parent_links_events`);
    await db.query(`ALTER TABLE public.links ENABLE REPLICA TRIGGER enforce_same_parent_links`);
    expect(await differences()).toEqual([
      "trigger enforce_same_parent_links on public.links: fires only in replica sessions (ENABLE REPLICA)",
      "trigger enforce_same_parent_links_events on public.events: disabled",
    ]);
    await repair(); // CREATE OR REPLACE TRIGGER enables them again
    expect(await differences()).toEqual([]);
  });

  step("a trigger that fires on other events, with another WHEN, or calls another function is reported", async () => {
    const events = ruleTrigger("enforce_same_parent_links_events");
    await db.query(
      `CREATE OR REPLACE TRIGGER enforce_same_parent_links_events AFTER UPDATE OF id ON public.events
         FOR EACH ROW WHEN (OLD.id <> NEW.id) EXECUTE FUNCTION public.check_link_same_parent_links_events()`,
    );
    await db.query(
      `CREATE OR REPLACE TRIGGER enforce_same_parent_links AFTER INSERT ON public.links
         REFERENCING NEW TABLE AS spector_new_links FOR EACH STATEMENT
         EXECUTE FUNCTION public.check_link_same_parent_links_update()`,
    );
    expect(await differences()).toEqual([
      "trigger enforce_same_parent_links on public.links: calls public.check_link_same_parent_links_update(), " +
        "expected public.check_link_same_parent_links()",
      `trigger enforce_same_parent_links_events on public.events: fires AFTER UPDATE OF "id" FOR EACH ROW, ` +
        `expected ${events.event} FOR EACH ROW; has WHEN ((old.id <> new.id)), expected WHEN (${events.when})`,
    ]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step(
    "Spector's own function and row trigger under the rule's names differ (the migration replaces them)",
    async () => {
      await db.query(`DROP FUNCTION public.check_link_same_parent_links() CASCADE`);
      for (const statement of spectorRowTrigger(`"public"`, "events", "links", "other_id")) await db.query(statement);
      expect(await differences()).toEqual([
        `function public.check_link_same_parent_links(): body differs from this version's; not SECURITY DEFINER`,
        `trigger enforce_same_parent_links on public.links: fires BEFORE INSERT FOR EACH ROW, expected AFTER INSERT REFERENCING NEW TABLE AS "spector_new_links" FOR EACH STATEMENT`,
      ]);
      await repair();
      expect(await differences()).toEqual([]);
    },
  );

  step("a rule left on a table that is no longer constrained is stale, each of its objects", async () => {
    const constrained = spectorTables({ table: "events", links: [["loose", "loose_id"]] });
    await db.execMigration(spectorTriggerSql(constrained));
    const stale = "stale: the same-parent rule of public.loose, which the schema does not ask for";
    expect(await differences()).toEqual([
      `function public.check_link_same_parent_loose(): ${stale}`,
      `function public.check_link_same_parent_loose_events(): ${stale}`,
      `function public.check_link_same_parent_loose_update(): ${stale}`,
      `trigger enforce_same_parent_loose_events on public.events: ${stale}`,
      `trigger enforce_same_parent_loose on public.loose: ${stale}`,
      `trigger enforce_same_parent_loose_update on public.loose: ${stale}`,
    ]);
    await db.execMigration(joinStatements(dropRuleStatements(sameParentRule, { pgSchema: undefined, name: "loose" })));
    expect(await differences()).toEqual([]);
  });

  step("the rule of a link table dropped by hand is stale, what is left of it", async () => {
    const gone = spectorTables({ table: "events", links: [["gone", "gone_id"]] });
    await db.query(
      `CREATE TABLE public.gone (event_id uuid NOT NULL REFERENCES public.events (id), gone_id uuid NOT NULL REFERENCES public.events (id))`,
    );
    await db.execMigration(spectorTriggerSql(gone));
    await db.query(`DROP TABLE public.gone`);
    const stale = "stale: the same-parent rule of public.gone, which the schema does not ask for";
    expect(await differences()).toEqual([
      `function public.check_link_same_parent_gone(): ${stale}`,
      `function public.check_link_same_parent_gone_events(): ${stale}`,
      `function public.check_link_same_parent_gone_update(): ${stale}`,
      `trigger enforce_same_parent_gone_events on public.events: ${stale}`,
    ]);
    await db.execMigration(joinStatements(dropRuleStatements(sameParentRule, { pgSchema: undefined, name: "gone" })));
    expect(await differences()).toEqual([]);
  });

  step("a rule function in a schema the schema's tables are not in is not looked at", async () => {
    await db.query(`CREATE SCHEMA elsewhere`);
    await db.query(
      `CREATE FUNCTION elsewhere.check_link_same_parent_other() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$`,
    );
    expect(await differences()).toEqual([]);
  });

  step("a link table dropped by hand is reported missing, without its rule's objects", async () => {
    await db.query(`DROP TABLE public.links`);
    expect(await differences()).toEqual(["table public.links: missing"]);
  });
});

const withoutDatabaseUrl = (): Record<string, string> => {
  const env = { ...process.env } as Record<string, string>;
  delete env.DATABASE_URL;
  return env;
};

function writeProject(dir: string, config: string): void {
  writeFileSync(join(dir, "drizzle.config.ts"), `export default ${config};\n`);
  writeFileSync(
    join(dir, "schema.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `export const { events, links, loose } = spectorTables({ table: "events", links: ${LINKS} });\n`,
  );
}

/** Migrations of the project in `dir`, written by `drizzle-spector generate`. */
async function generateMigrations(dir: string): Promise<string> {
  const result = await generate({ cwd: dir, log: () => {} });
  expect(result.created).toEqual(["public.links"]);
  return join(dir, "migrations");
}

const expectedCounts = () => {
  const [target] = ruleTargets(tables);
  const objects = target!.rule.objects(target!.meta);
  return `${objects.functions.length} functions, ${objects.triggers.length} triggers`;
};

describe.runIf(backends().includes("postgres"))(
  "drizzle-spector check on PostgreSQL, as a deploy pipeline runs it",
  () => {
    const dir = useScratchProject();
    const db = useDatabase("postgres");
    const step = steps();
    const project = { dialect: "postgresql", schema: "./schema.ts", out: "./migrations" };

    /** A project outside this repository that has only the packages in `packages` (links to this repository's). */
    function outsideProject(packages: readonly string[]): string {
      const outside = mkdtempSync(join(tmpdir(), "drizzle-spector-check-"));
      afterAll(() => rmSync(outside, { recursive: true, force: true }));
      writeFileSync(join(outside, "package.json"), `{ "type": "module" }\n`);
      mkdirSync(join(outside, "node_modules"));
      for (const name of ["tsx", ...packages]) {
        symlinkSync(join(ROOT, "node_modules", name), join(outside, "node_modules", name));
      }
      writeProject(outside, JSON.stringify({ ...project, dbCredentials: { url: db.url } }));
      return outside;
    }

    step("after the migrations generate writes, check exits 0 (DATABASE_URL, through pg)", async () => {
      writeProject(dir, JSON.stringify(project));
      await db.migrate(await generateMigrations(dir));
      const run = runCli(dir, ["check"], { ...process.env, DATABASE_URL: db.url! });
      expect(run.stderr).toBe("");
      expect(run.stdout.split("\n")).toEqual([
        `drizzle-spector check: ${db.url} (from DATABASE_URL), through pg`,
        `drizzle-spector check: the database matches the rules of 1 table (${expectedCounts()})`,
        "",
      ]);
      expect(run.status).toBe(0);
    });

    step("a trigger dropped by hand: check prints it and exits 1; --json says the same", async () => {
      await db.query(`DROP TRIGGER enforce_same_parent_links ON public.links`);
      const run = runCli(dir, ["check"], { ...process.env, DATABASE_URL: db.url! });
      expect(run.stdout.split("\n")).toEqual([
        `drizzle-spector check: ${db.url} (from DATABASE_URL), through pg`,
        "trigger enforce_same_parent_links on public.links: missing",
        "drizzle-spector check: 1 difference between the database and the rules of 1 table",
        "",
      ]);
      expect(run.status).toBe(1);
      const json = runCli(dir, ["check", "--json"], { ...process.env, DATABASE_URL: db.url! });
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        driver: "pg",
        differences: [
          { table: "public.links", object: "trigger enforce_same_parent_links on public.links", problem: "missing" },
        ],
      });
    });

    step("the config's dbCredentials, as host, port, user and database, through pg", async () => {
      const url = new URL(db.url!);
      const credentials = {
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        database: url.pathname.slice(1),
      };
      writeProject(dir, JSON.stringify({ ...project, dbCredentials: credentials }));
      const run = runCli(dir, ["check"], withoutDatabaseUrl());
      expect(run.stdout.split("\n")).toEqual([
        `drizzle-spector check: postgres://${credentials.user}@${credentials.host}:${credentials.port}/${credentials.database} ` +
          "(from the config's dbCredentials), through pg",
        "trigger enforce_same_parent_links on public.links: missing",
        "drizzle-spector check: 1 difference between the database and the rules of 1 table",
        "",
      ]);
      expect(run.status).toBe(1);
    });

    step("a project with postgres.js and no pg: the config's url, through postgres", async () => {
      const outside = outsideProject(["postgres"]);
      const run = runCli(outside, ["check"], withoutDatabaseUrl());
      expect(run.stderr).toBe("");
      expect(run.stdout.split("\n")).toEqual([
        `drizzle-spector check: ${db.url} (from the config's dbCredentials), through postgres`,
        "trigger enforce_same_parent_links on public.links: missing",
        "drizzle-spector check: 1 difference between the database and the rules of 1 table",
        "",
      ]);
      expect(run.status).toBe(1);
    });

    step("a project with neither driver: check says what to install and exits 1", async () => {
      const outside = outsideProject([]);
      const run = runCli(outside, ["check"], withoutDatabaseUrl());
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("found neither `pg` nor `postgres` from");
      expect(run.stderr).toContain("`npm install --save-dev pg`");
      expect(run.status).toBe(1);
    });

    step("an unreachable database: check says so, without the password, and exits 1", async () => {
      const run = runCli(dir, ["check"], { ...process.env, DATABASE_URL: "postgres://app:secret@127.0.0.1:1/app" });
      expect(run.stderr).toContain(
        "drizzle-spector: cannot connect to postgres://app:***@127.0.0.1:1/app (from DATABASE_URL)",
      );
      expect(run.stderr).not.toContain("secret");
      expect(run.status).toBe(1);
    });
  },
);

describe("drizzle-spector check on the PGlite database the config names", () => {
  const dir = useScratchProject();
  const step = steps();
  const dataDir = join(dir, "pgdata");
  const config = (extra: string) => `{ dialect: "postgresql", schema: "./schema.ts", out: "./migrations"${extra} }`;
  const pglite = `, driver: "pglite", dbCredentials: { url: "./pgdata" }`;

  /** Runs `work` on the PGlite database, closed afterwards (the command opens it on its own). */
  async function withPglite(work: (client: PGlite) => Promise<void>): Promise<void> {
    const client = new PGlite(dataDir);
    try {
      await work(client);
    } finally {
      await client.close();
    }
  }

  step("after the migrations generate writes, check exits 0", async () => {
    writeProject(dir, config(""));
    const migrations = await generateMigrations(dir);
    writeProject(dir, config(pglite));
    await withPglite((client) => migrate(drizzle(client), { migrationsFolder: migrations }));
    const run = runCli(dir, ["check"], withoutDatabaseUrl());
    expect(run.stderr).toBe("");
    expect(run.stdout.split("\n")).toEqual([
      `drizzle-spector check: PGlite ${dataDir} (from the config's dbCredentials), through pglite`,
      `drizzle-spector check: the database matches the rules of 1 table (${expectedCounts()})`,
      "",
    ]);
    expect(run.status).toBe(0);
  });

  step("a disabled trigger: check prints it and exits 1", async () => {
    await withPglite(async (client) => {
      await client.query(`ALTER TABLE public.links DISABLE TRIGGER enforce_same_parent_links_update`);
    });
    const run = runCli(dir, ["check"], withoutDatabaseUrl());
    expect(run.stdout.split("\n")).toEqual([
      `drizzle-spector check: PGlite ${dataDir} (from the config's dbCredentials), through pglite`,
      "trigger enforce_same_parent_links_update on public.links: disabled",
      "drizzle-spector check: 1 difference between the database and the rules of 1 table",
      "",
    ]);
    expect(run.status).toBe(1);
  });

  step("a PGlite folder that does not exist is refused, not created", async () => {
    writeProject(dir, config(`, driver: "pglite", dbCredentials: { url: "file:./nowhere" }`));
    const run = runCli(dir, ["check"], withoutDatabaseUrl());
    expect(run.stderr).toContain(`drizzle-spector: no PGlite database at ${join(dir, "nowhere")}`);
    expect(run.status).toBe(1);
  });

  step("no database named anywhere: check says where to name one and exits 1", async () => {
    writeProject(dir, config(""));
    const run = runCli(dir, ["check"], withoutDatabaseUrl());
    expect(run.stderr).toContain("drizzle-spector: no database to check: set DATABASE_URL, or `dbCredentials`");
    expect(run.status).toBe(1);
  });

  test("an option of another command is a bad command line (exit 2)", () => {
    const run = runCli(dir, ["check", "--name", "x"], withoutDatabaseUrl());
    expect(run.stderr).toContain("the command `check` has no option --name");
    expect(run.stderr).toContain("drizzle-spector check [--config FILE] [--json]");
    expect(run.status).toBe(2);
  });
});
