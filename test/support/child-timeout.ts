/**
 * The processes the tests spawn (the CLI, drizzle-kit, tsx, tsc, npm pack and install): each must end
 * by itself. None has a time limit a loaded machine can trip; {@link CHILD_HANG_MS} only catches a
 * hang (a client left open, a prompt waiting for input), killing the process and failing the test with
 * a message that says so.
 */
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";

/** How long a child process may run before it is taken for hung and killed: 15 minutes. */
export const CHILD_HANG_MS = 15 * 60_000;

/**
 * `spawnSync` with {@link CHILD_HANG_MS} as its kill timeout: a child still running then is killed and
 * the call throws, naming the command and showing its output so far. Example:
 * `const run = spawnChild(process.execPath, ["-e", "1"], { encoding: "utf8" });`
 */
export function spawnChild(
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions & { encoding: BufferEncoding },
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { timeout: CHILD_HANG_MS, killSignal: "SIGKILL", ...options });
  const error = result.error as NodeJS.ErrnoException | undefined;
  if (error?.code === "ETIMEDOUT") {
    throw new Error(
      `\`${[command, ...args].join(" ")}\` was still running after ${CHILD_HANG_MS / 60_000} minutes, ` +
        `taken for hung and killed (this is a hang detector, not a time limit). Its output so far:\n` +
        `${String(result.stdout ?? "")}${String(result.stderr ?? "")}`,
    );
  }
  return result;
}
