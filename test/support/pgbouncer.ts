/**
 * A PgBouncer of the test's own, in transaction mode, in front of the local PostgreSQL: started on a
 * free port of 127.0.0.1 with a temporary configuration, and stopped (by its process id) afterwards.
 * The `pgbouncer` binary must be installed (`apt-get install pgbouncer`; `.ci/run` installs it): without
 * it, starting fails, never skips.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running PgBouncer. */
export interface PgBouncer {
  readonly port: number;
  /** `url` (a PostgreSQL URL) with its host and port replaced by the bouncer's. */
  through(url: string): string;
  stop(): Promise<void>;
}

/** A port nothing listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once `port` accepts a connection, or rejects after `attempts` tries. */
async function listening(port: number, child: ChildProcess, log: string, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (child.exitCode !== null) {
      throw new Error(`pgbouncer exited with ${child.exitCode}: ${readLog(log)}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`pgbouncer did not listen on ${port}: ${readLog(log)}`);
}

function readLog(log: string): string {
  try {
    return readFileSync(log, "utf8").slice(-2000);
  } catch {
    return "(no log)";
  }
}

/**
 * Starts PgBouncer in `pool_mode = transaction` for the PostgreSQL server of `serverUrl` (every
 * database, trust authentication), with `poolSize` server connections per database and user: fewer
 * than the clients, so that clients share them as behind a busy pooler.
 */
export async function startPgBouncer(serverUrl: string, poolSize = 4): Promise<PgBouncer> {
  const which = spawnSync("sh", ["-c", "command -v pgbouncer"], { encoding: "utf8" });
  const binary = which.stdout.trim();
  if (which.status !== 0 || binary === "") {
    throw new Error("pgbouncer is not installed: `apt-get install -y pgbouncer` (the driver matrix needs it)");
  }
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || "postgres");
  const dir = mkdtempSync(join(tmpdir(), "spector-pgbouncer-"));
  chmodSync(dir, 0o777); // run as the postgres user when this runs as root (PgBouncer refuses root)
  const port = await freePort();
  const log = join(dir, "pgbouncer.log");
  writeFileSync(join(dir, "users.txt"), `"${user}" ""\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${poolSize}`,
      "max_client_conn = 500",
      "ignore_startup_parameters = extra_float_digits,options",
      `logfile = ${log}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
    ].join("\n") + "\n",
  );
  const asRoot = process.getuid?.() === 0;
  const child = spawn(binary, [...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")], {
    stdio: "ignore",
  });
  try {
    await listening(port, child, log);
  } catch (error) {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    through(url: string) {
      const target = new URL(url);
      target.hostname = "127.0.0.1";
      target.port = String(port);
      return target.toString();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
