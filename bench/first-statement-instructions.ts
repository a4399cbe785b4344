/**
 * `npm run bench`, first-statement-instructions part (`BENCH_ONLY=first-statement-instructions`): what
 * the same-parent rule costs a new session's first link statement, counted in CPU instructions by
 * Valgrind (callgrind), which the load of a shared machine does not move as it moves times
 * (`bench/first-statement.ts` measures the same in milliseconds).
 *
 * A throwaway cluster (`initdb`, the local server's binaries) holds the data of `first-statement.ts`:
 * 10,000 records of 10 events, then one record of 452 events, and three link tables: ours (the rule as
 * `spectorTriggerSql` writes it), Spector's row trigger, and none. Each count is one run of the server
 * in single-user mode under callgrind, a new backend whose first link statement is
 * `BEGIN; INSERT ... (1 row, or 451 links into the one record); ROLLBACK;`, less the same run into the
 * link table without a trigger: what the design adds to the session's first statement. "first" runs
 * `DO $$BEGIN END$$` before it in both runs (the PL/pgSQL library is loaded, as it is once per
 * session whichever function runs first); "PL/pgSQL not loaded" does not, and counts that load too.
 * "later" is the cost of each statement after the first in the same session: the run with 11
 * statements less the run with 1, divided by 10.
 *
 * Needs `valgrind` and the PostgreSQL binaries; runs as the `postgres` user when started as root.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { spectorTables } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { spectorRowTrigger } from "../test/support/spector-ddl.js";
import { asPostgres, available, instructions } from "./rule-instructions.js";
import { fmt } from "./stats.js";

const GOAL = 1.5;
const SIZES = [1, 451] as const;
/** Statements after the first, for the per-statement figure of later ones. */
const LATER = 10;
const PORT = 56_900 + Math.floor(Math.random() * 90);

/**
 * Runs the first-statement-instructions part in a throwaway cluster.
 *
 * @example
 * ```ts
 * await benchFirstStatementInstructions();
 * ```
 */
export async function benchFirstStatementInstructions(): Promise<void> {
  if (!available("valgrind") || !available("pg_config")) {
    console.log("first-statement instructions: valgrind or pg_config is not installed; this part does not run");
    return;
  }
  const bin = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "spector-first-instructions-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const pgCtl = (...args: string[]) => asPostgres(join(bin, "pg_ctl"), ["-D", data, "-w", ...args]);
  let running = false;
  try {
    asPostgres(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
    pgCtl("-o", `-p ${PORT} -k ${dir} -c listen_addresses=''`, "-l", join(dir, "log"), "start");
    running = true;
    const admin = postgres({ host: dir, port: PORT, user: "postgres", database: "postgres", onnotice: () => {} });
    await admin`CREATE DATABASE bench`;
    await admin.end();
    const sql = postgres({ host: dir, port: PORT, user: "postgres", database: "bench", max: 1, onnotice: () => {} });
    const version = (await sql`SHOW server_version`)[0]!.server_version as string;
    const tables = spectorTables({
      table: "events",
      links: [
        ["links_ours", "ancestor_id"],
        ["links_spector", "ancestor_id", { constrained: false }],
        ["links_none", "ancestor_id", { constrained: false }],
      ],
    });
    for (const statement of splitStatements(await createSql(tables))) await sql.unsafe(statement);
    for (const statement of spectorRowTrigger('"public"', "events", "links_spector", "ancestor_id")) {
      await sql.unsafe(statement);
    }
    await sql.unsafe(`CREATE FUNCTION bench_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
      $$ SELECT (lpad(to_hex(1790000000000 + n), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`);
    await sql.unsafe(`INSERT INTO events (id, parent_id, schema, action)
      SELECT bench_id(r * 10 + k), bench_id(r * 10), 1, CASE WHEN k = 0 THEN 1 ELSE 2 END
        FROM generate_series(0, 9999) AS r, generate_series(0, 9) AS k ORDER BY r, k`);
    await sql.unsafe(`INSERT INTO events (id, parent_id, schema, action)
      SELECT bench_id(200000 + i), bench_id(200000), 1, CASE WHEN i = 0 THEN 1 ELSE 2 END FROM generate_series(0, 451) AS i`);
    await sql.unsafe(`CREATE TABLE pairs AS
      SELECT bench_id(200000 + i) AS event_id, bench_id(200000) AS ancestor_id FROM generate_series(1, 451) AS i`);
    await sql`VACUUM ANALYZE`;
    await sql`CHECKPOINT`;
    await sql.end();
    pgCtl("stop");
    running = false;

    const count = (table: string, size: number, load: boolean, statements = 1) =>
      instructions(
        bin,
        data,
        dir,
        `${table}.${size}.${load}.${statements}`,
        `${load ? "DO $$BEGIN END$$;\n" : ""}${`BEGIN; INSERT INTO ${table} (event_id, ancestor_id) SELECT event_id, ancestor_id FROM pairs ORDER BY event_id LIMIT ${size}; ROLLBACK;\n`.repeat(statements)}`,
      );
    // the first run after the cluster stopped writes the relation cache's init file: not a figure
    count("links_none", 1, true);
    console.log(
      `same-parent rule, first statement of a new session, PostgreSQL ${version} in single-user mode under callgrind: ` +
        "instructions added over the same statement without trigger",
    );
    console.log(
      `  ${"links".padEnd(6)} ${"statement".padEnd(27)} ${"ours".padStart(11)} ${"Spector".padStart(11)} ${"ours/Spector".padStart(13)} ${"goal".padStart(8)}  met`,
    );
    for (const size of SIZES) {
      for (const load of [true, false]) {
        const none = count("links_none", size, load);
        const ours = count("links_ours", size, load) - none;
        const theirs = count("links_spector", size, load) - none;
        const met = ours / theirs <= GOAL ? "yes" : "NO";
        console.log(
          `  ${String(size).padEnd(6)} ${(load ? "first" : "first, PL/pgSQL not loaded").padEnd(27)} ${fmt(ours, 0).padStart(11)} ${fmt(theirs, 0).padStart(11)} ` +
            `${`${fmt(ours / theirs)}x`.padStart(13)} ${`<= ${fmt(GOAL, 1)}x`.padStart(8)}  ${met}`,
        );
      }
      // later statements: the same run with LATER + 1 statements, less the run with one, per statement
      const later = (table: string) => (count(table, size, true, LATER + 1) - count(table, size, true)) / LATER;
      const none = later("links_none");
      const [ours, theirs] = [later("links_ours") - none, later("links_spector") - none];
      console.log(
        `  ${String(size).padEnd(6)} ${"later (per statement)".padEnd(27)} ${fmt(ours, 0).padStart(11)} ${fmt(theirs, 0).padStart(11)} ` +
          `${`${fmt(ours / theirs)}x`.padStart(13)}`,
      );
    }
  } finally {
    if (running) pgCtl("stop", "-m", "immediate");
    rmSync(dir, { recursive: true, force: true });
  }
}
