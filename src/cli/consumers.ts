/**
 * `drizzle-spector consumers`: the status of every consumer in the schema's checkpoints tables.
 *
 * @module
 */
import { GenerateError } from "../errors.js";
import { resolveCheckpoints, type Checkpoints } from "../consumers/checkpoints.js";
import { statusOf, type ConsumerStatus } from "../consumers/consumer-status.js";
import { connect, type ConnectionConfig, type DriverName } from "./connect.js";
import { loadProject } from "./project.js";

/** The options of {@link consumers}. */
export interface ConsumersCommandOptions {
  /** drizzle-kit config file. Default `drizzle.config.ts`. */
  readonly config?: string;
  /** Directory the command runs in. Default: the current one. */
  readonly cwd?: string;
  /** Where `DATABASE_URL` is read. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the report goes, one line per call. Default: `console.log`. */
  readonly log?: (line: string) => void;
  /** Report as one JSON document instead of lines. */
  readonly json?: boolean;
}

/** What {@link consumers} found: each checkpoints table's consumers. */
export interface ConsumersCommandResult {
  readonly driver: DriverName;
  readonly target: string;
  readonly tables: readonly { readonly table: string; readonly consumers: readonly ConsumerStatus[] }[];
}

/**
 * Loads the project, finds its checkpoints tables (`consumerTable`), connects to its database
 * (`DATABASE_URL`, else the config's `dbCredentials`) and prints each consumer's cursor, lag and the
 * backends holding it (or, with `json`, one JSON document).
 *
 * @example
 * ```ts
 * await consumers({ config: "drizzle.config.ts" });
 * // drizzle-spector consumers: public.checkpoints: balances at p1:1204, 0 events behind (0 s)
 * ```
 * @throws {GenerateError} when the project has no checkpoints table or the database cannot be used.
 */
export async function consumers(options: ConsumersCommandOptions = {}): Promise<ConsumersCommandResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { cwd, config, exports } = await loadProject(options);
  const tables = checkpointsTables(exports);
  if (tables.length === 0) {
    throw new GenerateError(
      'the schema exports no checkpoints table: export one made by `consumerTable("checkpoints")`',
    );
  }
  const connection = await connect(cwd, config as ConnectionConfig, options.env ?? process.env);
  const found: { table: string; consumers: ConsumerStatus[] }[] = [];
  try {
    for (const cp of tables) {
      try {
        found.push({ table: cp.key, consumers: await statusOf(connection.query, cp) });
      } catch (error) {
        throw new GenerateError(`could not read ${cp.key} in ${connection.target}: ${(error as Error).message}`);
      }
    }
  } finally {
    await connection.close();
  }
  const result: ConsumersCommandResult = { driver: connection.driver, target: connection.target, tables: found };
  if (options.json) {
    log(JSON.stringify(result, null, 2));
    return result;
  }
  log(`drizzle-spector consumers: ${result.target}, through ${result.driver}`);
  for (const { table, consumers: list } of found) {
    if (list.length === 0) log(`${table}: no consumer has run yet`);
    for (const s of list) {
      log(`${table}: ${s.name} (${s.log}) at ${s.cursor}, ${s.lagEvents} events behind (${s.lagSeconds.toFixed(1)} s)`);
      for (const b of s.heldBy) {
        const age = b.transactionSeconds === null ? "" : `, transaction open ${b.transactionSeconds.toFixed(1)} s`;
        log(`  held by backend ${b.pid} (${b.lock} lock, ${b.state ?? "unknown state"}${age}): ${b.query ?? ""}`);
      }
    }
  }
  return result;
}

/** The checkpoints tables among a schema's exports (tables with `consumerTable`'s columns). */
function checkpointsTables(exports: readonly unknown[]): Checkpoints[] {
  const found = new Map<string, Checkpoints>();
  for (const value of exports) {
    try {
      const cp = resolveCheckpoints("checkpoints", value);
      found.set(cp.key, cp);
    } catch {
      // not a checkpoints table
    }
  }
  return [...found.values()];
}
