/**
 * The start-up check an app runs (`checkDatabase`), on PGlite and PostgreSQL: a database made with plain
 * drizzle-kit (tables, no rules) is reported with the fix, a complete one passes, each in one
 * statement; and the command line refuses a `DATABASE_URL` that names no database.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { describe, expect, test } from "vitest";
import { checkDatabase, SpectorOptionError, spectorTables, spectorTriggerSql } from "../src/index.js";
import { joinStatements } from "../src/sql/statements.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { expectRejects } from "./support/failures.js";
import { INDEX, runCli, steps, useScratchProject } from "./support/scratch-project.js";

const schema = spectorTables({
  table: "events",
  links: [
    ["links", "other_id"],
    ["loose", "loose_id", { constrained: false }],
  ],
});

describeBackends("checkDatabase at an app's start-up", (backend) => {
  const db = useDatabase(backend);
  const step = steps();

  /** The check through a Drizzle database that records each statement it sends. */
  async function checked() {
    const sent: string[] = [];
    const report = await checkDatabase(db.logged(sent), schema);
    return { report, sent };
  }

  step(
    "a database made by plain drizzle-kit (the tables, no rules) is reported, with the fix, in one statement",
    async () => {
      // what `drizzle-kit push` or `drizzle-kit generate` + migrate makes of the schema: the tables only
      await db.execMigration(
        joinStatements(await generateMigration(generateDrizzleJson({}), generateDrizzleJson(schema))),
      );
      const { report, sent } = await checked();
      expect(sent).toHaveLength(1);
      expect(report.ok).toBe(false);
      expect(report.differences.map((d) => `${d.object}: ${d.problem}`)).toEqual([
        "function public.check_link_same_parent_links_large(): missing",
        "function public.check_link_same_parent_links(): missing",
        "function public.check_link_same_parent_links_update(): missing",
        "function public.check_link_same_parent_links_events(): missing",
        "trigger enforce_same_parent_links on public.links: missing",
        "trigger enforce_same_parent_links_update on public.links: missing",
        "trigger enforce_same_parent_links_events on public.events: missing",
      ]);
      expect(report.fix).toContain("`npx drizzle-spector generate` (not `drizzle-kit generate`)");
      expect(report.fix).toContain("`npx drizzle-spector push` (not `drizzle-kit push`)");
      expect(report.message.split("\n")).toEqual([
        "drizzle-spector: the database lacks or differs from 7 objects of the rules of 1 table:",
        "  function public.check_link_same_parent_links_large(): missing",
        "  function public.check_link_same_parent_links(): missing",
        "  function public.check_link_same_parent_links_update(): missing",
        "  function public.check_link_same_parent_links_events(): missing",
        "  trigger enforce_same_parent_links on public.links: missing",
        "  trigger enforce_same_parent_links_update on public.links: missing",
        "  trigger enforce_same_parent_links_events on public.events: missing",
        report.fix,
      ]);
    },
  );

  step("with the rules installed it passes, in one statement", async () => {
    await db.execMigration(spectorTriggerSql(schema));
    const { report, sent } = await checked();
    expect(sent).toHaveLength(1);
    expect(report).toMatchObject({ ok: true, differences: [], fix: "" });
    expect(report.expected.triggers).toBe(3);
    expect(report.message).toBe("drizzle-spector: the database matches the rules of 1 table (4 functions, 3 triggers)");
  });

  step("an outdated function (another version's body) is reported, with the fix", async () => {
    await db.query(
      `CREATE OR REPLACE FUNCTION public.check_link_same_parent_links() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
         AS $$BEGIN RETURN NULL; END$$`,
    );
    const { report } = await checked();
    expect(report.ok).toBe(false);
    expect(report.differences).toEqual([
      {
        table: "public.links",
        object: "function public.check_link_same_parent_links()",
        problem: "body differs from this version's",
      },
    ]);
    expect(report.message).toContain(report.fix);
    await db.execMigration(spectorTriggerSql(schema));
    expect((await checked()).report.ok).toBe(true);
  });

  test("a database or a schema that is not one is refused before anything is sent", async () => {
    const bad = { execute: "no" } as never;
    await expectRejects(checkDatabase(bad, schema), {
      option: "db",
      instanceOf: SpectorOptionError,
      mentions: ["expected `db` to be a Drizzle PostgreSQL database"],
    });
    const sent: string[] = [];
    for (const value of [{}, [], null, { notATable: 1 }]) {
      await expectRejects(checkDatabase(db.logged(sent), value as never), {
        option: "schema",
        instanceOf: SpectorOptionError,
        mentions: ["expected `schema` to be the schema's exports"],
      });
    }
    expect(sent).toEqual([]);
  });
});

describe("the command line refuses a DATABASE_URL that names no database", () => {
  const dir = useScratchProject();
  // a config whose dbCredentials would work: an empty DATABASE_URL must not fall back to it, or to a default
  writeFileSync(
    join(dir, "drizzle.config.ts"),
    `export default { dialect: "postgresql", schema: "./schema.ts", out: "./migrations", dbCredentials: { url: "postgres://postgres@127.0.0.1:1/none" } };\n`,
  );
  writeFileSync(
    join(dir, "schema.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `export const { events, links } = spectorTables({ table: "events", links: [["links", "other_id"]] });\n`,
  );

  test.each(["", "   "])("DATABASE_URL=%j: check says it is empty and exits 1", (url) => {
    const run = runCli(dir, ["check"], { ...process.env, DATABASE_URL: url });
    expect(run.stderr).toContain(`DATABASE_URL is set but empty (${JSON.stringify(url)})`);
    expect(run.stderr).toContain("does not fall back to a default database");
    expect(run.stderr).not.toContain("cannot connect");
    expect(run.stdout).toBe("");
    expect(run.status).toBe(1);
  });

  test("a DATABASE_URL that is not a PostgreSQL URL, or does not parse, is refused with the password masked", () => {
    const notUrl = runCli(dir, ["check"], { ...process.env, DATABASE_URL: "localhost:5432/app" });
    expect(notUrl.stderr).toContain(
      'DATABASE_URL is not a PostgreSQL URL: "localhost:5432/app" does not start with postgres:// or postgresql://',
    );
    expect(notUrl.status).toBe(1);
    const unparsable = runCli(dir, ["check"], { ...process.env, DATABASE_URL: "postgres://app:s3cret@[db/app" });
    expect(unparsable.stderr).toContain(
      'DATABASE_URL is not a PostgreSQL URL: "postgres://app:***@[db/app" does not parse as a URL',
    );
    expect(unparsable.stderr).not.toContain("s3cret");
    expect(unparsable.status).toBe(1);
  });
});
