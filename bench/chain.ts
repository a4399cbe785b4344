/**
 * `npm run bench`, chain part: what Spector's hash chain costs and how fast it verifies, on PostgreSQL
 * with postgres.js, in a fresh database of its own (dropped at the end).
 *
 * Appends: 8 concurrent writers, each appending BENCH_CHAIN_APPENDS events (default 250) to a record
 * of its own, through `appendEvent`, side by side on a Spector-hashed table (lock, last hash, SHA-256,
 * in a transaction per append) and an unhashed one (one INSERT), in alternating rounds
 * (BENCH_CHAIN_ROUNDS, default 3); appends per second, median of the rounds, and the ratio.
 *
 * Verification: BENCH_CHAIN_EVENTS events (default 1,000,000) with a valid chain, loaded in batches of
 * 10,000 (hashes computed here, `inserted_at` one microsecond apart), then `VACUUM ANALYZE`, then
 * `verifyChain` once: events per second, and the process's peak memory growth over the run (RSS and
 * heap, sampled after every page, garbage included); then, with `node --expose-gc` (as `npm run bench`
 * runs it), once more with a full collection every 20 pages, for the heap the walk keeps. Spector's own
 * verification loads the whole table into memory; for scale, the last line shows the heap the same rows
 * take when read in one query.
 *
 * Goals (issue 10): at least 100,000 events/s verified; memory growth under 64 MB.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { appendEvent, spectorHash, spectorTables, verifyChain } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { fmt, median, memoryPeak } from "./stats.js";

const WRITERS = 8;
const APPENDS = Number(process.env.BENCH_CHAIN_APPENDS ?? 250);
const ROUNDS = Number(process.env.BENCH_CHAIN_ROUNDS ?? 3);
const EVENTS = Number(process.env.BENCH_CHAIN_EVENTS ?? 1_000_000);
const BATCH = 10_000;
const MB = 1024 * 1024;

const declared = { schemas: { item: 0 }, actions: {} } as const;
const { ledger } = spectorTables({ table: "ledger", hashed: true, schemaModules: { item: "Bench.Item" }, ...declared });
const { plain } = spectorTables({ table: "plain", ...declared });

/** Runs the chain part on the server of `url` and prints its figures; returns whether both goals are met. */
export async function benchChain(url: string): Promise<boolean> {
  const fresh = await createFreshDatabase(url, "spector_bench_chain");
  const client = postgres(fresh.url, { max: WRITERS + 2, onnotice: () => {} });
  const db = drizzle(client);
  try {
    for (const statement of splitStatements(await createSql({ ledger, plain }))) await client.unsafe(statement);
    const [{ server_version: version }] = (await client`SHOW server_version`) as unknown as [
      { server_version: string },
    ];
    console.log(`Spector's hash chain, PostgreSQL ${version}, postgres.js, ${WRITERS} concurrent writers`);

    // appends per second, hashed and not, in alternating rounds
    const rates: Record<"hashed" | "plain", number[]> = { hashed: [], plain: [] };
    const appendAll = async (table: typeof ledger | typeof plain) => {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          const first = await appendEvent(db, table, { schema: "item", action: "insert", payload: { w } });
          for (let i = 1; i < APPENDS; i++) {
            await appendEvent(db, table, { schema: "item", action: "update", payload: { w, i }, parentId: first.id });
          }
        }),
      );
      return (WRITERS * APPENDS) / ((performance.now() - started) / 1000);
    };
    await appendAll(plain); // warm-up
    await appendAll(ledger);
    for (let round = 0; round < ROUNDS; round++) {
      rates.plain.push(await appendAll(plain));
      rates.hashed.push(await appendAll(ledger));
    }
    const [hashed, unhashed] = [median(rates.hashed), median(rates.plain)];
    console.log(
      `  appends/s, ${WRITERS} writers on distinct records (median of ${ROUNDS} rounds of ${WRITERS * APPENDS})`,
    );
    console.log(`    unhashed table               ${fmt(unhashed, 0).padStart(8)}`);
    console.log(
      `    Spector-hashed table         ${fmt(hashed, 0).padStart(8)}   ${fmt(hashed / unhashed)}x of unhashed`,
    );
    const appended = await verifyChain(db, ledger);
    if (!appended.ok) throw new Error(`the appended chain does not verify: ${JSON.stringify(appended)}`);

    // a long chain, loaded in batches, then verified once
    await client`TRUNCATE ledger`;
    const loadStarted = performance.now();
    let previous: Buffer | null = null;
    const base = Date.UTC(2026, 0, 1) * 1000; // µs
    for (let start = 0; start < EVENTS; start += BATCH) {
      const n = Math.min(BATCH, EVENTS - start);
      const rows: { id: string; payload: string; hash: string; at: string }[] = [];
      for (let k = 0; k < n; k++) {
        const i = start + k;
        const payload = `{"n":${i},"note":"bench"}`;
        previous = spectorHash(previous, "Elixir.Bench.Item", "insert", payload);
        rows.push({ id: benchId(i), payload, hash: previous.toString("hex"), at: microsecondText(base + i) });
      }
      await client.unsafe(
        `INSERT INTO ledger (id, parent_id, payload, schema, action, hash, inserted_at, updated_at)
         SELECT id, id, payload::jsonb, 0, 1, decode(hash, 'hex'), at, at
         FROM json_to_recordset($1::text::json) AS t(id uuid, payload text, hash text, at timestamp)`,
        [JSON.stringify(rows)],
      );
    }
    await client`VACUUM ANALYZE ledger`;
    console.log(`  ${EVENTS} events loaded in ${fmt((performance.now() - loadStarted) / 1000, 1)} s`);

    const memory = memoryPeak();
    const started = performance.now();
    const result = await verifyChain(db, ledger, { onProgress: memory.sample });
    const seconds = (performance.now() - started) / 1000;
    const peak = memory.growth();
    if (!result.ok || result.count !== EVENTS)
      throw new Error(`the loaded chain does not verify: ${JSON.stringify(result)}`);
    const perSecond = EVENTS / seconds;
    const growth = peak.rss;
    console.log(`  verifyChain over ${EVENTS} events: ${fmt(seconds, 2)} s, ${fmt(perSecond, 0)} events/s`);
    console.log(
      `    peak memory growth over the run: RSS +${fmt(growth, 1)} MB, heap +${fmt(peak.heap, 1)} MB (garbage included: V8 collects it when it sees fit)`,
    );
    // what the walk keeps: the heap after a full collection every 20 pages (needs node --expose-gc)
    if (global.gc) {
      global.gc();
      const base = process.memoryUsage().heapUsed;
      let retained = 0;
      let pages = 0;
      await verifyChain(db, ledger, {
        onProgress() {
          if (++pages % 20 !== 0) return;
          global.gc!();
          retained = Math.max(retained, process.memoryUsage().heapUsed - base);
        },
      });
      console.log(`    heap kept by the walk (after a full GC every 20 pages): at most +${fmt(retained / MB, 1)} MB`);
    }
    // for scale: the same rows read at once, as a verifier that loads the table holds them
    global.gc?.();
    const whole = process.memoryUsage().heapUsed;
    const all = await client`SELECT id, schema, action, payload::text AS payload, hash, inserted_at FROM ledger`;
    const held = (process.memoryUsage().heapUsed - whole) / MB;
    console.log(`    for scale: the ${all.length} rows read in one query hold +${fmt(held, 0)} MB of heap`);
    const met = { rate: perSecond >= 100_000, memory: growth < 64 };
    console.log(
      `  goals: >= 100000 events/s ${met.rate ? "met" : "MISSED"}; memory growth < 64 MB ${met.memory ? "met" : "MISSED"}`,
    );
    return met.rate && met.memory;
  } finally {
    await client.end();
    await fresh.drop();
  }
}

/** A UUIDv7-shaped id for bench event `i` (time-ordered, unique). */
function benchId(i: number): string {
  const hex = i.toString(16).padStart(18, "0");
  return `01900000-0000-7${hex.slice(0, 3)}-8${hex.slice(3, 6)}-${hex.slice(6, 18).padStart(12, "0")}`;
}

/** A `timestamp` text for `us` microseconds after the epoch. */
function microsecondText(us: number): string {
  const date = new Date(Math.floor(us / 1000));
  return `${date.toISOString().slice(0, 19).replace("T", " ")}.${String(us % 1_000_000).padStart(6, "0")}`;
}
