/**
 * `npm run bench`, materialized part (`BENCH_ONLY=materialized`): how fast `m.rebuild` recomputes a
 * materialized table from the log, on PostgreSQL with postgres.js, in a fresh database of its own
 * (dropped at the end).
 *
 * MATERIALIZED_BENCH_EVENTS (1,000,000) events in records of 10 (100,000 records: an insert and 9
 * updates each) are loaded into a `versioned: true` events table by one `INSERT ... SELECT
 * generate_series` (in time order across records, so that a record's events are spread over the
 * table), then `VACUUM ANALYZE`; then `rebuild` into an empty state table (`id`, `total`, `updates`,
 * `last_event`), MATERIALIZED_BENCH_RUNS (3) times (the table emptied before each): events/s (median).
 * MATERIALIZED_BENCH_BATCH sets `rebuild`'s `batchSize` (its default otherwise).
 * Goal (issue 22): at least 100,000 events/s. A missed goal is printed (MISS), it does not fail the run.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";
import { loadavg } from "node:os";
import postgres from "postgres";
import { materialized, spectorTables, type EventRow } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { fmt, median } from "./stats.js";

const EVENTS = Number(process.env.MATERIALIZED_BENCH_EVENTS ?? 1_000_000);
const EVENTS_PER_RECORD = 10;
const RUNS = Number(process.env.MATERIALIZED_BENCH_RUNS ?? 3);
const BATCH =
  process.env.MATERIALIZED_BENCH_BATCH === undefined ? undefined : Number(process.env.MATERIALIZED_BENCH_BATCH);
const GOAL = 100_000;

const { mlog, mlog_heads } = spectorTables({
  table: "mlog",
  versioned: true,
  schemas: { item: 0 },
  actions: {},
});
const items = pgTable("items", {
  id: uuid("id").primaryKey(),
  total: integer("total").notNull(),
  updates: integer("updates").notNull(),
  lastEvent: uuid("last_event").notNull(),
});
type Row = typeof items.$inferSelect;
const evolve = (row: Row | undefined, event: EventRow<typeof mlog>): Row | undefined => {
  const k = (event.payload as { k: number } | null)?.k ?? 0;
  return event.action === "insert"
    ? { id: event.parentId, total: k, updates: 0, lastEvent: event.id }
    : row && { ...row, total: row.total + k, updates: row.updates + 1, lastEvent: event.id };
};
const view = materialized(items, { events: mlog, schema: "item", evolve });

/**
 * Runs the materialized part on the server of `url`; returns whether the goal was met.
 *
 * @example
 * ```ts
 * await benchMaterialized("postgres://postgres@127.0.0.1:5432/postgres");
 * ```
 */
export async function benchMaterialized(url: string): Promise<boolean> {
  const fresh = await createFreshDatabase(url, "spector_bench_materialized");
  const client = postgres(fresh.url, { max: 4, onnotice: () => {} });
  const db = drizzle(client);
  try {
    for (const statement of splitStatements(await createSql({ mlog, mlog_heads, items }))) {
      await client.unsafe(statement);
    }
    const [{ server_version: version }] = (await client`SHOW server_version`) as unknown as [
      { server_version: string },
    ];
    const records = Math.ceil(EVENTS / EVENTS_PER_RECORD);
    console.log(`materialized tables (rebuild), PostgreSQL ${version}, postgres.js, database ${fresh.name}`);
    console.log(
      `  load average at the start: ${loadavg()
        .map((x) => fmt(x))
        .join(" ")}`,
    );
    await client.unsafe(`CREATE FUNCTION bench_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
      $$ SELECT (lpad(to_hex(1790000000000 + n), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`);
    const loadStarted = performance.now();
    await client.unsafe(`INSERT INTO mlog (id, parent_id, schema, action, payload)
      SELECT bench_id(r * ${EVENTS_PER_RECORD} + k), bench_id(r * ${EVENTS_PER_RECORD}), 0,
             CASE WHEN k = 0 THEN 1 ELSE 2 END, jsonb_build_object('k', k, 'note', 'bench')
        FROM generate_series(0, ${records - 1}) AS r, generate_series(0, ${EVENTS_PER_RECORD - 1}) AS k
       WHERE r * ${EVENTS_PER_RECORD} + k < ${EVENTS}
       ORDER BY k, r`);
    await client`VACUUM ANALYZE mlog, mlog_heads`;
    console.log(
      `  ${EVENTS} events in ${records} records loaded in ${fmt((performance.now() - loadStarted) / 1000)} s`,
    );
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await client`TRUNCATE items`;
      const started = performance.now();
      const done = await view.rebuild(db, BATCH === undefined ? undefined : { batchSize: BATCH });
      const seconds = (performance.now() - started) / 1000;
      const [{ n }] = (await client`SELECT count(*)::int AS n FROM items`) as unknown as [{ n: number }];
      if (done.events !== EVENTS || n !== records) {
        throw new Error(`rebuild read ${done.events} events and left ${n} rows, not ${EVENTS} and ${records}`);
      }
      rates.push(EVENTS / seconds);
      console.log(`  run ${run + 1}: ${fmt(seconds)} s, ${fmt(EVENTS / seconds, 0)} events/s`);
    }
    const rate = median(rates);
    const met = rate >= GOAL;
    console.log(
      `  rebuild: ${fmt(rate, 0)} events/s (median of ${RUNS}); goal >= ${fmt(GOAL, 0)} events/s: ${met ? "met" : "MISS"}`,
    );
    console.log(
      `  load average at the end: ${loadavg()
        .map((x) => fmt(x))
        .join(" ")}`,
    );
    return met;
  } finally {
    await client.end();
    await fresh.drop();
  }
}
