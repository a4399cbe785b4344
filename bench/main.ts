/**
 * `npm run bench`: the cost of the same-parent rule on PostgreSQL, ours and Spector's row trigger side
 * by side in one run, as ratios.
 *
 * The measure is the share of a statement's time spent in the rule's trigger, read from
 * `EXPLAIN (ANALYZE)`, which reports each trigger's own time: ratio = statement time / (statement time
 * - rule trigger time), i.e. how much slower the statement is than it would be without the rule. It is
 * far steadier than comparing wall-clock runs on a noisy machine. Every statement runs in a
 * transaction that is rolled back, so each run sees the same tables.
 *
 * Runs on DATABASE_URL (default: the local server), in a fresh database that is dropped at the end.
 *
 * Data: 30,000 records of 10 events each (300k events, time-ordered UUIDv7-like ids). Two bulk
 * statements of 90k links each:
 * - "recent": the newest 10,000 records, each non-root event linked to its root: a bulk import of
 *   records with their ancestor links, on a table with older history;
 * - "spread": 3 links in every record of the table, so the links span all of it (the worst case for
 *   the merge-join path, which reads the primary key index from the smallest referenced id);
 * and a smaller one, "old": 1,000 new events of the oldest record linked to its root (a statement that
 * the trigger checks by primary-key lookups, since merge joins would read the whole index).
 * Then BENCH_SINGLE (1000) single-row inserts per design, each in its own transaction. BENCH_RUNS (7) runs of each bulk statement.
 */
import postgres from "postgres";
import { spectorTables } from "../src/index.js";
import { names } from "../src/naming.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { spectorRowTrigger } from "../test/support/spector-ddl.js";
import { fmt, median } from "./stats.js";

const RECORDS = 30_000;
const EVENTS_PER_RECORD = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SINGLE = Number(process.env.BENCH_SINGLE ?? 1000);
const URL_ = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The three link tables measured: no rule, ours, Spector's row-by-row BEFORE INSERT trigger. */
const DESIGNS = [
  {
    table: "links_ours",
    label: "drizzle-spector (statement-level AFTER, transition table)",
    rule: names.sameParent.insertTrigger("links_ours"),
  },
  {
    table: "links_spector",
    label: "Spector (row-level BEFORE, two lookups per row)",
    rule: names.sameParent.insertTrigger("links_spector"),
  },
] as const;

interface Explained {
  total: number;
  rule: number;
}

function parseExplain(rows: { "QUERY PLAN": unknown }[], rule: string | undefined): Explained {
  const [plan] = rows[0]!["QUERY PLAN"] as [
    { "Execution Time": number; Triggers?: { "Trigger Name": string; Time: number }[] },
  ];
  if (rule === undefined) return { total: plan["Execution Time"], rule: 0 };
  const trigger = plan.Triggers?.find((t) => t["Trigger Name"] === rule);
  if (!trigger) throw new Error(`EXPLAIN did not report trigger ${rule}: ${JSON.stringify(plan.Triggers)}`);
  return { total: plan["Execution Time"], rule: trigger.Time };
}

const ratio = ({ total, rule }: Explained) => total / (total - rule);

async function main(): Promise<void> {
  const fresh = await createFreshDatabase(URL_, "spector_bench");
  const name = fresh.name;
  const sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
  try {
    const [{ server_version: version }] = (await sql`SHOW server_version`) as unknown as [{ server_version: string }];
    console.log(`same-parent rule benchmark on PostgreSQL ${version}, database ${name} (dropped afterwards)`);

    // The tables, as a user gets them: drizzle-kit's DDL, then spectorTriggerSql for the constrained link.
    const tables = spectorTables({
      table: "events",
      links: [
        ["links_ours", "ancestor_id"],
        ["links_spector", "ancestor_id", { constrained: false }],
        ["links_none", "ancestor_id", { constrained: false }],
      ],
    });
    for (const statement of splitStatements(await createSql(tables))) await sql.unsafe(statement);
    // Spector's own trigger, as its migration writes it (see shared/SPECTOR_FACTS.md).
    for (const statement of spectorRowTrigger('"public"', "events", "links_spector", "ancestor_id"))
      await sql.unsafe(statement);

    // Events: RECORDS records of 10 events with time-ordered (UUIDv7-like) ids; the first is the root.
    const started = performance.now();
    await sql.unsafe(`CREATE FUNCTION bench_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
      $$ SELECT (lpad(to_hex(1790000000000 + n), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`);
    await sql.unsafe(`INSERT INTO events (id, parent_id, schema, action, payload)
      SELECT bench_id(r * 10 + k), bench_id(r * 10), 1, CASE WHEN k = 0 THEN 1 ELSE 2 END, jsonb_build_object('k', k)
        FROM generate_series(0, ${RECORDS - 1}) AS r, generate_series(0, ${EVENTS_PER_RECORD - 1}) AS k ORDER BY r, k`);
    // The bulk statements' rows.
    await sql.unsafe(`CREATE UNLOGGED TABLE pairs_recent AS
      SELECT bench_id(r * 10 + k) AS event_id, bench_id(r * 10) AS ancestor_id
        FROM generate_series(${RECORDS - 10_000}, ${RECORDS - 1}) AS r, generate_series(1, 9) AS k ORDER BY r, k`);
    await sql.unsafe(`CREATE UNLOGGED TABLE pairs_spread AS
      SELECT bench_id(r * 10 + k) AS event_id, bench_id(r * 10) AS ancestor_id
        FROM generate_series(0, ${RECORDS - 1}) AS r, generate_series(1, 3) AS k ORDER BY r, k`);
    // 1,000 new events appended to the oldest record, for the "old record" statement.
    await sql.unsafe(`INSERT INTO events (id, parent_id, schema, action)
      SELECT bench_id(${RECORDS * EVENTS_PER_RECORD} + i), bench_id(0), 1, 2 FROM generate_series(0, 999) AS i`);
    await sql.unsafe(`CREATE UNLOGGED TABLE pairs_old AS
      SELECT bench_id(${RECORDS * EVENTS_PER_RECORD} + i) AS event_id, bench_id(0) AS ancestor_id FROM generate_series(0, 999) AS i`);
    await sql.unsafe(`VACUUM ANALYZE`);
    console.log(
      `${RECORDS * EVENTS_PER_RECORD} events in ${RECORDS} records loaded in ${Math.round(performance.now() - started)} ms\n`,
    );

    const explain = async (statement: string, rule: string | undefined): Promise<Explained> => {
      let result: Explained | undefined;
      await sql
        .begin(async (tx) => {
          result = parseExplain((await tx.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)) as never, rule);
          throw new RollBack();
        })
        .catch((error) => {
          if (!(error instanceof RollBack)) throw error;
        });
      return result!;
    };

    // Bulk: one INSERT ... SELECT of all pairs, designs interleaved, RUNS times (after one warm-up each).
    // Rolled-back inserts leave dead rows and index entries that slow the next inserts: clean them up
    // before each part, so that every design starts from the same clean tables.
    const vacuum = () => sql.unsafe(`VACUUM ${[...DESIGNS.map((d) => d.table), "links_none"].join(", ")}`);
    for (const shape of ["recent", "spread", "old"] as const) {
      await vacuum();
      const pairs = `pairs_${shape}`;
      const [{ n: count }] = (await sql.unsafe(`SELECT count(*)::int AS n FROM ${pairs}`)) as unknown as [
        { n: number },
      ];
      const bulk = new Map<string, Explained[]>(DESIGNS.map((d) => [d.table, []]));
      for (let run = -1; run < RUNS; run++) {
        for (const design of DESIGNS) {
          const result = await explain(
            `INSERT INTO ${design.table} (event_id, ancestor_id) SELECT event_id, ancestor_id FROM ${pairs}`,
            design.rule,
          );
          if (run >= 0) bulk.get(design.table)!.push(result);
        }
      }
      console.log(`bulk (${shape}): ${count} links in one INSERT ... SELECT, ${RUNS} runs each (median, min-max)`);
      const digits = count < 10_000 ? 1 : 0;
      console.log(
        `  ${"design".padEnd(58)} ${"statement ms".padStart(12)} ${"rule ms".padStart(9)} ${"cost ratio".padStart(17)}`,
      );
      for (const design of DESIGNS) {
        const results = bulk.get(design.table)!;
        const ratios = results.map(ratio);
        console.log(
          `  ${design.label.padEnd(58)} ${fmt(median(results.map((r) => r.total)), digits).padStart(12)} ${fmt(median(results.map((r) => r.rule)), digits).padStart(9)} ` +
            `${`${fmt(median(ratios))}x (${fmt(Math.min(...ratios))}-${fmt(Math.max(...ratios))})`.padStart(17)}`,
        );
      }
      console.log("");
    }

    // Single-row: SINGLE one-row INSERT statements per design, interleaved, each rolled back.
    await vacuum();
    const SINGLE_DESIGNS = [...DESIGNS, { table: "links_none", label: "no rule", rule: undefined }] as const;
    const single = new Map<string, Explained[]>(SINGLE_DESIGNS.map((d) => [d.table, []]));
    const rows =
      (await sql`SELECT event_id::text, ancestor_id::text FROM pairs_spread ORDER BY random() LIMIT ${SINGLE + 20}`) as unknown as {
        event_id: string;
        ancestor_id: string;
      }[];
    for (const [i, row] of rows.entries()) {
      // rotate the order: the first statement of a round pays for cold caches
      for (const design of i % 2 === 0 ? SINGLE_DESIGNS : [...SINGLE_DESIGNS].reverse()) {
        const result = await explain(
          `INSERT INTO ${design.table} (event_id, ancestor_id) VALUES ('${row.event_id}', '${row.ancestor_id}')`,
          design.rule,
        );
        if (i >= 20) single.get(design.table)!.push(result);
      }
    }
    const none = single.get("links_none")!;
    console.log(`single-row: ${SINGLE} one-row INSERT statements per design, each in its own transaction (median)`);
    console.log(
      `  ${"design".padEnd(58)} ${"statement µs".padStart(12)} ${"rule µs".padStart(9)} ${"cost ratio".padStart(11)} ${"vs no rule".padStart(11)}`,
    );
    for (const design of SINGLE_DESIGNS) {
      const results = single.get(design.table)!;
      // the statement's extra time over the same row inserted where there is no rule, paired by row
      const added = median(results.map((r, i) => r.total - none[i]!.total)) * 1000;
      console.log(
        `  ${design.label.padEnd(58)} ${fmt(median(results.map((r) => r.total)) * 1000, 0).padStart(12)} ` +
          (design.rule === undefined
            ? ""
            : `${fmt(median(results.map((r) => r.rule)) * 1000, 0).padStart(9)} ${`${fmt(median(results.map(ratio)))}x`.padStart(11)} ${`+${fmt(added, 0)} µs`.padStart(11)}`),
      );
    }
    const ours = single.get("links_ours")!;
    const theirs = single.get("links_spector")!;
    console.log(
      `  ours / Spector's: rule time ${fmt(median(ours.map((r) => r.rule)) / median(theirs.map((r) => r.rule)))}x, ` +
        `statement time ${fmt(median(ours.map((r) => r.total)) / median(theirs.map((r) => r.total)))}x (below 1 is faster)`,
    );
  } finally {
    await sql.end();
    await fresh.drop();
  }
}

class RollBack extends Error {}

// BENCH_ONLY=rule or BENCH_ONLY=queries runs one part; both by default. The queries part: bench/queries.ts.
const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== "rule" && only !== "queries")
  throw new Error(`BENCH_ONLY must be "rule" or "queries", not ${JSON.stringify(only)}`);
if (only !== "queries") await main();
if (only !== "rule") {
  if (only === undefined) console.log("");
  const { benchQueries } = await import("./queries.js");
  await benchQueries(URL_);
}
