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
import { inCallgrindCluster, instructions, type CallgrindCluster } from "./callgrind-cluster.js";
import { loadFirstStatementData } from "./first-statement.js";
import { fmt } from "./stats.js";

const GOAL = 1.5;
const SIZES = [1, 451] as const;
/** Statements after the first, for the per-statement figure of later ones. */
const LATER = 10;

/**
 * Runs the first-statement-instructions part in a throwaway cluster.
 *
 * @example
 * ```ts
 * await benchFirstStatementInstructions();
 * ```
 */
export async function benchFirstStatementInstructions(): Promise<void> {
  await inCallgrindCluster(
    "first-statement instructions",
    "spector-first-instructions-",
    async (sql) => {
      await loadFirstStatementData(sql, { unloggedPairs: false });
      await sql`CHECKPOINT`;
    },
    measure,
  );
}

/** Counts each design's first and later statements in the stopped `cluster` and prints them. */
function measure(cluster: CallgrindCluster): void {
  const { version } = cluster;
  const count = (table: string, size: number, load: boolean, statements = 1) =>
    instructions(
      cluster,
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
}
