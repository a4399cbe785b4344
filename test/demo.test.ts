/**
 * `npm run demo`, the main job, run as a newcomer runs it: on PGlite, and on the PostgreSQL of
 * DATABASE_URL when it is set (in a fresh database that it drops).
 */
import { join } from "node:path";
import postgres from "postgres";
import { expect, test } from "vitest";
import { describeBackends } from "./support/backends.js";
import { spawnChild } from "./support/child-timeout.js";

const ROOT = new URL("..", import.meta.url).pathname;

function runDemo(env: NodeJS.ProcessEnv) {
  return spawnChild(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "example/demo.ts")], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

describeBackends("npm run demo", (backend) => {
  test("writes two records, links within them, and shows the rule refusing what crosses them", async () => {
    const env = { ...process.env };
    if (backend === "pglite") delete env.DATABASE_URL;
    const run = runDemo(env);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(backend === "pglite" ? "on in-process PGlite" : "in a fresh database spector_demo_");
    expect(run.stdout).toMatch(/record user …\w{6}:\n {2}…\w{6} {2}insert {2}\{"name":"Alice"\}/);
    expect(run.stdout).toContain(
      "cross-record link refused by link() before any SQL:\n  drizzle-spector: expected `to` to be an event of the same record",
    );
    expect(run.stdout).toContain("cross-record link refused: SQLSTATE 23514");
    expect(run.stdout).toContain(
      "(SpectorSameParentError)\n  drizzle-spector: the same-parent rule of event_ancestors refused",
    );
    expect(run.stdout).toContain("the database said: Link events must have the same parent_id");
    expect(run.stdout).toContain("batch of 4 links with one bad link refused: links of those events before 0, after 0");
    expect(run.stdout).toContain("the same batch without the bad link: 3 links written");
    expect(run.stdout).toMatch(
      /record post …\w{6}:\n {2}…\w{6} {2}insert {2}\{"title":"Hello"\}.*\n {2}…\w{6} {2}update {2}\{"title":"Hello, world"\}/,
    );
    expect(run.stdout).toMatch(
      /ancestors of the last revision: …\w{6} \(update, depth 1\), …\w{6} \(insert, depth 2\)\n/,
    );
    expect(run.stdout).toMatch(/backtrace of the edit: insert …\w{6} -> update …\w{6}\n/);
    expect(run.stdout).toContain(
      "db.query.events with children and their links: 5 events in the post record, 4 with ancestor links",
    );
    expect(run.stdout).toContain("Spector's hash chain: 7 events, verified");
    expect(run.stdout).toMatch(
      /after an UPDATE of one payload: broken at …\w{6} \(mismatch\), after \d events that verify/,
    );
    expect(run.stdout).toContain(
      "record chains (ledger): 5 entries in 2 accounts, verified in the database; the raw SQL entry hashed too: yes",
    );
    expect(run.stdout).toMatch(/head of account …\w{6}: 3 entries, last …\w{6}, hash [0-9a-f]{12}…/);
    expect(run.stdout).toContain("an UPDATE of an entry (appendOnly): refused: SQLSTATE 2F002");
    expect(run.stdout).toMatch(/after the owner lifts the guard and edits it: broken at …\w{6} \(mismatch\)/);
    expect(run.stdout).toMatch(/state \(ledger\): account …\w{6} has 100 after 3 entries/);
    expect(run.stdout).toContain(
      "a second withdrawal of 60 at the version read before the first: refused (SpectorVersionConflictError)",
    );
    expect(run.stdout).toContain("decide: withdraw 60 if the balance allows: declined, balance 40");
    expect(run.stdout).toMatch(
      /materialized table \(account_balances\): rebuilt from 6 entries of 2 accounts: …\w{6} 40 \(4 entries\), …(\w{6}) 75 \(2 entries\)\n {2}a deposit of 5 with materialize: …\1 80 \(3 entries\)/,
    );
    expect(run.stdout).toContain(
      "consumer (statement-lines): 7 ledger entries in 2 batches, then 1 more; the rolled-back deposit never came\n" +
        "  statement_lines: 8 lines, total 127; readAll from the start: 8 entries; 0 behind, held by 0 backends\n",
    );
    expect(run.stdout).toMatch(
      /redaction \(ledger\): entry …(\w{6}) of account …\w{6} erased; the account still verifies, 3 entries, redacted: …\1 \(erasure request 118\)\n/,
    );
    expect(run.stdout).toMatch(/done: 7 events in 2 records, 4 ancestor links/);
    if (backend === "postgres") {
      const name = /fresh database (spector_demo_\w+)/.exec(run.stdout)![1]!;
      const sql = postgres(process.env.DATABASE_URL!, { max: 1 });
      try {
        expect(await sql`SELECT datname FROM pg_database WHERE datname = ${name}`).toHaveLength(0);
      } finally {
        await sql.end();
      }
    }
  });
});
