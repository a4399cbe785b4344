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
 * Data: 30,000 records of 10 events each (300k events, time-ordered UUIDv7-like ids), analyzed. The
 * statements, each an INSERT ... SELECT of prepared pairs into the link table of each design:
 * - "recent": 90k links, the newest 10,000 records, each non-root event linked to its root: a bulk
 *   import of records with their ancestor links, on a table with older history;
 * - "spread": 90k links, 3 in every record of the table, so the links span all of it (the worst case
 *   for the merge joins, which read the primary key index from the smallest referenced id);
 * - "random ids": the same as spread on a second events table of 300k events whose ids are UUIDv4
 *   (another writer's, or an import's), so the index order says nothing of the time order;
 * - "old record": 1,000 new events of the oldest record linked to its root (merge joins would read the
 *   whole index, so the trigger must use primary-key lookups);
 * - "stale: new record": after the last ANALYZE, a record is started, then 600,000 events of other
 *   records are written, then 451 more events of the first record (autovacuum off on the table, so the
 *   statistics stay stale); 451 links into that record. The planner's estimate of the index range is
 *   about 100x too small there;
 * - "stale: one transaction": an events table analyzed while empty; in one transaction, 100,000 events
 *   (10,000 records) and then 90,000 links from each non-root event to its root (an import, with no
 *   statistics for anything it wrote).
 * Then BENCH_SINGLE (1000) single-row inserts per design, each in its own transaction. BENCH_RUNS (7)
 * runs of each bulk statement (3 for the one-transaction import, which loads its events every run).
 * A last table puts each workload's figures side by side with its goal.
 */
import postgres from "postgres";
import { spectorTables } from "../src/index.js";
import { names } from "../src/naming/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { spectorRowTrigger } from "../test/support/spector-ddl.js";
import { fmt, median } from "./stats.js";

const RECORDS = 30_000;
const EVENTS_PER_RECORD = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TX_RUNS = Math.min(RUNS, 3);
const SINGLE = Number(process.env.BENCH_SINGLE ?? 1000);
const URL_ = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** One events table and its three link tables: no rule, ours, Spector's row-by-row BEFORE INSERT trigger. */
interface LinkSet {
  readonly events: string;
  readonly none: string;
  readonly designs: readonly Design[];
}

interface Design {
  readonly table: string;
  readonly label: string;
  readonly rule: string;
}

const LABELS = {
  ours: "drizzle-spector (statement-level AFTER, transition table)",
  spector: "Spector (row-level BEFORE, two lookups per row)",
} as const;

/** Creates events table `events` and its link tables `<prefix>ours`, `<prefix>spector`, `<prefix>none`. */
async function createLinkSet(sql: postgres.Sql, events: string, prefix: string): Promise<LinkSet> {
  const [ours, spector, none] = ["ours", "spector", "none"].map((design) => `${prefix}${design}`) as [
    string,
    string,
    string,
  ];
  // The tables, as a user gets them: drizzle-kit's DDL, then spectorTriggerSql for the constrained link.
  const tables = spectorTables({
    table: events,
    links: [
      [ours, "ancestor_id"],
      [spector, "ancestor_id", { constrained: false }],
      [none, "ancestor_id", { constrained: false }],
    ],
  });
  for (const statement of splitStatements(await createSql(tables))) await sql.unsafe(statement);
  // Spector's own trigger, as its migration writes it (see shared/SPECTOR_FACTS.md).
  for (const statement of spectorRowTrigger('"public"', events, spector, "ancestor_id")) await sql.unsafe(statement);
  return {
    events,
    none,
    designs: [
      { table: ours, label: LABELS.ours, rule: names.sameParent.insertTrigger(ours) },
      { table: spector, label: LABELS.spector, rule: names.sameParent.insertTrigger(spector) },
    ],
  };
}

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

/** A workload's figures: the medians of each design. */
interface Figures {
  readonly ours: { ratio: number; rule: number; total: number };
  readonly spector: { ratio: number; rule: number; total: number };
}

/** One line of the final table: a workload, its figures and its goal. */
interface Summary {
  readonly workload: string;
  readonly figures: Figures;
  readonly goal: string;
  readonly met: boolean;
}

async function main(): Promise<void> {
  const fresh = await createFreshDatabase(URL_, "spector_bench");
  const name = fresh.name;
  const sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
  const summary: Summary[] = [];
  try {
    const [{ server_version: version }] = (await sql`SHOW server_version`) as unknown as [{ server_version: string }];
    console.log(`same-parent rule benchmark on PostgreSQL ${version}, database ${name} (dropped afterwards)`);

    const main = await createLinkSet(sql, "events", "links_");
    const v4 = await createLinkSet(sql, "events_v4", "v4_");
    const tx = await createLinkSet(sql, "events_tx", "tx_");

    // Events: RECORDS records of 10 events with time-ordered (UUIDv7-like) ids; the first is the root.
    const started = performance.now();
    await sql.unsafe(`CREATE FUNCTION bench_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
      $$ SELECT (lpad(to_hex(1790000000000 + n), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`);
    // A random-looking (UUIDv4-like) id, the same for the same n.
    await sql.unsafe(`CREATE FUNCTION bench_v4(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
      $$ SELECT (substr(md5('v4' || n), 1, 12) || '4' || substr(md5('v4' || n), 13, 3) || '8' || substr(md5('v4' || n), 16, 15))::uuid $$`);
    const load = (table: string, id: string, from: number, records: number) =>
      `INSERT INTO ${table} (id, parent_id, schema, action, payload)
       SELECT ${id}(r * 10 + k), ${id}(r * 10), 1, CASE WHEN k = 0 THEN 1 ELSE 2 END, jsonb_build_object('k', k)
         FROM generate_series(${from}, ${from + records - 1}) AS r, generate_series(0, ${EVENTS_PER_RECORD - 1}) AS k ORDER BY r, k`;
    await sql.unsafe(load("events", "bench_id", 0, RECORDS));
    await sql.unsafe(load("events_v4", "bench_v4", 0, RECORDS));
    const pairs = (table: string, id: string, records: [number, number], perRecord: number) =>
      `CREATE UNLOGGED TABLE ${table} AS
       SELECT ${id}(r * 10 + k) AS event_id, ${id}(r * 10) AS ancestor_id
         FROM generate_series(${records[0]}, ${records[1]}) AS r, generate_series(1, ${perRecord}) AS k ORDER BY r, k`;
    await sql.unsafe(pairs("pairs_recent", "bench_id", [RECORDS - 10_000, RECORDS - 1], 9));
    await sql.unsafe(pairs("pairs_spread", "bench_id", [0, RECORDS - 1], 3));
    await sql.unsafe(pairs("pairs_v4", "bench_v4", [0, RECORDS - 1], 3));
    await sql.unsafe(pairs("pairs_tx", "bench_id", [0, 9_999], 9));
    // 1,000 new events appended to the oldest record, for the "old record" statement.
    await sql.unsafe(`INSERT INTO events (id, parent_id, schema, action)
      SELECT bench_id(${RECORDS * EVENTS_PER_RECORD} + i), bench_id(0), 1, 2 FROM generate_series(0, 999) AS i`);
    await sql.unsafe(`CREATE UNLOGGED TABLE pairs_old AS
      SELECT bench_id(${RECORDS * EVENTS_PER_RECORD} + i) AS event_id, bench_id(0) AS ancestor_id FROM generate_series(0, 999) AS i`);
    await sql.unsafe(`ALTER TABLE events SET (autovacuum_enabled = false)`);
    await sql.unsafe(`ALTER TABLE events_tx SET (autovacuum_enabled = false)`);
    await sql.unsafe(`VACUUM ANALYZE`);
    console.log(
      `${2 * RECORDS * EVENTS_PER_RECORD} events in ${2 * RECORDS} records loaded in ${Math.round(performance.now() - started)} ms\n`,
    );

    const explain = async (statement: string, rule: string | undefined, before: string[] = []): Promise<Explained> => {
      let result: Explained | undefined;
      await sql
        .begin(async (t) => {
          for (const setup of before) await t.unsafe(setup);
          result = parseExplain((await t.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)) as never, rule);
          throw new RollBack();
        })
        .catch((error) => {
          if (!(error instanceof RollBack)) throw error;
        });
      return result!;
    };

    // Rolled-back inserts leave dead rows and index entries that slow the next inserts: clean them up
    // before each workload, so that every design starts from the same clean tables.
    const vacuum = (set: LinkSet) => sql.unsafe(`VACUUM ${[...set.designs.map((d) => d.table), set.none].join(", ")}`);

    /** One INSERT ... SELECT of all of `pairsTable` per design, interleaved, `runs` times after a warm-up. */
    const bulk = async (
      workload: string,
      set: LinkSet,
      pairsTable: string,
      goal: { text: string; met: (figures: Figures) => boolean },
      options: { runs?: number; before?: string[] } = {},
    ): Promise<void> => {
      await vacuum(set);
      const runs = options.runs ?? RUNS;
      const [{ n: count }] = (await sql.unsafe(`SELECT count(*)::int AS n FROM ${pairsTable}`)) as unknown as [
        { n: number },
      ];
      const results = new Map<string, Explained[]>(set.designs.map((d) => [d.table, []]));
      for (let run = -1; run < runs; run++) {
        for (const design of set.designs) {
          const result = await explain(
            `INSERT INTO ${design.table} (event_id, ancestor_id) SELECT event_id, ancestor_id FROM ${pairsTable}`,
            design.rule,
            options.before,
          );
          if (run >= 0) results.get(design.table)!.push(result);
        }
      }
      console.log(`${workload}: ${count} links in one INSERT ... SELECT, ${runs} runs each (median, min-max)`);
      const digits = count < 10_000 ? 1 : 0;
      console.log(
        `  ${"design".padEnd(58)} ${"statement ms".padStart(12)} ${"rule ms".padStart(9)} ${"cost ratio".padStart(17)}`,
      );
      const medians = set.designs.map((design) => {
        const rows = results.get(design.table)!;
        const ratios = rows.map(ratio);
        const m = {
          ratio: median(ratios),
          rule: median(rows.map((r) => r.rule)),
          total: median(rows.map((r) => r.total)),
        };
        console.log(
          `  ${design.label.padEnd(58)} ${fmt(m.total, digits).padStart(12)} ${fmt(m.rule, digits).padStart(9)} ` +
            `${`${fmt(m.ratio)}x (${fmt(Math.min(...ratios))}-${fmt(Math.max(...ratios))})`.padStart(17)}`,
        );
        return m;
      });
      console.log("");
      const figures = { ours: medians[0]!, spector: medians[1]! };
      summary.push({ workload, figures, goal: goal.text, met: goal.met(figures) });
    };

    const atMost = (limit: number) => ({
      text: `<= ${fmt(limit)}x`,
      met: (f: Figures) => Number(fmt(f.ours.ratio)) <= limit,
    });
    const belowSpector = { text: "below Spector's", met: (f: Figures) => f.ours.ratio < f.spector.ratio };
    const spectorRuleTime = {
      text: "rule time <= Spector's",
      met: (f: Figures) => f.ours.rule <= f.spector.rule,
    };

    await bulk("recent", main, "pairs_recent", atMost(1.1));
    await bulk("spread", main, "pairs_spread", atMost(1.1));
    await bulk("random ids", v4, "pairs_v4", atMost(1.1));
    await bulk("old record", main, "pairs_old", belowSpector);

    // Single-row: SINGLE one-row INSERT statements per design, interleaved, each rolled back.
    await vacuum(main);
    const SINGLE_DESIGNS = [...main.designs, { table: main.none, label: "no rule", rule: undefined }] as const;
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
    const none = single.get(main.none)!;
    console.log(`single-row: ${SINGLE} one-row INSERT statements per design, each in its own transaction (median)`);
    console.log(
      `  ${"design".padEnd(58)} ${"statement µs".padStart(12)} ${"rule µs".padStart(9)} ${"cost ratio".padStart(11)} ${"vs no rule".padStart(11)}`,
    );
    const added = new Map<string, number>();
    for (const design of SINGLE_DESIGNS) {
      const results = single.get(design.table)!;
      // the statement's extra time over the same row inserted where there is no rule, paired by row
      added.set(design.table, median(results.map((r, i) => r.total - none[i]!.total)) * 1000);
      console.log(
        `  ${design.label.padEnd(58)} ${fmt(median(results.map((r) => r.total)) * 1000, 0).padStart(12)} ` +
          (design.rule === undefined
            ? ""
            : `${fmt(median(results.map((r) => r.rule)) * 1000, 0).padStart(9)} ${`${fmt(median(results.map(ratio)))}x`.padStart(11)} ${`+${fmt(added.get(design.table)!, 0)} µs`.padStart(11)}`),
      );
    }
    const [ours, theirs] = main.designs.map((d) => single.get(d.table)!) as [Explained[], Explained[]];
    console.log(
      `  ours / Spector's: rule time ${fmt(median(ours.map((r) => r.rule)) / median(theirs.map((r) => r.rule)))}x, ` +
        `statement time ${fmt(median(ours.map((r) => r.total)) / median(theirs.map((r) => r.total)))}x (below 1 is faster)\n`,
    );
    const singleFigures = (rows: Explained[], design: Design) => ({
      ratio: median(rows.map(ratio)),
      rule: median(rows.map((r) => r.rule)),
      total: added.get(design.table)!,
    });
    summary.push({
      workload: "single row (µs over no rule)",
      figures: { ours: singleFigures(ours, main.designs[0]!), spector: singleFigures(theirs, main.designs[1]!) },
      goal: "no more than Spector's",
      met: added.get(main.designs[0]!.table)! <= added.get(main.designs[1]!.table)!,
    });

    // Stale statistics (1): a record started after the last ANALYZE, then 600,000 events of other
    // records, then 451 more events of the first record.
    const next = RECORDS * EVENTS_PER_RECORD + 1000;
    const staleEvent = (from: number, to: number) => `INSERT INTO events (id, parent_id, schema, action)
      SELECT bench_id(${next} + i), bench_id(${next}), 1, CASE WHEN i = 0 THEN 1 ELSE 2 END FROM generate_series(${from}, ${to}) AS i`;
    await sql.unsafe(staleEvent(0, 0));
    await sql.unsafe(load("events", "bench_id", (next + 1000) / 10, 60_000));
    await sql.unsafe(staleEvent(1, 451).replace(`bench_id(${next} + i)`, `bench_id(${next + 1000 + 600_000} + i)`));
    await sql.unsafe(`CREATE UNLOGGED TABLE pairs_stale AS
      SELECT bench_id(${next + 1000 + 600_000} + i) AS event_id, bench_id(${next}) AS ancestor_id FROM generate_series(1, 451) AS i`);
    await bulk("stale: new record", main, "pairs_stale", spectorRuleTime);

    // Stale statistics (2): events and links in one transaction, into a table analyzed while empty.
    await bulk("stale: one transaction", tx, "pairs_tx", spectorRuleTime, {
      runs: TX_RUNS,
      before: [load("events_tx", "bench_id", 0, 10_000)],
    });

    console.log("summary: the rule's cost ratio (and, where the goal says so, its time), ours and Spector's");
    console.log(
      `  ${"workload".padEnd(30)} ${"ours".padStart(16)} ${"Spector".padStart(16)} ${"goal".padStart(24)}  met`,
    );
    for (const line of summary) {
      const cell = (f: Figures["ours"]) =>
        line.workload.startsWith("single")
          ? `+${fmt(f.total, 0)} µs`
          : line.goal.startsWith("rule time")
            ? `${fmt(f.rule, 1)} ms ${fmt(f.ratio)}x`
            : `${fmt(f.ratio)}x`;
      console.log(
        `  ${line.workload.padEnd(30)} ${cell(line.figures.ours).padStart(16)} ${cell(line.figures.spector).padStart(16)} ${line.goal.padStart(24)}  ${line.met ? "yes" : "NO"}`,
      );
    }
  } finally {
    await sql.end();
    await fresh.drop();
  }
}

class RollBack extends Error {}

// BENCH_ONLY=rule, first-statement, first-statement-instructions, rule-instructions, queries, chain,
// record-chain, citus, state, materialized or consumers runs one part; all by default. The first-statement part (the rule's cost
// to a new session's first link statement): bench/first-statement.ts, and in CPU instructions
// bench/first-statement-instructions.ts; the rule-instructions part: bench/rule-instructions.ts; the
// queries part: bench/queries.ts; the chain part: bench/chain.ts; the record-chain part:
// bench/record-chain.ts; the citus part (the Citus layout: its structural rule, and a cluster against one
// PostgreSQL): bench/citus.ts; the state part (expected versions, decide, aggregate, savepoints, side by
// side with Emmett): bench/state.ts; the materialized part (rebuild of a materialized table):
// bench/materialized.ts; the consumers part (throughput, latency and the append cost of positions, side by
// side with a raw keyset SELECT and Emmett): bench/consumers.ts.
const PARTS = [
  "rule",
  "first-statement",
  "first-statement-instructions",
  "rule-instructions",
  "queries",
  "chain",
  "record-chain",
  "citus",
  "state",
  "materialized",
  "consumers",
] as const;
const only = process.env.BENCH_ONLY;
if (only !== undefined && !(PARTS as readonly string[]).includes(only))
  throw new Error(`BENCH_ONLY must be one of ${PARTS.join(", ")}, not ${JSON.stringify(only)}`);
const runs = (part: (typeof PARTS)[number]) => only === undefined || only === part;
if (runs("rule")) await main();
if (runs("first-statement")) {
  if (only === undefined) console.log("");
  const { benchFirstStatement } = await import("./first-statement.js");
  await benchFirstStatement(URL_);
}
if (runs("first-statement-instructions")) {
  if (only === undefined) console.log("");
  const { benchFirstStatementInstructions } = await import("./first-statement-instructions.js");
  await benchFirstStatementInstructions();
}
if (runs("rule-instructions")) {
  if (only === undefined) console.log("");
  const { benchRuleInstructions } = await import("./rule-instructions.js");
  await benchRuleInstructions();
}
if (runs("queries")) {
  if (only === undefined) console.log("");
  const { benchQueries } = await import("./queries.js");
  await benchQueries(URL_);
}
if (runs("chain")) {
  if (only === undefined) console.log("");
  const { benchChain } = await import("./chain.js");
  await benchChain(URL_);
}
if (runs("record-chain")) {
  if (only === undefined) console.log("");
  const { benchRecordChain } = await import("./record-chain.js");
  await benchRecordChain(URL_);
}
if (runs("citus")) {
  if (only === undefined) console.log("");
  const { benchCitus } = await import("./citus.js");
  await benchCitus(URL_);
}
if (runs("state")) {
  if (only === undefined) console.log("");
  const { benchState } = await import("./state.js");
  await benchState(URL_);
}
if (runs("materialized")) {
  if (only === undefined) console.log("");
  const { benchMaterialized } = await import("./materialized.js");
  await benchMaterialized(URL_);
}
if (runs("consumers")) {
  if (only === undefined) console.log("");
  const { benchConsumers } = await import("./consumers.js");
  await benchConsumers(URL_);
}
