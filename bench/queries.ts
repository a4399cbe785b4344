/**
 * `npm run bench`, queries part: the latency of the read helpers `listByParent` and `backtrace` on
 * PostgreSQL with postgres.js, against the same query written by hand, on Spector's index layout and
 * with a `(parent_id, id)` index.
 *
 * Runs in a fresh database of its own on the server of `url`, dropped at the end.
 *
 * Data: 1,000,000 events in 100,000 records of 10 events each, in a table of
 * `spectorTables({ table: "events", schemas, actions })` (named `schema` and `action` codes, so the
 * helpers' rows go through the named-code columns). Event t (0 to 999,999) is event k = t / 100,000 of
 * record r = t % 100,000, written at millisecond t: a record's events are spread over time as in real
 * life, 100,000 rows apart in the heap. Ids are time-ordered UUIDv7-like values (a millisecond prefix
 * from t). One `INSERT ... SELECT generate_series` loads them (with `session_replication_role =
 * replica`, which skips the row-by-row check of the self-referencing foreign key: the data satisfies it
 * by construction), then `VACUUM ANALYZE`.
 *
 * Sides, all on one postgres.js connection and one Drizzle database:
 * - helper: `listByParent(db, events, parentId)` / `backtrace(db, events, { id, parentId })`. Each
 *   helper builds its Drizzle query once per database object and table and runs it as a prepared
 *   statement (`.prepare(name)`), so a call costs one round trip and no parse;
 * - raw: the same SQL by hand, as postgres.js runs a tagged-template query by default: prepared
 *   (`client.unsafe(text, [params], { prepare: true })`), parsed once per connection;
 * - raw unprepared: `client.unsafe(text, [params])`, postgres.js's default for `unsafe`: Parse +
 *   Describe, a wait for the parameter types, then Bind + Execute, so two round trips and a fresh parse
 *   and plan each time (for reference: what a query costs without a prepared statement);
 * - and the server's own planning and execution time of the helper's SQL, from
 *   `EXPLAIN (ANALYZE, TIMING OFF)` (untimed by the client).
 *
 * Method: the same sequence of random records (a random event of each for `backtrace`) for every side
 * and layout. Each round first reads the round's record once untimed (so that no side pays for bringing
 * its pages into shared buffers: table and indexes are larger than the default 128MB), then times every
 * side once, in an order that rotates from round to round, then runs the server-side `EXPLAIN ANALYZE`.
 * Figures are medians of the wall-clock time of each call seen from Node, in µs.
 *
 * Layouts: [1] Spector's (`events_parent_id_index` on `parent_id`, as the table is created); [2] with
 * `events_parent_id_id_index` on `(parent_id, id)` added; [3] with that index alone (Spector's dropped,
 * so the planner has to use it). The ITERATIONS rounds of each layout are taken in BLOCKS blocks, the
 * layouts in turn ([1] [2] [3] [1] [2] [3] ..., each switch by `CREATE INDEX` / `DROP INDEX` and
 * `ANALYZE`; block n of every layout reads the same records), so that a drift of a noisy machine over
 * the run hits every layout alike; each block starts with WARMUP untimed rounds. A new layout is compared
 * with Spector's block by block (each block against the block of [1] just before it), and the median of
 * those ratios is reported. The per-block medians of the helper's `listByParent` show how steady the
 * machine was; on a noisy machine trust the server columns for the layouts, not the client ones.
 *
 * Plans: `EXPLAIN (FORMAT JSON)` of the SQL the helpers send (caught by a Drizzle logger), at every
 * block: the custom plan PostgreSQL makes for an unnamed statement with the parameters bound (their
 * values shown as $n), and the generic plan a prepared statement may switch to after five executions.
 * A Seq Scan in either throws.
 *
 * Environment: BENCH_QUERY_ITERATIONS (2000), BENCH_QUERY_BLOCKS (8), BENCH_QUERY_RECORDS (100000),
 * BENCH_QUERY_EVENTS (10 events per record).
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { backtrace, listByParent, spectorTables } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { fmt, median } from "./stats.js";

const RECORDS = Number(process.env.BENCH_QUERY_RECORDS ?? 100_000);
const EVENTS_PER_RECORD = Number(process.env.BENCH_QUERY_EVENTS ?? 10);
const ITERATIONS = Number(process.env.BENCH_QUERY_ITERATIONS ?? 2000);
const BLOCKS = Number(process.env.BENCH_QUERY_BLOCKS ?? 8);
const WARMUP = 100;

const COLUMN_LIST = "id, parent_id, payload, schema, action, inserted_at, updated_at";
const RAW_LIST = `select ${COLUMN_LIST} from events where parent_id = $1 order by id`;
const RAW_BACKTRACE = `select ${COLUMN_LIST} from events where parent_id = $1 and id <= $2 order by id`;

const SIDES = ["helper", "raw", "raw unprepared"] as const;
type Side = (typeof SIDES)[number];
const QUERIES = ["listByParent", "backtrace"] as const;
type Query = (typeof QUERIES)[number];
/** The columns of a layout's table: the sides, then the server's planning and execution time. */
const COLUMNS = [...SIDES, "server plan", "server exec"] as const;
type Column = (typeof COLUMNS)[number];
/** The medians of one layout: µs per query and side, and the server's planning and execution time. */
type Medians = Record<Query, Record<Column, number>>;
const WIDTH = 15;

interface Target {
  readonly id: string;
  readonly parentId: string;
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Filter?: string;
  "Sort Key"?: string[];
  Plans?: PlanNode[];
}

/** A small seeded pseudo-random generator, so that every run reads the same records. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The plan's nodes, outermost first, e.g. `Sort (id) <- Index Scan using events_parent_id_index [cond] {filter}`. */
function describePlan(node: PlanNode): { text: string; types: string[] } {
  const types: string[] = [];
  const parts: string[] = [];
  for (let n: PlanNode | undefined = node; n; n = n.Plans?.[0]) {
    types.push(n["Node Type"]);
    let part = n["Node Type"];
    if (n["Index Name"]) part += ` using ${n["Index Name"]}`;
    if (n["Sort Key"]) part += ` (${n["Sort Key"].join(", ")})`;
    if (n["Index Cond"]) part += ` [${n["Index Cond"]}]`;
    if (n.Filter) part += ` {filter ${n.Filter}}`;
    parts.push(part);
    for (const other of n.Plans?.slice(1) ?? []) types.push(...describePlan(other).types);
  }
  return { text: parts.join(" <- "), types };
}

/** Runs the queries part in a fresh database on the server of `url` (dropped at the end) and prints its tables. */
export async function benchQueries(url: string): Promise<void> {
  const started = performance.now();
  const fresh = await createFreshDatabase(url, "spector_bench_queries");
  const client = postgres(fresh.url, { max: 1, onnotice: () => {} });
  try {
    const [{ server_version: version }] = (await client`SHOW server_version`) as unknown as [
      { server_version: string },
    ];
    console.log(`query latency benchmark on PostgreSQL ${version}, database ${fresh.name} (dropped afterwards)`);

    const { events } = spectorTables({ table: "events", schemas: { user: 0, post: 1 }, actions: { publish: 4 } });
    for (const statement of splitStatements(await createSql({ events }))) await client.unsafe(statement);

    // bench_id(t): the UUIDv7-like id of event t: millisecond prefix, version 7, a 12-bit counter,
    // variant, then 60 bits of a multiplicative hash of t.
    const loading = performance.now();
    const total = RECORDS * EVENTS_PER_RECORD;
    await client.unsafe(`CREATE FUNCTION bench_id(t bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
      $$ SELECT (lpad(to_hex(1790000000000 + t), 12, '0') || '7' || lpad(to_hex(t & 4095), 3, '0') || '8'
                 || lpad(to_hex((t * 2654435761) & 1152921504606846975), 15, '0'))::uuid $$`);
    await client.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL session_replication_role = replica`);
      await tx.unsafe(`INSERT INTO events (id, parent_id, payload, schema, action, inserted_at, updated_at)
        SELECT bench_id(t), bench_id(t % ${RECORDS}), jsonb_build_object('k', t / ${RECORDS}, 'title', 'record ' || (t % ${RECORDS})),
               (t % ${RECORDS}) % 2, CASE WHEN t < ${RECORDS} THEN 1 WHEN t / ${RECORDS} = ${EVENTS_PER_RECORD - 1} THEN 4 ELSE 2 END, at, at
          FROM generate_series(0, ${total - 1}) AS t, LATERAL (SELECT to_timestamp((1790000000000 + t) / 1000.0) AT TIME ZONE 'utc' AS at) AS time`);
    });
    await client.unsafe(`VACUUM ANALYZE events`);
    const [{ size }] = (await client.unsafe(
      `SELECT pg_size_pretty(pg_total_relation_size('events')) AS size`,
    )) as unknown as [{ size: string }];
    console.log(
      `${total} events in ${RECORDS} records loaded in ${Math.round(performance.now() - loading)} ms (table and indexes: ${size})`,
    );
    console.log(
      `${ITERATIONS} timed rounds per query and layout, in ${BLOCKS} blocks per layout taken in turn, each after ${WARMUP} warm-up rounds; figures are medians in µs`,
    );

    const db = drizzle(client);
    const captured: { query: string; params: unknown[] }[] = [];
    const logged = drizzle(client, { logger: { logQuery: (query, params) => captured.push({ query, params }) } });

    // The rounds' records, and for backtrace a random event of each (a fixed pseudo-random sequence):
    // the same for every side and layout.
    const random = mulberry32(42);
    const picks = Array.from(
      { length: WARMUP + ITERATIONS },
      () => [Math.floor(random() * RECORDS), Math.floor(random() * EVENTS_PER_RECORD)] as const,
    );
    const targets = (await client.unsafe(
      `SELECT bench_id(p.k::bigint * ${RECORDS} + p.r)::text AS id, bench_id(p.r)::text AS "parentId"
         FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS p(r, k, i) ORDER BY p.i`,
      [`{${picks.map(([r]) => r).join(",")}}`, `{${picks.map(([, k]) => k).join(",")}}`],
    )) as unknown as Target[];

    // Sanity: the helper and the raw query read the same rows (the helper with names for the codes).
    const check = targets[0]!;
    const helperRows = await listByParent(db, events, check.parentId);
    const rawRows = (await client.unsafe(RAW_LIST, [check.parentId])) as unknown as { id: string; schema: number }[];
    if (
      helperRows.length !== EVENTS_PER_RECORD ||
      helperRows.map((r) => r.id).join() !== rawRows.map((r) => r.id).join()
    ) {
      throw new Error(`listByParent and the raw query disagree for ${check.parentId}`);
    }
    if (helperRows[0]!.schema !== (rawRows[0]!.schema === 0 ? "user" : "post"))
      throw new Error(`unexpected schema ${helperRows[0]!.schema}`);

    // The SQL the helpers send, and its parameters for a target.
    const params: Record<Query, (t: Target) => string[]> = {
      listByParent: (t) => [t.parentId],
      backtrace: (t) => [t.parentId, t.id],
    };
    const helperSql = {} as Record<Query, string>;
    for (const query of QUERIES) {
      captured.length = 0;
      await (query === "listByParent"
        ? listByParent(logged, events, check.parentId)
        : backtrace(logged, events, check));
      const [sent] = captured;
      if (captured.length !== 1 || JSON.stringify(sent!.params) !== JSON.stringify(params[query](check))) {
        throw new Error(
          `${query} sent ${JSON.stringify(captured)}, not one query with ${JSON.stringify(params[query](check))}`,
        );
      }
      helperSql[query] = sent!.query;
    }

    const run: Record<Query, Record<Side, (t: Target) => Promise<unknown>>> = {
      listByParent: {
        helper: (t) => listByParent(db, events, t.parentId),
        raw: (t) => client.unsafe(RAW_LIST, [t.parentId], { prepare: true }),
        "raw unprepared": (t) => client.unsafe(RAW_LIST, [t.parentId]),
      },
      backtrace: {
        helper: (t) => backtrace(db, events, t),
        raw: (t) => client.unsafe(RAW_BACKTRACE, [t.parentId, t.id], { prepare: true }),
        "raw unprepared": (t) => client.unsafe(RAW_BACKTRACE, [t.parentId, t.id]),
      },
    };

    const explainJson = async (statement: string, args: string[]) => {
      const rows = (await client.unsafe(statement, args)) as unknown as {
        "QUERY PLAN": [{ Plan: PlanNode; "Planning Time": number; "Execution Time": number }];
      }[];
      return rows[0]!["QUERY PLAN"][0];
    };

    /** The helper's plans, custom (parameters bound, their values shown as $n) and generic (prepared). */
    const plans = async (query: Query): Promise<{ custom: string; generic: string }> => {
      const text = helperSql[query];
      const args = params[query](check);
      const custom = describePlan((await explainJson(`EXPLAIN (FORMAT JSON) ${text}`, args)).Plan);
      let generic: { text: string; types: string[] } | undefined;
      await client.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL plan_cache_mode = force_generic_plan`);
        await tx.unsafe(`PREPARE bench_plan AS ${text}`);
        const rows = (await tx.unsafe(
          `EXPLAIN (FORMAT JSON) EXECUTE bench_plan(${args.map((a) => `'${a}'`).join(", ")})`,
        )) as unknown as {
          "QUERY PLAN": [{ Plan: PlanNode }];
        }[];
        generic = describePlan(rows[0]!["QUERY PLAN"][0].Plan);
        await tx.unsafe(`DEALLOCATE bench_plan`);
      });
      for (const [kind, plan] of [
        ["custom", custom],
        ["generic", generic!],
      ] as const) {
        if (plan.types.includes("Seq Scan"))
          throw new Error(`${query}: the ${kind} plan has a Seq Scan: ${plan.text}\n${text}`);
      }
      const shown = args.reduce((s, a, i) => s.replaceAll(`'${a}'::uuid`, `$${i + 1}`), custom.text);
      return { custom: shown, generic: generic!.text };
    };

    type Samples = Record<Query, Record<Column, number[]>>;
    const newSamples = (): Samples =>
      Object.fromEntries(
        QUERIES.map((q) => [q, Object.fromEntries(COLUMNS.map((c) => [c, [] as number[]]))]),
      ) as Samples;

    const medians = (s: Samples): Medians =>
      Object.fromEntries(
        QUERIES.map((q) => [q, Object.fromEntries(COLUMNS.map((c) => [c, median(s[q][c])]))]),
      ) as Medians;

    /** Runs rounds on `rounds`, adding their times to `samples` (or nothing for warm-up rounds). */
    const measure = async (rounds: readonly Target[], samples: Samples | undefined): Promise<void> => {
      for (const query of QUERIES) {
        for (const [i, target] of rounds.entries()) {
          await run[query].raw(target); // untimed: the record's pages into shared buffers
          for (let j = 0; j < SIDES.length; j++) {
            const side = SIDES[(i + j) % SIDES.length]!;
            const t0 = performance.now();
            await run[query][side](target);
            const elapsed = performance.now() - t0;
            samples?.[query][side].push(elapsed * 1000);
          }
          const analyzed = await explainJson(
            `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${helperSql[query]}`,
            params[query](target),
          );
          samples?.[query]["server plan"].push(analyzed["Planning Time"] * 1000);
          samples?.[query]["server exec"].push(analyzed["Execution Time"] * 1000);
        }
      }
    };

    // Each layout is entered from the one before it in the cycle [1] -> [2] -> [3] -> [1] ...
    const LAYOUTS = [
      {
        label: "[1] Spector's layout: events_parent_id_index (parent_id)",
        enter: [`CREATE INDEX events_parent_id_index ON events (parent_id)`, `DROP INDEX events_parent_id_id_index`],
      },
      {
        label: "[2] + events_parent_id_id_index (parent_id, id)",
        enter: [`CREATE INDEX events_parent_id_id_index ON events (parent_id, id)`],
      },
      {
        label: "[3] (parent_id, id) alone: events_parent_id_index dropped",
        enter: [`DROP INDEX events_parent_id_index`],
      },
    ] as const;
    const samples = LAYOUTS.map(newSamples);
    const blockMedians = LAYOUTS.map(() => [] as Medians[]);
    const perBlock = Math.ceil(ITERATIONS / BLOCKS);
    const planLines: string[][] = LAYOUTS.map(() => []);
    for (let block = 0; block < BLOCKS; block++) {
      const rounds = targets.slice(WARMUP + block * perBlock, WARMUP + Math.min(ITERATIONS, (block + 1) * perBlock));
      for (const [l, layout] of LAYOUTS.entries()) {
        if (block > 0 || l > 0) {
          for (const statement of layout.enter) await client.unsafe(statement);
          await client.unsafe(`ANALYZE events`);
        }
        if (block === 0) {
          const indexes = (await client.unsafe(
            `SELECT indexrelid::regclass::text AS name, pg_size_pretty(pg_relation_size(indexrelid)) AS size FROM pg_index
              WHERE indrelid = 'events'::regclass AND indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'parent_id')
              ORDER BY 1`,
          )) as unknown as { name: string; size: string }[];
          planLines[l]!.push(`  indexes on parent_id: ${indexes.map((i) => `${i.name} (${i.size})`).join(", ")}`);
        }
        for (const query of QUERIES) {
          const plan = await plans(query); // throws on a Seq Scan
          if (block > 0) continue;
          planLines[l]!.push(
            `  plan ${query.padEnd(12)} ${plan.custom}${plan.generic === plan.custom ? "  (custom and generic)" : ""}`,
          );
          if (plan.generic !== plan.custom) planLines[l]!.push(`  ${"generic plan".padEnd(17)} ${plan.generic}`);
        }
        await measure(targets.slice(0, WARMUP), undefined);
        const blockSamples = newSamples();
        await measure(rounds, blockSamples);
        for (const q of QUERIES) for (const c of COLUMNS) samples[l]![q][c].push(...blockSamples[q][c]);
        blockMedians[l]!.push(medians(blockSamples));
      }
    }

    const results = samples.map(medians);
    for (const [l, layout] of LAYOUTS.entries()) {
      const result = results[l]!;
      console.log(`\n${layout.label}`);
      for (const line of planLines[l]!) console.log(line);
      console.log(
        `  ${"µs".padEnd(12)} ${COLUMNS.map((s) => s.padStart(WIDTH)).join(" ")} ${"helper/raw".padStart(11)}`,
      );
      for (const query of QUERIES) {
        const m = result[query];
        console.log(
          `  ${query.padEnd(12)} ${COLUMNS.map((s) => fmt(m[s], 0).padStart(WIDTH)).join(" ")} ${fmt(m.helper / m.raw).padStart(11)}`,
        );
      }
      console.log(
        `  helper listByParent per block: ${blockMedians[l]!.map((m) => fmt(m.listByParent.helper, 0)).join(", ")}`,
      );
    }

    // Each block of a new layout against the block of Spector's taken just before it (same records).
    console.log(
      `\n(parent_id, id) index / Spector's layout: median over the ${BLOCKS} blocks of the block medians' ratio, below 1 is faster`,
    );
    console.log(`  ${"layout".padEnd(26)} ${"query".padEnd(12)} ${COLUMNS.map((s) => s.padStart(WIDTH)).join(" ")}`);
    for (const [l, label] of [
      [1, "[2] + (parent_id, id)"],
      [2, "[3] (parent_id, id) alone"],
    ] as const) {
      for (const query of QUERIES) {
        const ratios = COLUMNS.map((c) =>
          median(blockMedians[l]!.map((m, b) => m[query][c] / blockMedians[0]![b]![query][c])),
        );
        console.log(
          `  ${label.padEnd(26)} ${query.padEnd(12)} ${ratios.map((r) => `${fmt(r)}x`.padStart(WIDTH)).join(" ")}`,
        );
      }
    }
    console.log(`\nqueries part: ${fmt((performance.now() - started) / 1000, 1)} s`);
  } finally {
    await client.end();
    await fresh.drop();
  }
}
