/**
 * Waking a consumer: `LISTEN` on the log's channels where the driver keeps a connection that can
 * (postgres.js, node-postgres and its kin, PGlite), a timer elsewhere (HTTP drivers, or `listen: false`
 * behind a transaction-mode pooler, which does not carry notifications).
 *
 * @module
 */
import { quoteIdent } from "../sql/quote.js";

/** What wakes a consumer: a notification on one of its channels, or the poll interval. */
export interface Wakeup {
  /** Resolves at the next notification (at once if one came since the last wait), after `ms`, or on `signal`. */
  wait(ms: number, signal: AbortSignal | undefined): Promise<void>;
  /** Stops listening. */
  close(): Promise<void>;
  /** `"listen"` when notifications wake it, `"poll"` when only the timer does. */
  readonly mode: "listen" | "poll";
}

type Unlisten = () => Promise<void>;

/** postgres.js: `sql.listen` on a connection of its own. */
interface PostgresJsClient {
  listen(channel: string, fn: (payload: string) => void): Promise<{ unlisten(): Promise<void> }>;
  unsafe: unknown;
}

/** PGlite: `listen` returns the function that stops it. */
interface PGliteClient {
  listen(channel: string, fn: (payload: string) => void): Promise<Unlisten>;
  exec: unknown;
}

/** node-postgres (and `@neondatabase/serverless`' Pool and Client): a pooled client kept for `LISTEN`. */
interface PgClient {
  query(text: string): Promise<unknown>;
  on(event: "notification", fn: (message: { channel: string }) => void): unknown;
  removeListener(event: "notification", fn: (message: { channel: string }) => void): unknown;
  release?(destroy?: boolean): void;
}
interface PgPool {
  connect(): Promise<PgClient>;
  totalCount: unknown;
}

/**
 * Starts listening on `channels` through `client` (a Drizzle database's `$client`) when it can, and
 * returns the {@link Wakeup}; a timer alone when `listen` is `false` or the client cannot listen.
 */
export async function wakeup(client: unknown, channels: readonly string[], listen: boolean): Promise<Wakeup> {
  let pending = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    pending = true;
    wake?.();
  };
  const unlisten = listen ? await startListening(client, channels, notify) : undefined;
  return {
    mode: unlisten === undefined ? "poll" : "listen",
    wait(ms, signal) {
      if (pending || signal?.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          wake = undefined;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
        wake = done;
      });
    },
    close: async () => {
      wake?.();
      await unlisten?.();
    },
  };
}

/** Listens on each channel through whichever client `client` is; `undefined` when it cannot listen. */
async function startListening(
  client: unknown,
  channels: readonly string[],
  notify: () => void,
): Promise<Unlisten | undefined> {
  if (typeof client !== "object" && typeof client !== "function") return undefined;
  if (client === null) return undefined;
  const c = client as Record<string, unknown>;
  if (typeof c.listen === "function" && "unsafe" in c) {
    const requests = await Promise.all(channels.map((ch) => (client as PostgresJsClient).listen(ch, notify)));
    return async () => {
      await Promise.all(requests.map((r) => r.unlisten()));
    };
  }
  if (typeof c.listen === "function" && "exec" in c) {
    const stops = await Promise.all(channels.map((ch) => (client as PGliteClient).listen(ch, notify)));
    return async () => {
      await Promise.all(stops.map((stop) => stop()));
    };
  }
  if (typeof c.connect === "function" && "totalCount" in c)
    return listenPg(await (client as PgPool).connect(), channels, notify, true);
  if (typeof c.query === "function" && typeof c.on === "function")
    return listenPg(client as PgClient, channels, notify, false);
  return undefined;
}

/** `LISTEN` on a node-postgres client (one of a pool's, kept until the consumer stops, then released). */
async function listenPg(
  pg: PgClient,
  channels: readonly string[],
  notify: () => void,
  pooled: boolean,
): Promise<Unlisten> {
  const handler = (message: { channel: string }) => {
    if (channels.includes(message.channel)) notify();
  };
  pg.on("notification", handler);
  for (const channel of channels) await pg.query(`LISTEN ${quoteIdent(channel)}`);
  return async () => {
    pg.removeListener("notification", handler);
    try {
      for (const channel of channels) await pg.query(`UNLISTEN ${quoteIdent(channel)}`);
      if (pooled) pg.release?.();
    } catch {
      if (pooled) pg.release?.(true);
    }
  };
}
