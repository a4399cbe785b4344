/**
 * `npm run bench`, Citus part (`BENCH_ONLY=citus`): what `layout: "citus"` costs, in two steps.
 *
 * 1. The structural rule on plain PostgreSQL (DATABASE_URL, a fresh database, dropped at the end). The
 *    Citus layout has no same-parent trigger: its link table's two composite foreign keys
 *    `(parent_id, event_id)` and `(parent_id, ancestor_id)` -> events `(parent_id, id)` are the rule,
 *    and they also do what Spector's two foreign keys on `id` do. Four link tables, side by side:
 *    - Spector's layout, no rule (`constrained: false`): its two foreign keys on `id` only, the baseline;
 *    - Spector's layout with our statement trigger (a constrained link): its foreign keys + the trigger;
 *    - Spector's layout with Spector's row trigger (`test/support/spector-ddl.ts`): foreign keys + trigger;
 *    - the Citus layout: the two composite foreign keys, no trigger.
 *    Both events tables hold the same 300,000 events (30,000 records of 10, UUIDv7-like ids, analyzed).
 *    Statements, interleaved, each in a transaction that is rolled back, timed by `EXPLAIN (ANALYZE)`,
 *    which reports each trigger's own time (a foreign key check is a trigger, `RI_ConstraintTrigger_*`):
 *    - "recent": 90,000 links in one `INSERT ... SELECT` (every non-root event of the newest 10,000
 *      records linked to its root), CITUS_BENCH_RUNS (5) runs after a warm-up;
 *    - "spread": 90,000 links, 3 in every record of the table;
 *    - CITUS_BENCH_SINGLE (1,000) one-row inserts per design (after 20 untimed), the order of the
 *      designs rotating from row to row.
 *    Per design: the statement's time, its foreign keys' and trigger's times, "rule" (the trigger on
 *    Spector's layout, the foreign keys on the Citus layout) and the statement time against the no-rule
 *    table's (the median of the ratios paired by run or by row).
 * 2. The cluster: the same Citus-layout schema (drizzle-kit's DDL and the migration's distribution
 *    blocks, `createSql`) on the coordinator of a Citus cluster, distributed by `parent_id`; on the
 *    coordinator again without the distribution blocks (local tables: the same server and settings, no
 *    routing); and on the single PostgreSQL of DATABASE_URL. Each is loaded with CITUS_BENCH_RECORDS
 *    (20,000) records of 10 events, written in time order across records. Then:
 *    - appends/s through `appendEvent`, 8 writers on distinct records (10 each, round-robin, as in
 *      `bench/record-chain.ts`), CITUS_BENCH_SECONDS (2) s per round, CITUS_BENCH_ROUNDS (5) rounds
 *      after a warm-up round, the order of the targets rotating; the median of the rounds;
 *    - `listByParent` of CITUS_BENCH_LIST (2,000) random loaded records (10 events each, after 200
 *      untimed), one connection per target, interleaved, the order rotating; median and p95 in µs.
 *    The cluster is CITUS_URL when set (the tables go in a schema of their own, dropped at the end);
 *    otherwise a throwaway one started with `cluster.sh` (from CITUS_DIR, else the nearest
 *    `shared/citus` above the repository, else `/work/shared/citus`, as `.ci/run` finds it) in a
 *    temporary folder on free ports, and stopped at the end, even on error. Without either, the step is
 *    skipped (it says so).
 *
 * All the nodes of a local cluster share this machine's cores with each other and with the client, so
 * the figures are the routing's overhead (a coordinator in front of the shards), not a speed-up; and the
 * cluster's nodes run with `fsync = off` (cluster.sh), which the coordinator-local tables share and the
 * single PostgreSQL may not: each server's settings are printed.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { listByParent, spectorTables, type SpectorDatabase } from "../src/index.js";
import { names } from "../src/naming/index.js";
import { quoteIdent } from "../src/sql/quote.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase, randomName } from "../test/support/fresh-database.js";
import { spectorRowTrigger } from "../test/support/spector-ddl.js";
import { appendsPerSecond } from "./appends.js";
import { fmt, median, percentile } from "./stats.js";

const RECORDS = 30_000;
const EVENTS_PER_RECORD = 10;
const RUNS = Number(process.env.CITUS_BENCH_RUNS ?? 5);
const SINGLE = Number(process.env.CITUS_BENCH_SINGLE ?? 1000);
const SINGLE_WARMUP = 20;

const WRITERS = 8;
const RECORDS_PER_WRITER = 10;
const SECONDS = Number(process.env.CITUS_BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.CITUS_BENCH_ROUNDS ?? 5);
const LOAD_RECORDS = Number(process.env.CITUS_BENCH_RECORDS ?? 20_000);
const LIST = Number(process.env.CITUS_BENCH_LIST ?? 2000);
const LIST_WARMUP = 200;

/** A time-ordered (UUIDv7-like) id, the same for the same n, as `bench/main.ts` makes them. */
const benchIdFunction = (schema: string) => `CREATE FUNCTION ${quoteIdent(schema)}.bench_id(n bigint) RETURNS uuid
  IMMUTABLE LANGUAGE sql AS
  $$ SELECT (lpad(to_hex(1790000000000 + n), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`;

/** Runs the Citus part: the structural rule on the server of `url`, then the cluster against it. */
export async function benchCitus(url: string): Promise<void> {
  await benchStructuralRule(url);
  console.log("");
  await benchCluster(url);
}

// ---------------------------------------------------------------------------------------------------
// 1. The structural rule against the triggers, on plain PostgreSQL

/** A link table of step 1: its events table's layout, and the trigger that is its rule (if any). */
interface RuleDesign {
  readonly key: "none" | "ours" | "spector" | "citus";
  readonly label: string;
  readonly table: string;
  readonly trigger: string | undefined;
}

const LINKS = { none: "links_none", ours: "links_ours", spector: "links_spector", citus: "citus_links" } as const;
const RULE_DESIGNS: readonly RuleDesign[] = [
  { key: "none", label: "Spector's layout, no rule (2 FKs on id)", table: LINKS.none, trigger: undefined },
  {
    key: "ours",
    label: "Spector's layout + our statement trigger",
    table: LINKS.ours,
    trigger: names.sameParent.insertTrigger(LINKS.ours),
  },
  {
    key: "spector",
    label: "Spector's layout + Spector's row trigger",
    table: LINKS.spector,
    trigger: names.sameParent.insertTrigger(LINKS.spector),
  },
  { key: "citus", label: 'layout: "citus" (2 composite FKs, no trigger)', table: LINKS.citus, trigger: undefined },
];

/** What `EXPLAIN (ANALYZE)` says of one insert, in ms: the statement, its foreign keys, its trigger. */
interface Measured {
  readonly total: number;
  readonly fks: number;
  readonly trigger: number;
}

/** The rule's time: the trigger on Spector's layout, the foreign keys (there is no trigger) on the Citus layout. */
const ruleTime = (design: RuleDesign, m: Measured) => (design.key === "citus" ? m.fks : m.trigger);

function parseExplain(rows: { "QUERY PLAN": unknown }[], design: RuleDesign): Measured {
  const [plan] = rows[0]!["QUERY PLAN"] as [
    { "Execution Time": number; Triggers?: { "Trigger Name": string; Relation?: string; Time: number }[] },
  ];
  const triggers = plan.Triggers ?? [];
  // a foreign key's check on the referencing table is an internal trigger named RI_ConstraintTrigger_c_<oid>
  const fks = triggers
    .filter((t) => t["Trigger Name"].startsWith("RI_ConstraintTrigger") && t.Relation === design.table)
    .reduce((sum, t) => sum + t.Time, 0);
  if (fks === 0 && triggers.length === 0) throw new Error(`EXPLAIN reported no trigger on ${design.table}`);
  if (design.trigger === undefined) return { total: plan["Execution Time"], fks, trigger: 0 };
  const trigger = triggers.find((t) => t["Trigger Name"] === design.trigger);
  if (!trigger) throw new Error(`EXPLAIN did not report trigger ${design.trigger}: ${JSON.stringify(triggers)}`);
  return { total: plan["Execution Time"], fks, trigger: trigger.Time };
}

class RollBack extends Error {}

async function benchStructuralRule(url: string): Promise<void> {
  const fresh = await createFreshDatabase(url, "spector_bench_citus");
  const sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
  try {
    const [{ server_version: version }] = (await sql`SHOW server_version`) as unknown as [{ server_version: string }];
    console.log(
      `Citus layout, 1. the structural rule (foreign keys only) against the triggers of Spector's layout, ` +
        `PostgreSQL ${version}, database ${fresh.name} (dropped afterwards)`,
    );
    // the tables, as a user gets them: drizzle-kit's DDL, then spectorTriggerSql (our trigger, and on the
    // Citus layout the distribution blocks, which do nothing without Citus)
    const tables = {
      ...spectorTables({
        table: "events",
        links: [
          [LINKS.none, "ancestor_id", { constrained: false }],
          [LINKS.ours, "ancestor_id"],
          [LINKS.spector, "ancestor_id", { constrained: false }],
        ],
      }),
      ...spectorTables({ table: "citus_events", layout: "citus", links: [[LINKS.citus, "ancestor_id"]] }),
    };
    for (const statement of splitStatements(await createSql(tables))) await sql.unsafe(statement);
    // Spector's own trigger, as its migration writes it
    for (const statement of spectorRowTrigger('"public"', "events", LINKS.spector, "ancestor_id"))
      await sql.unsafe(statement);

    const started = performance.now();
    await sql.unsafe(benchIdFunction("public"));
    for (const table of ["events", "citus_events"])
      await sql.unsafe(`INSERT INTO ${table} (id, parent_id, schema, action, payload)
        SELECT bench_id(r * 10 + k), bench_id(r * 10), 1, CASE WHEN k = 0 THEN 1 ELSE 2 END, jsonb_build_object('k', k)
          FROM generate_series(0, ${RECORDS - 1}) AS r, generate_series(0, ${EVENTS_PER_RECORD - 1}) AS k ORDER BY r, k`);
    // the links to insert: (event, its record's first event, the record), the same rows for every design
    const pairs = (table: string, records: [number, number], perRecord: number) =>
      `CREATE UNLOGGED TABLE ${table} AS
       SELECT bench_id(r * 10 + k) AS event_id, bench_id(r * 10) AS ancestor_id, bench_id(r * 10) AS parent_id
         FROM generate_series(${records[0]}, ${records[1]}) AS r, generate_series(1, ${perRecord}) AS k ORDER BY r, k`;
    await sql.unsafe(pairs("pairs_recent", [RECORDS - 10_000, RECORDS - 1], 9));
    await sql.unsafe(pairs("pairs_spread", [0, RECORDS - 1], 3));
    await sql.unsafe(`VACUUM ANALYZE`);
    console.log(
      `  the same ${RECORDS * EVENTS_PER_RECORD} events in ${RECORDS} records in both events tables, ` +
        `loaded in ${Math.round(performance.now() - started)} ms; load average ${loadavg()
          .map((x) => fmt(x))
          .join(" ")}`,
    );
    console.log(
      "  checks: the foreign keys' and the trigger's time together; rule: the trigger on Spector's layout (on top of\n" +
        "  its FKs), the two composite FKs on the Citus layout (they replace both); vs no rule: the statement's time\n" +
        "  over the no-rule table's (the median of the ratios, paired by run or by row)\n",
    );

    const insertInto = (design: RuleDesign, source: string) =>
      design.key === "citus"
        ? `INSERT INTO ${design.table} (parent_id, event_id, ancestor_id) ${source}`
        : `INSERT INTO ${design.table} (event_id, ancestor_id) ${source}`;
    const explain = async (design: RuleDesign, statement: string): Promise<Measured> => {
      let result: Measured | undefined;
      await sql
        .begin(async (t) => {
          result = parseExplain((await t.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)) as never, design);
          throw new RollBack();
        })
        .catch((error) => {
          if (!(error instanceof RollBack)) throw error;
        });
      return result!;
    };
    // rolled-back inserts leave dead rows and index entries: every workload starts from clean tables
    const vacuum = () => sql.unsafe(`VACUUM ${RULE_DESIGNS.map((d) => d.table).join(", ")}`);
    // the order of the designs rotates, so that none always runs first (on cold caches) or last
    const rotated = (i: number) => RULE_DESIGNS.map((_, j) => RULE_DESIGNS[(i + j) % RULE_DESIGNS.length]!);

    /** The table of one workload: per design, the medians of `results` and the ratio to the no-rule table. */
    const report = (results: Map<string, Measured[]>, unit: "ms" | "µs") => {
      const scale = unit === "ms" ? 1 : 1000;
      const digits = unit === "ms" ? 1 : 0;
      const none = results.get(LINKS.none)!;
      const cells = ["statement", "FKs", "trigger", "checks", "rule"].map((c) => `${c} ${unit}`);
      console.log(
        `  ${"design".padEnd(46)} ${cells.map((c) => c.padStart(c.length + 2)).join("")} ${"vs no rule".padStart(11)}` +
          (unit === "µs" ? ` ${"added µs".padStart(9)}` : ""),
      );
      for (const design of RULE_DESIGNS) {
        const rows = results.get(design.table)!;
        const m = (f: (r: Measured, i: number) => number) => fmt(median(rows.map(f)) * scale, digits);
        const figures = [
          m((r) => r.total),
          m((r) => r.fks),
          design.trigger === undefined ? "-" : m((r) => r.trigger),
          m((r) => r.fks + r.trigger),
          design.key === "none" ? "-" : m((r) => ruleTime(design, r)),
        ];
        const vsNone = median(rows.map((r, i) => r.total / none[i]!.total));
        const added = m((r, i) => r.total - none[i]!.total);
        console.log(
          `  ${design.label.padEnd(46)} ${figures.map((f, i) => f.padStart(cells[i]!.length + 2)).join("")} ` +
            `${`${fmt(vsNone)}x`.padStart(11)}` +
            (unit === "µs" ? ` ${(added.startsWith("-") ? added : `+${added}`).padStart(9)}` : ""),
        );
      }
      console.log("");
    };

    /** One INSERT ... SELECT of all of `pairsTable` per design, interleaved, RUNS times after a warm-up. */
    const bulk = async (workload: string, pairsTable: string, what: string): Promise<void> => {
      await vacuum();
      const [{ n: count }] = (await sql.unsafe(`SELECT count(*)::int AS n FROM ${pairsTable}`)) as unknown as [
        { n: number },
      ];
      const results = new Map<string, Measured[]>(RULE_DESIGNS.map((d) => [d.table, []]));
      for (let run = -1; run < RUNS; run++) {
        for (const design of rotated(run + 1)) {
          const columns = design.key === "citus" ? "parent_id, event_id, ancestor_id" : "event_id, ancestor_id";
          const result = await explain(design, insertInto(design, `SELECT ${columns} FROM ${pairsTable}`));
          if (run >= 0) results.get(design.table)!.push(result);
        }
      }
      console.log(`  ${workload}: ${count} links (${what}) in one INSERT ... SELECT, ${RUNS} runs each (median)`);
      report(results, "ms");
    };

    await bulk("recent", "pairs_recent", "the newest 10,000 records, each event to its root");
    await bulk("spread", "pairs_spread", "3 in every record of the table");

    // single-row: one-row INSERT statements, each rolled back
    await vacuum();
    const rows = (await sql.unsafe(
      `SELECT event_id::text, ancestor_id::text, parent_id::text FROM pairs_spread ORDER BY random() LIMIT ${SINGLE + SINGLE_WARMUP}`,
    )) as unknown as { event_id: string; ancestor_id: string; parent_id: string }[];
    const single = new Map<string, Measured[]>(RULE_DESIGNS.map((d) => [d.table, []]));
    for (const [i, row] of rows.entries()) {
      for (const design of rotated(i)) {
        const values =
          design.key === "citus"
            ? `VALUES ('${row.parent_id}', '${row.event_id}', '${row.ancestor_id}')`
            : `VALUES ('${row.event_id}', '${row.ancestor_id}')`;
        const result = await explain(design, insertInto(design, values));
        if (i >= SINGLE_WARMUP) single.get(design.table)!.push(result);
      }
    }
    console.log(
      `  single row: ${SINGLE} one-row INSERT statements per design, each in its own transaction (median; ` +
        `"added": over the same row in the no-rule table)`,
    );
    report(single, "µs");
  } finally {
    await sql.end();
    await fresh.drop();
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. The cluster against a single PostgreSQL

const declared = { schemas: { item: 0 }, actions: {} } as const;

/** The Citus-layout tables of step 2, in PostgreSQL schema `schema`. */
function clusterTables(schema: string) {
  return spectorTables({
    table: "events",
    layout: "citus",
    pgSchema: schema,
    links: [["event_ancestors", "ancestor_id"]],
    ...declared,
  });
}

type ClusterEvents = ReturnType<typeof clusterTables>["events"];

/** One side of step 2: a server, the schema the tables are in, its connections. */
interface Target {
  readonly key: "single" | "local" | "cluster";
  readonly label: string;
  readonly schema: string;
  readonly events: ClusterEvents;
  /** WRITERS connections, for the appends. */
  readonly client: postgres.Sql;
  readonly db: SpectorDatabase;
  /** One connection, for the latencies. */
  readonly one: postgres.Sql;
  readonly oneDb: SpectorDatabase;
}

/** A Citus cluster to run on, and how to let it go. */
interface Cluster {
  readonly url: string;
  readonly origin: string;
  /** Whether its nodes run on this machine (a cluster started here). */
  readonly here: boolean;
  release(): void;
}

/** The folder of the Citus scripts (`cluster.sh`), found as `.ci/run` finds it. */
function citusScripts(): string {
  const fromEnv = process.env.CITUS_DIR;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const repository = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  for (let up = dirname(repository); ; up = dirname(up)) {
    if (executable(join(up, "shared", "citus", "cluster.sh"))) return join(up, "shared", "citus");
    if (up === dirname(up)) break;
  }
  return "/work/shared/citus";
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether nothing listens on `port` of 127.0.0.1. */
function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/** CITUS_URL, or a throwaway cluster started here; a string says why there is none. */
async function openCluster(): Promise<Cluster | string> {
  const given = process.env.CITUS_URL;
  if (given !== undefined && given !== "") return { url: given, origin: "CITUS_URL", here: false, release: () => {} };
  const scripts = citusScripts();
  const script = join(scripts, "cluster.sh");
  if (!executable(script))
    return `no CITUS_URL, and no Citus scripts in ${scripts} (set CITUS_DIR to cluster.sh's folder)`;
  // a base port with the two after it free (another range than .ci/run's, which may run beside)
  let base: number | undefined;
  for (let port = 57500; port < 58500 && base === undefined; port += 10) {
    if ((await portFree(port)) && (await portFree(port + 1)) && (await portFree(port + 2))) base = port;
  }
  if (base === undefined) throw new Error("no three free ports for the Citus cluster in 57500-58499");
  const dir = mkdtempSync(join(tmpdir(), "spector-citus-bench-"));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync(script, ["stop", dir], { stdio: "ignore" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const interrupted = (signal: NodeJS.Signals) => {
    stop();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const release = () => {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    stop();
  };
  const started = performance.now();
  try {
    execFileSync(script, ["start", dir, String(base)], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const logs = [0, 1, 2]
      .map((i) => {
        try {
          return readFileSync(join(dir, `node${i}`, "log.txt"), "utf8")
            .split("\n")
            .slice(-5)
            .join("\n");
        } catch {
          return "";
        }
      })
      .join("\n");
    release();
    throw new Error(
      `the Citus cluster did not start (${script} start; is Citus installed? ${join(scripts, "build.sh")} builds and installs it): ${(error as Error).message}\n${logs}`,
    );
  }
  return {
    url: `postgres://postgres@127.0.0.1:${base}/postgres`,
    here: true,
    origin: `a throwaway cluster (${script}), up in ${fmt((performance.now() - started) / 1000, 1)} s, stopped at the end`,
    release,
  };
}

/** Creates the tables of `target` (as a migration does: in one transaction), loads them and analyzes them. */
async function prepareTarget(target: Target, distribute: boolean): Promise<void> {
  const statements = splitStatements(await createSql(clusterTables(target.schema), [target.schema])).filter(
    (statement) => distribute || !statement.includes("create_distributed_table"),
  );
  await target.client.begin(async (tx) => {
    for (const statement of statements) await tx.unsafe(statement);
  });
  const schema = quoteIdent(target.schema);
  await target.client.unsafe(benchIdFunction(target.schema));
  // a record's events written over time: event k of every record, then event k + 1
  await target.client.unsafe(`INSERT INTO ${schema}.events (id, parent_id, schema, action, payload)
    SELECT ${schema}.bench_id(r * 10 + k), ${schema}.bench_id(r * 10), 0, CASE WHEN k = 0 THEN 1 ELSE 2 END,
           jsonb_build_object('r', r, 'k', k)
      FROM generate_series(0, ${LOAD_RECORDS - 1}) AS r, generate_series(0, ${EVENTS_PER_RECORD - 1}) AS k ORDER BY k, r`);
  await target.client.unsafe(`VACUUM ANALYZE ${schema}.events`);
}

/** Appends/s of one round on `target`: WRITERS writers, RECORDS_PER_WRITER records each, SECONDS s. */
function appendRound(target: Target): Promise<number> {
  return appendsPerSecond(target.db, target.events, {
    writers: WRITERS,
    recordsPerWriter: RECORDS_PER_WRITER,
    seconds: SECONDS,
  });
}

async function benchCluster(url: string): Promise<void> {
  const cluster = await openCluster();
  if (typeof cluster === "string") {
    console.log(`Citus layout, 2. the cluster: skipped, ${cluster}`);
    return;
  }
  try {
    await onCluster(url, cluster);
  } finally {
    cluster.release();
  }
}

/** Step 2 on `cluster` and the server of `url`. */
async function onCluster(url: string, cluster: Cluster): Promise<void> {
  const fresh = await createFreshDatabase(url, "spector_bench_citus");
  const schemas = {
    single: randomName("citus_bench"),
    local: randomName("citus_bench_local"),
    cluster: randomName("citus_bench"),
  };
  const opened: postgres.Sql[] = [];
  const connect = (to: string, max: number) => {
    const client = postgres(to, { max, onnotice: () => {} });
    opened.push(client);
    return client;
  };
  const coordinator = connect(cluster.url, 1);
  try {
    const target = (key: Target["key"], label: string, to: string): Target => {
      const client = connect(to, WRITERS + 2);
      const one = connect(to, 1);
      return {
        key,
        label,
        schema: schemas[key],
        events: clusterTables(schemas[key]).events,
        client,
        db: drizzle(client),
        one,
        oneDb: drizzle(one),
      };
    };
    const targets: Target[] = [
      target("single", "single PostgreSQL (DATABASE_URL)", fresh.url),
      target("local", "coordinator, local tables (no Citus routing)", cluster.url),
      target("cluster", "Citus cluster, distributed by parent_id", cluster.url),
    ];
    const byKey = (key: Target["key"]) => targets.find((t) => t.key === key)!;

    const setting = async (client: postgres.Sql, name: string) =>
      ((await client.unsafe(`SELECT current_setting('${name}') AS v`)) as unknown as [{ v: string }])[0].v;
    const [[{ v: citus }], [{ n: workers }]] = (await Promise.all([
      coordinator.unsafe(`SELECT extversion AS v FROM pg_extension WHERE extname = 'citus'`),
      coordinator.unsafe(
        `SELECT count(*)::int AS n FROM pg_dist_node WHERE isactive AND noderole = 'primary' AND shouldhaveshards`,
      ),
    ])) as unknown as [[{ v: string }], [{ n: number }]];
    const describe = async (client: postgres.Sql) =>
      `PostgreSQL ${(await setting(client, "server_version")).split(" ")[0]}, fsync ${await setting(client, "fsync")}, ` +
      `synchronous_commit ${await setting(client, "synchronous_commit")}, shared_buffers ${await setting(client, "shared_buffers")}`;
    console.log(
      `Citus layout, 2. the cluster: Citus ${citus}, a coordinator and ${workers} workers, ` +
        `${await setting(coordinator, "citus.shard_count")} shards per table; ${cluster.origin}`,
    );
    console.log(`  single PostgreSQL: ${await describe(byKey("single").client)} (database ${fresh.name})`);
    console.log(`  coordinator:       ${await describe(coordinator)}`);
    const load = loadavg()
      .map((x) => fmt(x))
      .join(" ");
    console.log(
      cluster.here
        ? `  all on this machine (load average ${load} at the start): the ratios are the routing's overhead, not a speed-up`
        : `  the cluster of CITUS_URL (load average here ${load} at the start): on nodes that share one machine, ` +
            "the ratios are the routing's overhead, not a speed-up",
    );

    const started = performance.now();
    for (const t of targets) await prepareTarget(t, t.key === "cluster");
    const [{ distributed }] = (await coordinator.unsafe(
      `SELECT count(*)::int AS distributed FROM pg_dist_partition WHERE logicalrelid::text LIKE $1 OR logicalrelid::text LIKE $2`,
      [`${schemas.cluster}.%`, `${schemas.local}.%`],
    )) as unknown as [{ distributed: number }];
    if (distributed !== 2) throw new Error(`expected the cluster's 2 tables distributed, found ${distributed}`);
    console.log(
      `  ${LOAD_RECORDS * EVENTS_PER_RECORD} events in ${LOAD_RECORDS} records loaded into each ` +
        `in ${fmt((performance.now() - started) / 1000, 1)} s\n`,
    );

    // appends per second, 8 writers on distinct records, the order of the targets rotating
    const rates = new Map<Target["key"], number[]>(targets.map((t) => [t.key, []]));
    for (const t of targets) await appendRound(t); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (let j = 0; j < targets.length; j++) {
        const t = targets[(round + j) % targets.length]!;
        rates.get(t.key)!.push(await appendRound(t));
      }
    }
    console.log(
      `  appends/s through appendEvent, ${WRITERS} writers on distinct records (${RECORDS_PER_WRITER} each, ` +
        `round-robin), ${SECONDS} s per round, median of ${ROUNDS} rounds (min-max)`,
    );
    for (const t of targets) {
      const xs = rates.get(t.key)!;
      console.log(
        `     ${t.label.padEnd(48)} ${fmt(median(xs), 0).padStart(7)} (${fmt(Math.min(...xs), 0)}-${fmt(Math.max(...xs), 0)})`,
      );
    }
    const rate = (key: Target["key"]) => median(rates.get(key)!);
    console.log(
      `     cluster / single: ${fmt(rate("cluster") / rate("single"))}x; ` +
        `cluster / coordinator-local: ${fmt(rate("cluster") / rate("local"))}x\n`,
    );

    // listByParent latency, one connection per target, interleaved
    const ids = (
      (await byKey("single").client.unsafe(
        `SELECT ${quoteIdent(schemas.single)}.bench_id(floor(random() * ${LOAD_RECORDS})::bigint * 10)::text AS id
           FROM generate_series(1, ${LIST + LIST_WARMUP})`,
      )) as unknown as { id: string }[]
    ).map((row) => row.id);
    const times = new Map<Target["key"], number[]>(targets.map((t) => [t.key, []]));
    for (const [i, id] of ids.entries()) {
      for (let j = 0; j < targets.length; j++) {
        const t = targets[(i + j) % targets.length]!;
        const start = performance.now();
        const rows = await listByParent(t.oneDb, t.events, id);
        const elapsed = (performance.now() - start) * 1000;
        if (rows.length !== EVENTS_PER_RECORD)
          throw new Error(`listByParent of ${id} on ${t.label}: ${rows.length} events, not ${EVENTS_PER_RECORD}`);
        if (i >= LIST_WARMUP) times.get(t.key)!.push(elapsed);
      }
    }
    console.log(
      `  listByParent of one record (${EVENTS_PER_RECORD} events), ${LIST} random records each after ${LIST_WARMUP}, ` +
        `one connection, interleaved (µs)`,
    );
    console.log(`     ${"".padEnd(48)} ${"median".padStart(7)} ${"p95".padStart(7)}`);
    for (const t of targets) {
      const xs = times.get(t.key)!;
      console.log(
        `     ${t.label.padEnd(48)} ${fmt(median(xs), 0).padStart(7)} ${fmt(percentile(xs, 95), 0).padStart(7)}`,
      );
    }
    const latency = (key: Target["key"], p?: number) =>
      p === undefined ? median(times.get(key)!) : percentile(times.get(key)!, p);
    console.log(
      `     cluster / single: median ${fmt(latency("cluster") / latency("single"))}x, p95 ` +
        `${fmt(latency("cluster", 95) / latency("single", 95))}x; cluster / coordinator-local: median ` +
        `${fmt(latency("cluster") / latency("local"))}x, p95 ${fmt(latency("cluster", 95) / latency("local", 95))}x`,
    );
    console.log(
      `  load average at the end: ${loadavg()
        .map((x) => fmt(x))
        .join(" ")}`,
    );
  } finally {
    await Promise.all(opened.filter((c) => c !== coordinator).map((c) => c.end()));
    try {
      await coordinator.unsafe(
        `DROP SCHEMA IF EXISTS ${quoteIdent(schemas.cluster)}, ${quoteIdent(schemas.local)} CASCADE`,
      );
    } finally {
      await coordinator.end();
      await fresh.drop();
    }
  }
}
