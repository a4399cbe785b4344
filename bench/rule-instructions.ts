/**
 * `npm run bench`, rule-instructions part (`BENCH_ONLY=rule-instructions`): what a one-row link
 * `INSERT` costs with each design of the same-parent rule, counted in CPU instructions by Valgrind
 * (callgrind), which does not move with the load of a shared machine as times do.
 *
 * A throwaway PostgreSQL cluster of its own (`initdb` in a temporary folder, the local server's
 * binaries from `pg_config --bindir`) holds 30,000 events in 3,000 records of 10 and one link table per
 * design. The cluster is then stopped, and for each design the server runs in single-user mode under
 * callgrind, reading `BEGIN; INSERT INTO <link table> VALUES (<one link>); ROLLBACK;` statements: K of
 * them, then 2K in a second run. (2K run - K run) / K is one statement's count, without the start and
 * the end of the server and with the function already compiled and its plans cached.
 *
 * Designs: no rule (the foreign keys alone); Spector's row trigger; drizzle-spector's rule, as
 * `spectorTriggerSql` writes it; and two lower bounds of any statement-level design in PL/pgSQL: an
 * empty statement trigger with a transition table (the call alone), and the least such a trigger can
 * do for one row (read it from the transition table, look both ends up, compare: no check of the
 * statement's size, so no bulk path).
 *
 * Needs `valgrind` and the PostgreSQL binaries; runs as the `postgres` user when started as root.
 * Without them it says so and does nothing. RULE_INSTRUCTIONS_K (300) sets K.
 */
import type postgres from "postgres";
import { spectorTables } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { spectorRowTrigger } from "../test/support/spector-ddl.js";
import { inCallgrindCluster, instructions, type CallgrindCluster } from "./callgrind-cluster.js";
import { fmt } from "./stats.js";

const K = Number(process.env.RULE_INSTRUCTIONS_K ?? 300);
const RECORDS = 3_000;

/** A link to insert: an event and its record's root. */
interface Link {
  readonly event_id: string;
  readonly ancestor_id: string;
}

interface Design {
  readonly table: string;
  readonly label: string;
}

const DESIGNS: readonly Design[] = [
  { table: "l_none", label: "no rule (foreign keys only)" },
  { table: "l_spector", label: "Spector (row-level BEFORE, two lookups)" },
  { table: "l_ours", label: "drizzle-spector (statement-level, transition table)" },
  { table: "l_call", label: "lower bound: empty statement trigger, transition table" },
  { table: "l_least", label: "lower bound: read the row, two lookups, no size check" },
];

/** The two lower-bound triggers, on tables `l_call` and `l_least`. */
const LOWER_BOUNDS = [
  `CREATE FUNCTION bench_call() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
  `CREATE TRIGGER bench_call AFTER INSERT ON l_call REFERENCING NEW TABLE AS new_links
     FOR EACH STATEMENT EXECUTE FUNCTION bench_call()`,
  `CREATE FUNCTION bench_least() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE a uuid; b uuid; pa uuid; pb uuid;
   BEGIN
     SELECT l.event_id, l.ancestor_id INTO a, b FROM new_links AS l;
     SELECT parent_id INTO pa FROM public.events WHERE id = a;
     SELECT parent_id INTO pb FROM public.events WHERE id = b;
     IF pa IS DISTINCT FROM pb THEN RAISE EXCEPTION 'cross-record link'; END IF;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER bench_least AFTER INSERT ON l_least REFERENCING NEW TABLE AS new_links
     FOR EACH STATEMENT EXECUTE FUNCTION bench_least()`,
];

/**
 * Runs the rule-instructions part in a throwaway cluster.
 *
 * @example
 * ```ts
 * await benchRuleInstructions();
 * ```
 */
export async function benchRuleInstructions(): Promise<void> {
  await inCallgrindCluster("rule instructions", "spector-instructions-", prepare, measure);
}

/** The events and link tables of every design in `sql`'s database: `2 * K` links to insert. */
async function prepare(sql: postgres.Sql): Promise<Link[]> {
  const tables = spectorTables({
    table: "events",
    links: [
      ["l_ours", "ancestor_id"],
      ...(["l_spector", "l_none", "l_call", "l_least"] as const).map(
        (name) => [name, "ancestor_id", { constrained: false }] as const,
      ),
    ],
  });
  for (const statement of splitStatements(await createSql(tables))) await sql.unsafe(statement);
  for (const statement of spectorRowTrigger('"public"', "events", "l_spector", "ancestor_id"))
    await sql.unsafe(statement);
  for (const statement of LOWER_BOUNDS) await sql.unsafe(statement);
  await sql.unsafe(`INSERT INTO events (id, parent_id, schema, action)
      SELECT e.id, first_value(e.id) OVER (PARTITION BY e.r ORDER BY e.k), 1, CASE WHEN e.k = 0 THEN 1 ELSE 2 END
        FROM (SELECT r, k, gen_random_uuid() AS id FROM generate_series(1, ${RECORDS}) AS r, generate_series(0, 9) AS k) AS e`);
  await sql`VACUUM ANALYZE`;
  return (await sql`SELECT id::text AS event_id, parent_id::text AS ancestor_id FROM events
      WHERE id <> parent_id ORDER BY random() LIMIT ${2 * K}`) as unknown as Link[];
}

/** Counts each design's statements in the stopped `cluster` and prints them. */
function measure(cluster: CallgrindCluster, links: readonly Link[]): void {
  const { version } = cluster;
  console.log(
    `rule instructions: one-row link INSERTs, PostgreSQL ${version} in single-user mode under callgrind, ` +
      `(${2 * K}-statement run - ${K}-statement run) / ${K}`,
  );
  const counts = new Map<string, number>();
  for (const design of DESIGNS) {
    const script = (n: number) =>
      links
        .slice(0, n)
        .map(
          (l) =>
            `BEGIN; INSERT INTO ${design.table} (event_id, ancestor_id) VALUES ('${l.event_id}', '${l.ancestor_id}'); ROLLBACK;\n`,
        )
        .join("");
    const once = instructions(cluster, `${design.table}.1`, script(K));
    const twice = instructions(cluster, `${design.table}.2`, script(2 * K));
    counts.set(design.table, (twice - once) / K);
  }
  const none = counts.get("l_none")!;
  console.log(`  ${"design".padEnd(56)} ${"instructions".padStart(12)} ${"over no rule".padStart(13)}`);
  for (const design of DESIGNS) {
    const count = counts.get(design.table)!;
    console.log(
      `  ${design.label.padEnd(56)} ${fmt(count, 0).padStart(12)} ${design.table === "l_none" ? "" : `+${fmt(count - none, 0)}`.padStart(13)}`,
    );
  }
  const over = (table: string) => counts.get(table)! - none;
  console.log(
    `  ours / Spector's, over no rule: ${fmt(over("l_ours") / over("l_spector"))}x; ` +
      `the least a statement-level trigger does for one row / Spector's: ${fmt(over("l_least") / over("l_spector"))}x\n`,
  );
}
