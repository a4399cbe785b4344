/**
 * A PostgreSQL cluster of the test's own: `initdb` into a temporary folder, started by `pg_ctl` on a
 * free port of 127.0.0.1 with the settings the test asks for (e.g. `wal_level=logical`, which the
 * shared server does not have), stopped and removed afterwards. The binaries come from
 * `PG_BIN` or `/usr/lib/postgresql/15/bin`; without them starting fails, never skips. As root, the
 * cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnChild } from "./child-timeout.js";
import { freePort } from "./pgbouncer.js";

/** A running throwaway cluster. */
export interface ThrowawayCluster {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database?: string): string;
  stop(): Promise<void>;
}

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** Runs a PostgreSQL binary, as `postgres` when this process is root; throws with its output on failure. */
function run(binary: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const [command, argv] = root
    ? ["runuser", ["-u", "postgres", "--", join(BIN, binary), ...args]]
    : [join(BIN, binary), args];
  const result = spawnChild(command, argv, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(
      `${binary} ${args.join(" ")} failed (${result.status ?? result.error?.message}): ${result.stdout}${result.stderr}`,
    );
  }
}

/** Starts a cluster with `settings` (`name=value` pairs for `postgres -c`). */
export async function startThrowawayCluster(settings: Record<string, string>): Promise<ThrowawayCluster> {
  const dir = mkdtempSync(join(tmpdir(), "spector-cluster-"));
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const port = await freePort();
  const options = Object.entries({
    ...settings,
    port: String(port),
    listen_addresses: "127.0.0.1",
    unix_socket_directories: dir,
  })
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");
  try {
    run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
    run("pg_ctl", ["-D", data, "-l", join(dir, "log.txt"), "-o", options, "-w", "start"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The uid and gid of the `postgres` user, read with `id`. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnChild("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  return { uid: id("-u"), gid: id("-g") };
}
