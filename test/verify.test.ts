/**
 * `drizzle-spector verify`, run as a user runs it: on PostgreSQL (through the project's pg) and on the
 * PGlite database a config names; exit 0 when every chain verifies, 1 when one is broken, 2 when it
 * cannot run; progress only on a terminal.
 */
import { PGlite } from "@electric-sql/pglite";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/pglite";
import { describe, expect } from "vitest";
import { verify } from "../src/cli/verify.js";
import { appendEvent, spectorHash, spectorTables } from "../src/index.js";
import { backends, describePostgres, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { INDEX, ROOT, runCli, steps, useScratchProject } from "./support/scratch-project.js";

const OPTIONS = `{ table: "ledger", hashed: true, schemas: { user: 0 }, actions: {}, schemaModules: { user: "MyApp.User" } }`;
const { ledger } = spectorTables({
  table: "ledger",
  hashed: true,
  schemas: { user: 0 },
  actions: {},
  schemaModules: { user: "MyApp.User" },
});
const { plain } = spectorTables({ table: "plain" });

function writeProject(dir: string, config: string): void {
  writeFileSync(join(dir, "drizzle.config.ts"), `export default ${config};\n`);
  writeFileSync(
    join(dir, "schema.ts"),
    `import { spectorTables } from ${JSON.stringify(INDEX)};\n` +
      `export const { ledger } = spectorTables(${OPTIONS});\n` +
      `export const { plain } = spectorTables({ table: "plain" });\n`,
  );
}

const project = `{ dialect: "postgresql", schema: "./schema.ts", out: "./migrations" }`;

describePostgres("drizzle-spector verify on PostgreSQL", () => {
  const dir = useScratchProject();
  const db = useDatabase("postgres", async (t) => t.execMigration(await createSql({ ledger, plain })));
  const step = steps();
  const env = () => ({ ...process.env, DATABASE_URL: db.url! });
  const ids: string[] = [];

  step(
    "a chain of five events verifies: exit 0, one line per table and a summary, no progress off a terminal",
    async () => {
      writeProject(dir, project);
      for (let i = 0; i < 5; i++) {
        const row = await appendEvent(db.db, ledger, {
          schema: "user",
          action: i === 0 ? "insert" : "update",
          payload: { i },
          ...(i ? { parentId: ids[0]! } : {}),
        });
        ids.push(row.id);
      }
      const run = runCli(dir, ["verify"], env());
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const lines = run.stdout.split("\n");
      expect(lines[0]).toBe(`drizzle-spector verify: ${db.url} (from DATABASE_URL), through pg`);
      expect(lines[1]).toMatch(/^ledger: 5 events, the chain verifies \(\d+ events\/s\)$/);
      expect(lines.slice(2)).toEqual(["drizzle-spector verify: 1 chain verified", ""]);
      expect(run.stdout + run.stderr).not.toContain("\r");
    },
  );

  step("--json gives one document", async () => {
    const run = runCli(dir, ["verify", "--json", "--table", "ledger"], env());
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: true, driver: "pg", tables: [{ table: "ledger", ok: true, count: 5 }] });
  });

  step("an edited event breaks the chain: exit 1, the event, the reason and both hashes", async () => {
    await db.query(`UPDATE ledger SET payload = '{"i": 42}' WHERE id = $1`, [ids[2]]);
    const [stored] = await db.query<{ hash: string }>(`SELECT encode(hash, 'hex') AS hash FROM ledger WHERE id = $1`, [
      ids[2],
    ]);
    const run = runCli(dir, ["verify"], env());
    expect(run.status).toBe(1);
    const lines = run.stdout.split("\n");
    expect(lines.slice(1, 3)).toEqual([
      `ledger: the chain is broken at event ${ids[2]}, after 2 events that verify`,
      "  reason:   mismatch: its hash differs from the one its row and the previous hash give (edited, removed, inserted or moved)",
    ]);
    expect(lines[3]).toMatch(/^ {2}expected: [0-9a-f]{64}$/);
    expect(lines[4]).toBe(`  stored:   ${stored!.hash}`);
    expect(lines[5]).toBe("drizzle-spector verify: a chain is broken");
    const json = JSON.parse(runCli(dir, ["verify", "--json"], env()).stdout);
    expect(json).toMatchObject({
      ok: false,
      tables: [{ ok: false, eventId: ids[2], reason: "mismatch", count: 2, actual: stored!.hash }],
    });
  });

  step("progress is shown on a terminal: events so far and events per second, cleared at the end", async () => {
    await db.query(`UPDATE ledger SET payload = '{"i": 2}' WHERE id = $1`, [ids[2]]);
    const writes: string[] = [];
    const lines: string[] = [];
    const result = await verify({
      cwd: dir,
      env: env(),
      log: (line) => lines.push(line),
      progress: { write: (text: string) => writes.push(text) },
    });
    expect(result.ok).toBe(true);
    expect(writes[0]).toMatch(/^\r\x1b\[Kverifying ledger: 5 events, \d+ events\/s$/);
    expect(writes.at(-1)).toBe("\r\x1b[K");
  });

  step(
    "through postgres.js, a chain longer than a page (6,005 events) verifies: the cursor keeps its microseconds",
    async () => {
      const [last] = await db.query<{ hash: string; at: string }>(
        `SELECT encode(hash, 'hex') AS hash, inserted_at::text AS at FROM ledger ORDER BY inserted_at DESC LIMIT 1`,
      );
      let previous = last!.hash;
      const rows = Array.from({ length: 6000 }, (_, i) => {
        previous = spectorHash(previous, "Elixir.MyApp.User", "update", `{"n":${i}}`).toString("hex");
        return { payload: `{"n": ${i}}`, hash: previous, step: i + 1 };
      });
      await db.query(
        `INSERT INTO ledger (id, parent_id, payload, schema, action, hash, inserted_at, updated_at)
       SELECT gen_random_uuid(), $2::uuid, payload::jsonb, 0, 2, decode(hash, 'hex'), $3::timestamp + step * interval '1 microsecond', now()
       FROM json_to_recordset($1::text::json) AS t(payload text, hash text, step int)`,
        [JSON.stringify(rows), ids[0], last!.at],
      );
      const outside = mkdtempSync(join(tmpdir(), "drizzle-spector-verify-"));
      try {
        writeFileSync(join(outside, "package.json"), `{ "type": "module" }\n`);
        mkdirSync(join(outside, "node_modules"));
        for (const name of ["tsx", "postgres"])
          symlinkSync(join(ROOT, "node_modules", name), join(outside, "node_modules", name));
        writeProject(outside, project);
        const run = runCli(outside, ["verify"], env());
        expect(run.stderr).toBe("");
        expect(run.stdout).toContain("through postgres\n");
        expect(run.stdout).toMatch(/ledger: 6005 events, the chain verifies/);
        expect(run.status).toBe(0);
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    },
  );

  step(
    "what cannot run exits 2 and says why: a table that is not hashed, one the schema lacks, no database, no config",
    async () => {
      const cases: [string[], Record<string, string | undefined>, string][] = [
        [
          ["verify", "--table", "plain"],
          env(),
          "plain is not hashed: it has no chain to verify (hashed tables: ledger)",
        ],
        [["verify", "--table", "nope"], env(), "no events table nope in the schema (hashed tables: ledger)"],
        [
          ["verify"],
          { ...process.env, DATABASE_URL: "postgres://app:secret@127.0.0.1:1/app" },
          "cannot connect to postgres://app:***@127.0.0.1:1/app",
        ],
        [["verify", "--config", "nowhere.ts"], env(), "config file not found"],
      ];
      for (const [args, environment, message] of cases) {
        const run = runCli(dir, args, environment);
        expect(run.status, args.join(" ")).toBe(2);
        expect(run.stderr, args.join(" ")).toContain(message);
        expect(run.stdout, args.join(" ")).toBe("");
      }
      // with --json, the reason is also one document on stdout
      const json = runCli(dir, ["verify", "--json", "--table", "nope"], env());
      expect(json.status).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({
        ok: false,
        error: "no events table nope in the schema (hashed tables: ledger)",
      });
    },
  );

  step("a hashed table without schemaModules cannot be verified: exit 2, naming what to declare", async () => {
    writeFileSync(
      join(dir, "schema.ts"),
      `import { spectorTables } from ${JSON.stringify(INDEX)};\nexport const { ledger } = spectorTables({ table: "ledger", hashed: true });\n`,
    );
    const run = runCli(dir, ["verify"], env());
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("cannot verify ledger: declare `schemaModules`");
  });
});

describe("drizzle-spector verify on the PGlite database the config names", () => {
  const dir = useScratchProject();
  const step = steps();

  step("a chain written through PGlite verifies, and a NULL hash is reported missing", async () => {
    writeProject(
      dir,
      `{ dialect: "postgresql", schema: "./schema.ts", out: "./migrations", driver: "pglite", dbCredentials: { url: "./pgdata" } }`,
    );
    const client = new PGlite(join(dir, "pgdata"));
    const db = drizzle(client);
    let last = "";
    try {
      await client.exec(await createSql({ ledger, plain }));
      for (let i = 0; i < 3; i++)
        last = (await appendEvent(db, ledger, { schema: "user", action: "insert", payload: { i } })).id;
    } finally {
      await client.close();
    }
    const env = { ...process.env, DATABASE_URL: undefined };
    const ok = runCli(dir, ["verify"], env);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("ledger: 3 events, the chain verifies");
    const again = new PGlite(join(dir, "pgdata"));
    try {
      await again.query(`UPDATE ledger SET hash = NULL WHERE id = $1`, [last]);
    } finally {
      await again.close();
    }
    const broken = runCli(dir, ["verify", "--json"], env);
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      ok: false,
      driver: "pglite",
      tables: [{ reason: "missing", eventId: last, count: 2, actual: null }],
    });
  });
});
