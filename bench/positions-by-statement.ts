/**
 * A measurement for issue 23's first-pass goal, not part of `npm run bench`: positions given per writer
 * statement (this version's layout) beside positions given per event (the layout before it, rebuilt
 * here in SQL), on the same events, with a raw keyset `SELECT` as the reference. Run it with
 * `npx tsx bench/positions-by-statement.ts` (DATABASE_URL or the local server; BENCH_EVENTS, 200,000 by
 * default, appended 100 per `INSERT`, as the consumers part appends them).
 *
 * Per event (before): the trigger queued one `T_positions` row per event and the positioner numbered
 * each with an `UPDATE` (about 10 µs an event, most of a consumer's first pass). Per statement (now,
 * `sql/positions.ts`): a row holds a writer statement's events (up to 1,000, `ids`), queued in `queued`
 * order, numbered with one `UPDATE`, its events unnested when read.
 *
 * Each side reads every event from the start in batches of 1,000, each batch one transaction: the
 * numbering call, then the read in position order with each event looked up by `id` (no checkpoint,
 * no decoding: what both layouts share is left out). That was `readAll`'s read when the layouts were
 * compared; it now reads a row of 8 events or more by one index range (src/consumers/read-statement.ts). Two rounds, the sides alternating; a first pass
 * numbers the queued events, a replay reads them again.
 *
 * @module
 */
import postgres from "postgres";
import { spectorTables } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { fmt } from "./stats.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const PER_APPEND = 100;
const BATCH = 1000;
const declared = { schemas: { account: 0 }, actions: { deposit: 10 } } as const;
const shipped = spectorTables({ table: "shipped", positions: true, ...declared });
const { perevent } = spectorTables({ table: "perevent", ...declared });

/** The layout before this version's, per event: its table, trigger and numbering function for events table `perevent`. */
const PER_EVENT = `
CREATE TABLE perevent_positions (id uuid PRIMARY KEY, position bigint);
CREATE UNIQUE INDEX perevent_positions_order ON perevent_positions (position);
CREATE INDEX perevent_positions_queue ON perevent_positions (id) WHERE position IS NULL;
CREATE FUNCTION queue_positions_perevent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO perevent_positions (id) SELECT n.id FROM new_rows AS n;
  RETURN NULL;
END $$;
CREATE TRIGGER queue_positions_perevent AFTER INSERT ON perevent REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION queue_positions_perevent();
CREATE FUNCTION position_events_perevent(max integer) RETURNS bigint LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
  last bigint;
  numbered bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(23) THEN RETURN -1; END IF;
  SELECT p.position INTO last FROM perevent_positions AS p WHERE p.position IS NOT NULL ORDER BY p.position DESC LIMIT 1;
  last := COALESCE(last, 0);
  UPDATE perevent_positions AS p SET position = q.next
    FROM (SELECT w.ctid AS place, last + row_number() OVER (ORDER BY w.id) AS next
            FROM (SELECT u.ctid, u.id FROM perevent_positions AS u WHERE u.position IS NULL
                   ORDER BY u.id LIMIT GREATEST(max, 0)) AS w) AS q
   WHERE p.ctid = q.place;
  GET DIAGNOSTICS numbered = ROW_COUNT;
  RETURN last + numbered;
END $$;`;

/** The read of each layout (`readAll`'s, in plain SQL): up to $2 events after position $1, in position order, with the position as text. */
const READS = {
  perevent: `SELECT e.*, w.position::text AS position
    FROM (SELECT position, id FROM perevent_positions WHERE position > $1 ORDER BY position LIMIT $2) AS w
    LEFT JOIN LATERAL (SELECT * FROM perevent AS s WHERE s.id = w.id LIMIT 1) AS e ON true ORDER BY w.position`,
  shipped: `SELECT e.*, w.position::text AS position
    FROM (SELECT c.position - c.n + u.o AS position, u.id
            FROM (SELECT p.position, p.id, p.ids, COALESCE(cardinality(p.ids), 1) AS n FROM shipped_positions AS p
                   CROSS JOIN (SELECT GREATEST($1, (SELECT f.position - COALESCE(cardinality(f.ids), 1) FROM shipped_positions AS f
                                                     WHERE f.position > $1 ORDER BY f.position LIMIT 1)) AS start) AS s
                   WHERE p.position > $1 AND p.position < s.start + $2 + 1000
                     AND p.position - COALESCE(cardinality(p.ids), 1) < s.start + $2
                   ORDER BY p.position LIMIT $2) AS c
            CROSS JOIN LATERAL unnest(COALESCE(c.ids, ARRAY[c.id])) WITH ORDINALITY AS u(id, o)
           WHERE c.position - c.n + u.o > $1 ORDER BY 1 LIMIT $2) AS w
    LEFT JOIN LATERAL (SELECT * FROM shipped AS s WHERE s.id = w.id LIMIT 1) AS e ON true ORDER BY w.position`,
} as const;

const fresh = await createFreshDatabase(
  process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  "spector_bench_positions",
);
const sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
try {
  for (const statement of splitStatements(await createSql({ ...shipped, perevent }))) await sql.unsafe(statement);
  await sql.unsafe(PER_EVENT);
  await sql.unsafe(`CREATE FUNCTION bench_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql AS
    $$ SELECT (lpad(to_hex(1790000000000 + n), 12, '0') || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid $$`);
  const load = async (table: "perevent" | "shipped"): Promise<number> => {
    const started = performance.now();
    for (let from = 0; from < EVENTS; from += PER_APPEND)
      await sql.unsafe(`INSERT INTO ${table} (id, parent_id, schema, action, payload)
        SELECT bench_id(${from} + k), bench_id(${from}), 0, CASE WHEN k = 0 THEN 1 ELSE 10 END,
               jsonb_build_object('amount', ${from} + k + 1, 'note', 'deposit ' || (${from} + k + 1))
          FROM generate_series(0, ${PER_APPEND - 1}) AS k`);
    return performance.now() - started;
  };
  const loads = { perevent: await load("perevent"), shipped: await load("shipped") };
  await sql.unsafe("VACUUM ANALYZE");

  const keyset = async (): Promise<number> => {
    let last = "00000000-0000-0000-0000-000000000000";
    let read = 0;
    const started = performance.now();
    for (;;) {
      const rows = await sql`SELECT * FROM perevent WHERE id > ${last} ORDER BY id LIMIT ${BATCH}`;
      if (rows.length === 0) break;
      read += rows.length;
      last = (rows.at(-1) as unknown as { id: string }).id;
    }
    if (read !== EVENTS) throw new Error(`the keyset read ${read} events, not ${EVENTS}`);
    return performance.now() - started;
  };
  const follow = async (design: "perevent" | "shipped"): Promise<number> => {
    let after = 0;
    const seen = new Set<string>();
    const started = performance.now();
    for (;;) {
      const rows = await sql.begin(async (tx) => {
        await tx.unsafe(`SELECT position_events_${design}($1)`, [BATCH], { prepare: true });
        return tx.unsafe(READS[design], [after, BATCH], { prepare: true });
      });
      if (rows.length === 0) break;
      for (const row of rows as unknown as { id: string; position: string }[]) {
        if (Number(row.position) !== after + 1) throw new Error(`${design}: position ${row.position} after ${after}`);
        seen.add(row.id);
        after += 1;
      }
    }
    if (seen.size !== EVENTS) throw new Error(`${design} read ${seen.size} events, not ${EVENTS}`);
    return performance.now() - started;
  };
  const times = { keyset: [] as number[], perevent: [] as number[], shipped: [] as number[] };
  times.keyset.push(await keyset());
  for (let round = 0; round < 2; round++) {
    for (const design of round === 0 ? (["perevent", "shipped"] as const) : (["shipped", "perevent"] as const))
      times[design].push(await follow(design));
  }
  times.keyset.push(await keyset());
  const reference = Math.min(...times.keyset);
  const line = (label: string, ms: number) =>
    console.log(`  ${label.padEnd(44)} ${fmt(ms, 0).padStart(6)} ms  ${fmt(reference / ms)}x the raw keyset`);
  console.log(
    `positions per event (before) and per writer statement (this version), ${EVENTS} events, ${PER_APPEND} per INSERT, batches of ${BATCH}`,
  );
  console.log(
    `  loading, one INSERT per ${PER_APPEND} events: per event ${fmt(loads.perevent, 0)} ms, per statement ${fmt(loads.shipped, 0)} ms`,
  );
  console.log(`  raw keyset SELECT: ${times.keyset.map((ms) => fmt(ms, 0)).join(" ms, ")} ms`);
  line("per event, first pass (numbering as it reads)", times.perevent[0]!);
  line("per event, replay", times.perevent[1]!);
  line("per statement, first pass", times.shipped[0]!);
  line("per statement, replay", times.shipped[1]!);
} finally {
  await sql.end();
  await fresh.drop();
}
