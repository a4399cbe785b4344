/**
 * Keeping a consumer's process alive when the connection of its batch dies.
 *
 * @module
 */
import { sessionClient } from "../queries/driver.js";

/** An event emitter's listener methods, as node-postgres clients (and Neon's `Pool` clients) have them. */
interface Emitter {
  on(event: "error", listener: (error: unknown) => void): unknown;
  off(event: "error", listener: (error: unknown) => void): unknown;
}

/**
 * Listens for `error` on the client that runs transaction `tx`, when it is a node-postgres client
 * checked out of a pool (or Neon's, which copies it), and returns the function that stops listening.
 *
 * Why: a pool stops listening to a client while it is checked out, and a client whose backend dies
 * (terminated, a failover, `idle_in_transaction_session_timeout`) emits `error`: with nobody listening,
 * Node.js ends the process. With this listener the batch's statement in flight, or its next one, fails
 * instead, the batch rolls back, and `runOnce` rejects; the pool drops the dead client when it is
 * released. Other drivers (postgres.js, PGlite) report a dead connection through the statement alone:
 * there it does nothing.
 *
 * @example
 * ```ts
 * await db.transaction(async (tx) => {
 *   const stop = listenForDeath(tx);
 *   try {
 *     await work(tx);
 *   } finally {
 *     stop();
 *   }
 * });
 * ```
 */
export function listenForDeath(tx: unknown): () => void {
  const client = sessionClient(tx) as Partial<Emitter> | undefined;
  if (typeof client?.on !== "function" || typeof client.off !== "function") return () => {};
  const emitter = client as Emitter;
  // the error itself reaches the batch through the statement it fails
  const ignore = (): void => {};
  emitter.on("error", ignore);
  return () => emitter.off("error", ignore);
}
