/**
 * The throwaway PostgreSQL cluster of the benches that count CPU instructions with Valgrind
 * (callgrind): bench/rule-instructions.ts and bench/first-statement-instructions.ts. `initdb` in a
 * temporary folder with the local server's binaries (`pg_config --bindir`), a database `bench` filled
 * by the caller, then the cluster stopped and its server run in single-user mode under callgrind, one
 * script at a time.
 *
 * Needs `valgrind` and the PostgreSQL binaries; runs them as the `postgres` user when started as root.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

const PORT = 56_900 + Math.floor(Math.random() * 90);

/** A cluster stopped after its setup: its binaries, its data folder, its temporary folder, its version. */
export interface CallgrindCluster {
  readonly bin: string;
  readonly data: string;
  readonly dir: string;
  readonly version: string;
}

/**
 * Runs `command` as the `postgres` user when this process is root (PostgreSQL refuses to run as root).
 *
 * @example
 * ```ts
 * asPostgres("/usr/lib/postgresql/15/bin/initdb", ["-D", "/tmp/data"]);
 * ```
 */
export function asPostgres(command: string, args: string[], input?: string): string {
  const [file, argv] =
    process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return result.stdout;
}

/**
 * Whether `command` is on the PATH.
 *
 * @example
 * ```ts
 * if (!available("valgrind")) console.log("no valgrind");
 * ```
 */
export function available(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

/**
 * The instructions callgrind counted in a run of `cluster`'s server in single-user mode on database
 * `bench`, reading `script`; `name` names the callgrind output file.
 *
 * @example
 * ```ts
 * const count = instructions(cluster, "none.1", "BEGIN; INSERT INTO l_none VALUES (...); ROLLBACK;\n");
 * ```
 */
export function instructions(cluster: CallgrindCluster, name: string, script: string): number {
  const { bin, data, dir } = cluster;
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

/**
 * Makes a throwaway cluster in a temporary folder named from `prefix`, creates its database `bench`,
 * fills it with `setup` (on one connection), stops the cluster and runs `measure` on it; then removes
 * it all. Without valgrind or pg_config it says that part `part` does not run, and does nothing.
 *
 * @example
 * ```ts
 * await inCallgrindCluster(
 *   "rule instructions",
 *   "spector-instructions-",
 *   async (sql) => void (await sql`CREATE TABLE t (n int)`),
 *   (cluster) => console.log(instructions(cluster, "t", "INSERT INTO t VALUES (1);\n")),
 * );
 * ```
 */
export async function inCallgrindCluster<T>(
  part: string,
  prefix: string,
  setup: (sql: postgres.Sql) => Promise<T>,
  measure: (cluster: CallgrindCluster, prepared: T) => void | Promise<void>,
): Promise<void> {
  if (!available("valgrind") || !available("pg_config")) {
    console.log(`${part}: valgrind or pg_config is not installed; this part does not run`);
    return;
  }
  const bin = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), prefix));
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
    const prepared = await setup(sql);
    await sql.end();
    pgCtl("stop");
    running = false;
    await measure({ bin, data, dir, version }, prepared);
  } finally {
    if (running) pgCtl("stop", "-m", "immediate");
    rmSync(dir, { recursive: true, force: true });
  }
}
