/**
 * The IPC harness of the benches that run Emmett in a child process (bench/state.ts with
 * bench/state-emmett.ts, bench/consumers.ts with bench/consumers-emmett.ts; bench/state-emmett.ts says
 * why a child): the parent's `startEmmett` and the child's `serveOps`, written once.
 *
 * The parent sends `{ id, op, args }` messages over the IPC channel and gets `{ id, ok, result }` or
 * `{ id, ok: false, error }` back; several requests may be in flight at once.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The ops a child serves: each takes one argument (or none) and resolves to what it sends back. */
export type ChildOps = Record<string, (args: never) => Promise<unknown>>;

/** The Emmett child process, one request at a time or several at once. */
export interface Emmett<Ops extends ChildOps> {
  call<K extends keyof Ops>(op: K, args: Parameters<Ops[K]>[0]): ReturnType<Ops[K]>;
  stop(): Promise<void>;
}

/**
 * Forks `script` (a bench module that calls {@link serveOps}) under tsx and returns the way to call
 * its ops.
 *
 * @example
 * ```ts
 * const emmett = startEmmett<EmmettOps>(new URL("./state-emmett.ts", import.meta.url));
 * await emmett.call("close", undefined);
 * await emmett.stop();
 * ```
 */
export function startEmmett<Ops extends ChildOps>(script: URL): Emmett<Ops> {
  const child: ChildProcess = fork(fileURLToPath(script), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 0;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on("message", (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const pending = waiting.get(message.id)!;
    waiting.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(`Emmett side: ${message.error}`));
  });
  child.on("exit", (code) => {
    for (const pending of waiting.values()) pending.reject(new Error(`the Emmett process exited (${code})`));
  });
  return {
    call: ((op: string, args: unknown) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        child.send({ id, op, args });
      })) as Emmett<Ops>["call"],
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await exited;
    },
  };
}

/**
 * The child side: answers each `{ id, op, args }` message from the parent with the result of
 * `ops[op](args)`, or with the error's stack.
 *
 * @example
 * ```ts
 * const ops = { async close() { return null; } };
 * export type EmmettOps = typeof ops;
 * serveOps(ops);
 * ```
 */
export function serveOps(ops: ChildOps): void {
  process.on("message", (message: { id: number; op: string; args: never }) => {
    const { id, op, args } = message;
    ops[op]!(args).then(
      (result) => process.send!({ id, ok: true, result }),
      (error: unknown) => process.send!({ id, ok: false, error: error instanceof Error ? error.stack : String(error) }),
    );
  });
}

/** What a child keeps per database: an Emmett event store and the node-postgres pool under it. */
interface StoreAndPool {
  readonly store: { close(): Promise<void> };
  readonly pool: { end(): Promise<void> };
}

/**
 * The child side's `close` op: closes each store of `stores` and ends its pool, then forgets them.
 *
 * @example
 * ```ts
 * const ops = { async close() { await closeStores(stores); return null; } };
 * ```
 */
export async function closeStores(stores: Map<string, StoreAndPool>): Promise<void> {
  for (const { store, pool } of stores.values()) {
    await store.close();
    await pool.end();
  }
  stores.clear();
}
