/**
 * `npm run bench`, first-statement part (`BENCH_ONLY=first-statement`): what the same-parent rule costs
 * a new connection, ours and Spector's row trigger side by side. PL/pgSQL compiles a function and plans
 * each of its statements on their first use in a session, so on serverless, where every request may
 * open a connection, every link insert can be a first statement.
 *
 * Each sample opens a new connection (a new backend), and its first statement is one
 * `EXPLAIN (ANALYZE, FORMAT JSON) INSERT` of links (1 row, or 451 rows into one record) into the link
 * table of one design, in a transaction that is rolled back; the trigger's time is read from the plan.
 * Then the same statement runs LATER times more on that connection, for the figure of later statements.
 * Designs and sizes are interleaved, SAMPLES sessions each; medians are printed, with the ratio of ours
 * to Spector's against the goal (at most 1.5x on the first statement).
 *
 * Two kinds of session: "first" sessions run `DO $$BEGIN END$$` before the measured statement, which
 * loads the PL/pgSQL library into the backend. Every session pays that load once, whichever design
 * (and any other PL/pgSQL function) runs first, but `EXPLAIN` charges it to one design only: PostgreSQL
 * looks a trigger's function up (loading its language) before it starts a BEFORE row trigger's clock
 * (`ExecCallTriggerFunc`), and after it starts an AFTER trigger's clock (`AfterTriggerExecute`), and a
 * `SECURITY DEFINER` function's lookup happens inside its call anyway. "first, PL/pgSQL not loaded"
 * sessions do not, and show the figures as `EXPLAIN` reports them, the load included for ours only.
 *
 * Data: 10,000 records of 10 events (time-ordered UUIDv7-like ids), then one record of 452 events (its
 * root and the 451 events the links start from), analyzed.
 */
import postgres from "postgres";
import { spectorTables } from "../src/index.js";
import { names } from "../src/naming/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { spectorRowTrigger } from "../test/support/spector-ddl.js";
import { fmt, median } from "./stats.js";

const SAMPLES = Number(process.env.BENCH_SESSIONS ?? 21);
const LATER = 5;
const GOAL = 1.5;
const SIZES = [1, 451] as const;

const DESIGNS = [
  { key: "ours", table: "links_ours", label: "drizzle-spector (statement trigger)" },
  { key: "spector", table: "links_spector", label: "Spector (row trigger)" },
] as const;

class RollBack extends Error {}

/** The trigger time (ms) of `statement`, run under EXPLAIN ANALYZE in a rolled-back transaction. */
async function triggerTime(sql: postgres.Sql, statement: string, trigger: string): Promise<number> {
  const { trigger: time } = await explained(sql, statement, trigger);
  if (time === undefined) throw new Error(`EXPLAIN did not report trigger ${trigger}`);
  return time;
}

/**
 * `statement` under EXPLAIN ANALYZE in a rolled-back transaction: trigger `trigger`'s time, and the
 * statement's whole execution time (from executor start to end: every trigger, wherever EXPLAIN would
 * charge a library load, is in it).
 */
async function explained(
  sql: postgres.Sql,
  statement: string,
  trigger: string | undefined,
): Promise<{ trigger: number | undefined; execution: number }> {
  let result: { trigger: number | undefined; execution: number } | undefined;
  await sql
    .begin(async (t) => {
      const [row] = (await t.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)) as unknown as [
        {
          "QUERY PLAN": [{ "Execution Time": number; Triggers?: { "Trigger Name": string; Time: number }[] }];
        },
      ];
      const plan = row["QUERY PLAN"][0];
      result = {
        trigger: plan.Triggers?.find((t) => t["Trigger Name"] === trigger)?.Time,
        execution: plan["Execution Time"],
      };
      throw new RollBack();
    })
    .catch((error) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return result!;
}

/**
 * The data of the first-statement parts (this one and bench/first-statement-instructions.ts), in
 * `sql`'s database: the events table and its three link tables (`links_ours` with the rule as
 * `spectorTriggerSql` writes it, `links_spector` with Spector's row trigger, `links_none` without
 * trigger), 10,000 records of 10 events, one record of 452 events, the table `pairs` of the 451 links
 * into that record; vacuumed and analyzed. `unloggedPairs` makes `pairs` unlogged.
 *
 * @example
 * ```ts
 * await loadFirstStatementData(postgres(url, { max: 1 }), { unloggedPairs: true });
 * ```
 */
export async function loadFirstStatementData(sql: postgres.Sql, options: { unloggedPairs: boolean }): Promise<void> {
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
  // one record of 452 events: its root (bench_id(200000)) and the 451 events the links start from
  await sql.unsafe(`INSERT INTO events (id, parent_id, schema, action)
    SELECT bench_id(200000 + i), bench_id(200000), 1, CASE WHEN i = 0 THEN 1 ELSE 2 END FROM generate_series(0, 451) AS i`);
  await sql.unsafe(`CREATE ${options.unloggedPairs ? "UNLOGGED " : ""}TABLE pairs AS
    SELECT bench_id(200000 + i) AS event_id, bench_id(200000) AS ancestor_id FROM generate_series(1, 451) AS i`);
  await sql`VACUUM ANALYZE`;
}

/**
 * Runs the first-statement part on the server of `url`, in a fresh database dropped at the end.
 *
 * @example
 * ```ts
 * await benchFirstStatement("postgres://postgres@127.0.0.1:5432/postgres");
 * ```
 */
export async function benchFirstStatement(url: string): Promise<void> {
  const fresh = await createFreshDatabase(url, "spector_bench_first");
  const setup = postgres(fresh.url, { max: 1, onnotice: () => {} });
  try {
    const [{ server_version: version }] = (await setup`SHOW server_version`) as unknown as [{ server_version: string }];
    await loadFirstStatementData(setup, { unloggedPairs: true });
    const statement = (table: string, size: number) =>
      `INSERT INTO ${table} (event_id, ancestor_id) SELECT event_id, ancestor_id FROM pairs ORDER BY event_id LIMIT ${size}`;

    const first = new Map<string, number[]>();
    const unloaded = new Map<string, number[]>();
    const later = new Map<string, number[]>();
    // the whole first statement of a new session (PL/pgSQL not loaded), and the same into a link table
    // without any trigger: the difference is what each design adds, library load included
    const whole = new Map<string, number[]>();
    const push = (map: Map<string, number[]>, k: string, value: number) => {
      if (!map.has(k)) map.set(k, []);
      map.get(k)!.push(value);
    };
    const key = (design: string, size: number) => `${design} ${size}`;
    for (let sample = -1; sample < SAMPLES; sample++) {
      for (const size of SIZES) {
        // alternate which design goes first
        for (const design of sample % 2 === 0 ? DESIGNS : [...DESIGNS].reverse()) {
          const trigger = names.sameParent.insertTrigger(design.table);
          for (const load of [true, false]) {
            const session = postgres(fresh.url, { max: 1, onnotice: () => {}, fetch_types: false });
            try {
              if (load) await session.unsafe("DO $$BEGIN END$$");
              const found = await explained(session, statement(design.table, size), trigger);
              if (found.trigger === undefined) throw new Error(`EXPLAIN did not report trigger ${trigger}`);
              if (sample >= 0) push(load ? first : unloaded, key(design.key, size), found.trigger);
              if (sample >= 0 && !load) push(whole, key(design.key, size), found.execution);
              if (load) {
                const times: number[] = [];
                for (let i = 0; i < LATER; i++) {
                  times.push(await triggerTime(session, statement(design.table, size), trigger));
                }
                if (sample >= 0) push(later, key(design.key, size), median(times));
              }
            } finally {
              await session.end();
            }
          }
        }
        const bare = postgres(fresh.url, { max: 1, onnotice: () => {}, fetch_types: false });
        try {
          const found = await explained(bare, statement("links_none", size), undefined);
          if (sample >= 0) push(whole, key("none", size), found.execution);
        } finally {
          await bare.end();
        }
      }
    }

    console.log(
      `same-parent rule, first statement of a new session, PostgreSQL ${version}: trigger time (ms), median of ${SAMPLES} sessions`,
    );
    console.log(
      `  ${"links".padEnd(6)} ${"statement".padEnd(27)} ${"ours".padStart(8)} ${"Spector".padStart(8)} ${"ours/Spector".padStart(13)} ${"goal".padStart(8)}  met`,
    );
    for (const size of SIZES) {
      for (const [label, figures] of [
        ["first", first],
        ["later", later],
        ["first, PL/pgSQL not loaded", unloaded],
      ] as const) {
        const ours = median(figures.get(key("ours", size))!);
        const theirs = median(figures.get(key("spector", size))!);
        const goal = label === "first" ? `<= ${fmt(GOAL, 1)}x` : "";
        const met = label === "first" ? (ours / theirs <= GOAL ? "yes" : "NO") : "";
        console.log(
          `  ${String(size).padEnd(6)} ${label.padEnd(27)} ${fmt(ours, 3).padStart(8)} ${fmt(theirs, 3).padStart(8)} ` +
            `${`${fmt(ours / theirs)}x`.padStart(13)} ${goal.padStart(8)}  ${met}`,
        );
      }
    }
    console.log(`  (later: the median of the ${LATER} statements after the first in each session)`);
    console.log(
      "  whole first statement of a new session, PL/pgSQL not loaded: execution time (ms) added over the same insert into a link table without trigger",
    );
    for (const size of SIZES) {
      const none = median(whole.get(key("none", size))!);
      const ours = median(whole.get(key("ours", size))!) - none;
      const theirs = median(whole.get(key("spector", size))!) - none;
      const met = ours / theirs <= GOAL ? "yes" : "NO";
      console.log(
        `  ${String(size).padEnd(6)} ${"first, whole statement".padEnd(27)} ${fmt(ours, 3).padStart(8)} ${fmt(theirs, 3).padStart(8)} ` +
          `${`${fmt(ours / theirs)}x`.padStart(13)} ${`<= ${fmt(GOAL, 1)}x`.padStart(8)}  ${met}   (no trigger: ${fmt(none, 3)} ms)`,
      );
    }
  } finally {
    await setup.end();
    await fresh.drop();
  }
}
