/**
 * `drizzle-spector check`, the command: on PostgreSQL through node-postgres and postgres.js, and on a
 * PGlite database the config names (a slow suite: it runs the CLI; the comparison itself, in-process
 * on every backend, is `check-rules.test.ts`).
 */
import { PGlite } from "@electric-sql/pglite";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, describe, expect, test } from "vitest";
import { generate } from "../src/cli/generate.js";
import { spectorTables } from "../src/index.js";
import { ruleTargets } from "../src/sql/rules.js";
import { backends, describePostgres, useDatabase } from "./support/backends.js";
import { INDEX, ROOT, runCli, steps, useScratchProject } from "./support/scratch-project.js";

const LINKS = `[["links", "other_id"], ["loose", "loose_id", { constrained: false }]]`;
const tables = spectorTables({
  table: "events",
  links: [
    ["links", "other_id"],
    ["loose", "loose_id", { constrained: false }],
  ],
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

describePostgres("drizzle-spector check on PostgreSQL, as a deploy pipeline runs it", () => {
  const dir = useScratchProject();
  const db = useDatabase("postgres");
  const step = steps();
  const project = { dialect: "postgresql", schema: "./schema.ts", out: "./migrations" };

  // the projects made outside this repository, removed once the steps are done (a hook registered
  // inside a running test never ran: each run left its folders behind)
  const outsides: string[] = [];
  afterAll(() => {
    for (const outside of outsides) rmSync(outside, { recursive: true, force: true });
  });

  /** A project outside this repository that has only the packages in `packages` (links to this repository's). */
  function outsideProject(packages: readonly string[]): string {
    const outside = mkdtempSync(join(tmpdir(), "drizzle-spector-check-"));
    outsides.push(outside);
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
});

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
