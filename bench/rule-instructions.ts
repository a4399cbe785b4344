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
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { spectorTables } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "../test/support/ddl.js";
import { spectorRowTrigger } from "../test/support/spector-ddl.js";
import { fmt } from "./stats.js";

const K = Number(process.env.RULE_INSTRUCTIONS_K ?? 300);
const RECORDS = 3_000;
const PORT = 56_900 + Math.floor(Math.random() * 90);

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

/** Runs `command` as the `postgres` user when this process is root (PostgreSQL refuses to run as root). */
export function asPostgres(command: string, args: string[], input?: string): string {
  const [file, argv] =
    process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return result.stdout;
}

export function available(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

/** The instructions callgrind counted in the run of `script`. */
export function instructions(bin: string, data: string, dir: string, name: string, script: string): number {
  const out = join(dir, `callgrind.${name}`);
  asPostgres(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, join(bin, "postgres"), "--single", "-D", data, "bench"],
    script,
  );
  const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, "utf8"));
  if (!summary) throw new Error(`no instruction count in ${out}`);
  return Number(summary[1]);
}

export async function benchRuleInstructions(): Promise<void> {
  if (!available("valgrind") || !available("pg_config")) {
    console.log("rule instructions: valgrind or pg_config is not installed; this part does not run");
    return;
  }
  const bin = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "spector-instructions-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const pgCtl = (...args: string[]) => asPostgres(join(bin, "pg_ctl"), ["-D", data, "-w", ...args]);
  let running = false;
  try {
    asPostgres(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
    pgCtl("-o", `-p ${PORT} -k ${dir} -c listen_addresses=''`, "-l", join(dir, "log"), "start");
    running = true;
    const admin = postgres({ host: dir, port: PORT, user: "postgres", database: "postgres", onnotice: () => {} });
    await admin`CREATE DATABASE bench`;
    await admin.end();
    const sql = postgres({ host: dir, port: PORT, user: "postgres", database: "bench", max: 1, onnotice: () => {} });
    const version = (await sql`SHOW server_version`)[0]!.server_version as string;
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
    const links = (await sql`SELECT id::text AS event_id, parent_id::text AS ancestor_id FROM events
      WHERE id <> parent_id ORDER BY random() LIMIT ${2 * K}`) as unknown as {
      event_id: string;
      ancestor_id: string;
    }[];
    await sql.end();
    pgCtl("stop");
    running = false;

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
      const once = instructions(bin, data, dir, `${design.table}.1`, script(K));
      const twice = instructions(bin, data, dir, `${design.table}.2`, script(2 * K));
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
  } finally {
    if (running) pgCtl("stop", "-m", "immediate");
    rmSync(dir, { recursive: true, force: true });
  }
}
