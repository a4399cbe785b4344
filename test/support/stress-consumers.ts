/**
 * The consumers of the stress test: per log, two instances of consumer `<log>/a` and one of `<log>/b`,
 * each handler writing what it receives to `received` in the handler's transaction (the transaction
 * that moves the checkpoint), and now and then throwing after writing (the batch must come again, its
 * writes rolled back); and the check that each consumer name received every event once, in the
 * replay's order.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { consumer, type EventRow } from "../../src/index.js";
import { checkpoints, LOGS, logTable, type LogName } from "./stress-schema.js";
import { ROOT } from "./scratch-project.js";
import type { Database, Query } from "./stress-follow.js";

/** The table the handlers write to: what each consumer name received, in the order it handled it. */
export const RECEIVED_SQL = `CREATE TABLE received (consumer text NOT NULL, id uuid NOT NULL, seq bigserial PRIMARY KEY)`;

/** The consumer names of `log`: `<log>/a` (two instances) and `<log>/b` (one). */
export const consumerNames = (log: LogName) => [`${log}/a`, `${log}/b`] as const;

/** What a handler throws on purpose, after writing. */
export class Flake extends Error {
  constructor() {
    super("a handler's failure, on purpose");
  }
}

/** What the consumers did: batches handled and failed on purpose, per name. */
export interface ConsumerLog {
  batches: number;
  flakes: number;
}

/**
 * Consumer `name` of `log` on `db`: its handler writes each batch to `received` through `tx`, then
 * throws a {@link Flake} every `flakeEvery`-th call (never when left out); `batchSize` from 1 to 20
 * unless given.
 */
export function stressConsumer(
  db: Database,
  log: LogName,
  name: string,
  stats: ConsumerLog,
  options: { readonly batchSize?: number; readonly flakeEvery?: number; readonly pollInterval?: number } = {},
) {
  let calls = 0;
  return consumer(db, logTable(log), {
    name,
    checkpoints,
    batchSize: options.batchSize ?? 1 + Math.floor(Math.random() * 20),
    pollInterval: options.pollInterval ?? 200,
    handle: async (events: EventRow<ReturnType<typeof logTable>>[], tx) => {
      const ids = `{${events.map((e) => e.id).join(",")}}`;
      await tx.execute(
        sql`INSERT INTO received (consumer, id) SELECT ${name}, r.id FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS r(id, n) ORDER BY r.n`,
      );
      if (options.flakeEvery !== undefined && ++calls % options.flakeEvery === 0) {
        stats.flakes++;
        throw new Flake();
      }
      stats.batches++;
    },
  });
}

/** What consumer `name` received, in order. */
export async function receivedBy(query: Query, name: string): Promise<string[]> {
  const rows = await query<{ id: string }>(`SELECT id::text FROM received WHERE consumer = $1 ORDER BY seq`, [name]);
  return rows.map((r) => r.id);
}

/** Runs `runOnce` of each consumer of `log` until it handles nothing (once the log is numbered to its end). */
export async function drainConsumers(db: Database, log: LogName, stats: ConsumerLog): Promise<void> {
  for (const name of consumerNames(log)) {
    const c = stressConsumer(db, log, name, stats, { batchSize: 1000 });
    while ((await c.runOnce()) > 0);
  }
}

/** One running instance: its name, how its `run` ended, and how to stop it. */
interface Instance {
  readonly label: string;
  readonly ended: Promise<unknown>;
  readonly stop: () => void;
  readonly close: () => Promise<void>;
}

/**
 * Consumers on `url` following both logs: per log, `a1` (in a process of its own, for {@link kill}),
 * `a2` (both consumer `<log>/a`) and `b1` (`<log>/b`), the others in this process, each on its own
 * connections: `run` until stopped, run again after a {@link Flake}; any other failure ends the
 * instance (recorded in `deaths`).
 */
export class ConsumerFleet {
  readonly stats: ConsumerLog = { batches: 0, flakes: 0 };
  /** Failures that ended an instance of this process, other than being stopped: `label: message`. */
  readonly deaths: string[] = [];
  private readonly instances: Instance[] = [];
  private readonly processes = new Map<string, ChildProcess[]>();

  constructor(
    private readonly url: string,
    private readonly flakeEvery: number,
  ) {}

  /** Starts the fleet: resolves once the processes run. */
  async start(): Promise<void> {
    for (const log of LOGS) {
      const [a, b] = consumerNames(log);
      this.startHere(log, a, "a2");
      this.startHere(log, b, "b1");
    }
    await Promise.all(LOGS.map((log) => this.startProcess(log, consumerNames(log)[0], "a1")));
  }

  /** Starts instance `tag` of consumer `name` of `log` in this process. */
  startHere(log: LogName, name: string, tag: string): void {
    const label = `stress_${log}_${tag}`;
    const client = postgres(this.url, { max: 2, onnotice: () => undefined, connection: { application_name: label } });
    const c = stressConsumer(drizzle(client) as never, log, name, this.stats, { flakeEvery: this.flakeEvery });
    const stop = new AbortController();
    const ended = (async () => {
      while (!stop.signal.aborted) {
        try {
          await c.run({ signal: stop.signal });
        } catch (error) {
          if (error instanceof Flake) continue;
          this.deaths.push(`${label}: ${(error as Error).message}`);
          return;
        }
      }
    })();
    this.instances.push({ label, ended, stop: () => stop.abort(), close: () => client.end() });
  }

  /** Starts instance `tag` of consumer `name` of `log` in a process of its own; resolves once it runs. */
  private startProcess(log: LogName, name: string, tag: string): Promise<void> {
    const label = `stress_${log}_${tag}`;
    const script = join(ROOT, "test/support/stress-consumer-process.ts");
    const child = spawn(
      process.execPath,
      [join(ROOT, "node_modules/tsx/dist/cli.mjs"), script, this.url, log, name, label],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.processes.set(tag, [...(this.processes.get(tag) ?? []), child]);
    let output = "";
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    this.instances.push({ label, ended: exited, stop: () => child.kill("SIGKILL"), close: async () => undefined });
    return new Promise((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => {
        output += d.toString();
        if (output.includes("running")) resolve();
      });
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      child.once("exit", (code, signal) =>
        reject(new Error(`${label} exited (${code ?? signal}) before running: ${output}`)),
      );
    });
  }

  /** Kills the processes of instance `tag` (`SIGKILL`, mid-batch or not) and waits until they are gone. */
  async kill(tag: string): Promise<number> {
    const children = this.processes.get(tag) ?? [];
    const gone = children.map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once("exit", r))));
    for (const c of children) c.kill("SIGKILL");
    await Promise.all(gone);
    return children.length;
  }

  /** Stops every instance and closes its connections. */
  async stop(): Promise<void> {
    for (const i of this.instances) i.stop();
    await Promise.all(this.instances.map((i) => i.ended));
    await Promise.all(this.instances.map((i) => i.close()));
  }
}
