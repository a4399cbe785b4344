/**
 * `drizzle-spector verify`: Spector's hash chain of every hashed table of the schema (or of one),
 * verified in the database the project's config names, through the project's own driver.
 *
 * @module
 */
import { GenerateError } from "../errors.js";
import { COLUMNS, displayName } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";
import { chainPageSql, verifyPages, type ChainRow, type ChainVerification } from "../spector/verify.js";
import { getMeta, type EventTableMeta } from "../tables/meta.js";
import { shardFor } from "../tables/shards.js";
import { isUuid } from "../ids.js";
import { verifyRecords } from "../queries/verify-records.js";
import { connect, type CatalogQuery, type ConnectionConfig, type DriverName } from "./connect.js";
import { loadProject } from "./project.js";

/** Options of {@link verify}. */
export interface VerifyCommandOptions {
  /** drizzle-kit config file. Default `drizzle.config.ts`. */
  readonly config?: string;
  /** Directory the command runs in. Default: the current one. */
  readonly cwd?: string;
  /** The one table to verify (`name`, or `schema.name` outside `public`). Default: every hashed table. */
  readonly table?: string;
  /**
   * The one record to verify (its first event's id), in a table with record chains: the shard of a
   * `shards` list its id routes to. Without `table`, the schema's one log with record chains.
   */
  readonly record?: string;
  /** Where `DATABASE_URL` is read. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the report goes, one line per call. Default: `console.log`. */
  readonly log?: (line: string) => void;
  /** Where progress goes on a terminal (rewritten in place); `undefined` for none. Default: stderr when it is a terminal. */
  readonly progress?: { write(text: string): unknown } | undefined;
  /** Report as one JSON document instead of lines. */
  readonly json?: boolean;
}

/** One table's verification. */
export type TableVerification = ChainVerification & {
  readonly table: string;
  /** Events verified per second. */
  readonly eventsPerSecond: number;
};

/** What {@link verify} found. */
export interface VerifyCommandResult {
  /** Whether every chain verified. */
  readonly ok: boolean;
  readonly driver: DriverName;
  readonly target: string;
  readonly tables: readonly TableVerification[];
}

/**
 * Loads the project, picks its hashed tables (or the one named), connects to its database
 * (`DATABASE_URL`, else the config's `dbCredentials`) and verifies each table's chain as
 * `verifyChain` does. Prints one line per table and the first broken event readably (or, with `json`,
 * one JSON document); on a terminal it shows progress. The command exits 0 when every chain verifies
 * and 1 when one is broken; a `GenerateError` (bad config, an unknown table, no database) exits 2.
 *
 * @example
 * ```ts
 * const result = await verify({ config: "drizzle.config.ts" });
 * // drizzle-spector verify: public.events: 1204 events, the chain verifies (98000 events/s)
 * if (!result.ok) process.exitCode = 1;
 * ```
 * @throws {GenerateError} when the project, a table or the database cannot be used.
 */
export async function verify(options: VerifyCommandOptions = {}): Promise<VerifyCommandResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const progress = "progress" in options ? options.progress : process.stderr.isTTY ? process.stderr : undefined;
  const { cwd, config, exports } = await loadProject(options);
  const record = checkRecordId(options.record);
  const tables =
    record === undefined ? pickTables(exports, options.table) : [pickRecordTable(exports, options.table, record)];
  const connection = await connect(cwd, config as ConnectionConfig, options.env ?? process.env);
  const results: TableVerification[] = [];
  try {
    for (const meta of tables) {
      const name = displayName(meta);
      const started = performance.now();
      let result: ChainVerification;
      try {
        result = meta.recordChain
          ? await verifyRecordTable(connection.query, meta, record)
          : await verifyPages(meta, name, pageReader(connection.query, meta), {
              onProgress(count) {
                const seconds = (performance.now() - started) / 1000;
                progress?.write(`\r\x1b[Kverifying ${name}: ${count} events, ${rate(count, seconds)} events/s`);
              },
            });
      } catch (error) {
        throw new GenerateError(`could not read ${name} in ${connection.target}: ${(error as Error).message}`);
      } finally {
        progress?.write("\r\x1b[K");
      }
      const seconds = (performance.now() - started) / 1000;
      results.push({ ...result, table: name, eventsPerSecond: rate(result.count, seconds) });
      if (!result.ok) break; // the first broken chain is the answer; the others wait for it to be fixed
    }
  } finally {
    await connection.close();
  }
  const result: VerifyCommandResult = {
    ok: results.every((r) => r.ok),
    driver: connection.driver,
    target: connection.target,
    tables: results,
  };
  if (options.json) {
    log(JSON.stringify(result, null, 2));
    return result;
  }
  log(`drizzle-spector verify: ${result.target}, through ${result.driver}`);
  for (const table of results) for (const line of describe(table)) log(line);
  const skipped = tables.length - results.length;
  log(
    result.ok
      ? `drizzle-spector verify: ${plural(results.length, "chain")} verified`
      : `drizzle-spector verify: a chain is broken${skipped > 0 ? ` (${plural(skipped, "table")} not verified after it)` : ""}`,
  );
  return result;
}

/** The hashed tables to verify: the one named, or every one the schema exports. */
function pickTables(exports: readonly unknown[], wanted: string | undefined): EventTableMeta[] {
  const events = new Map<string, EventTableMeta>();
  for (const value of exports) {
    const meta = getMeta(value);
    if (meta?.kind === "events") events.set(displayName(meta), meta);
  }
  const hashed = [...events.values()].filter((meta) => meta.hashed);
  const names = hashed.map((meta) => displayName(meta)).join(", ") || "none";
  let picked = hashed;
  if (wanted !== undefined) {
    const meta = events.get(wanted) ?? events.get(wanted.replace(/^public\./, ""));
    if (meta === undefined)
      throw new GenerateError(`no events table ${wanted} in the schema (hashed tables: ${names})`);
    if (!meta.hashed)
      throw new GenerateError(`${wanted} is not hashed: it has no chain to verify (hashed tables: ${names})`);
    picked = [meta];
  }
  if (picked.length === 0) throw new GenerateError("the schema has no hashed events table: nothing to verify");
  const undeclared = picked
    .filter((meta) => !meta.recordChain && meta.schemaModules === undefined)
    .map((meta) => displayName(meta));
  if (undeclared.length > 0) {
    throw new GenerateError(
      `cannot verify ${undeclared.join(", ")}: declare \`schemaModules\` (e.g. { user: "MyApp.User" }), the Elixir ` +
        "module of each schema, which Spector's hash covers",
    );
  }
  return picked;
}

/** `--record`, checked: a UUID, in lowercase. */
function checkRecordId(record: string | undefined): string | undefined {
  if (record === undefined) return undefined;
  if (!isUuid(record)) throw new GenerateError(`--record ${record} is no UUID: give the id of a record's first event`);
  return record.toLowerCase();
}

/**
 * The table that holds `record`: the shard its id routes to, in the `shards` list of the table
 * `--table` names (any shard of the list), or without `--table`, of the schema's one log with record
 * chains (one table, or one `shards` list).
 */
function pickRecordTable(exports: readonly unknown[], wanted: string | undefined, record: string): EventTableMeta {
  const chained = new Map<string, EventTableMeta>();
  for (const value of exports) {
    const meta = getMeta(value);
    if (meta?.kind === "events" && meta.recordChain) chained.set(displayName(meta), meta);
  }
  let meta: EventTableMeta;
  if (wanted !== undefined) {
    const [picked] = pickTables(exports, wanted);
    if (!picked!.recordChain) {
      throw new GenerateError(
        `--record ${record} needs a table with record chains (hashed: "record"), and ${wanted} has Spector's chain, ` +
          `one per table (tables with record chains: ${[...chained.keys()].join(", ") || "none"})`,
      );
    }
    meta = picked!;
  } else {
    const logs = new Map<string, EventTableMeta>();
    for (const each of chained.values()) {
      logs.set(each.shard ? `${each.pgSchema ?? ""}:${each.shard.names.join(",")}` : displayName(each), each);
    }
    if (logs.size === 0)
      throw new GenerateError(`--record ${record}: the schema has no table with record chains (hashed: "record")`);
    if (logs.size > 1) {
      throw new GenerateError(
        `--record ${record} needs --table: the schema has ${logs.size} logs with record chains ` +
          `(${[...logs.values()].map(describeLog).join("; ")}); name the one that holds the record (any shard of a list will do)`,
      );
    }
    meta = [...logs.values()][0]!;
  }
  if (meta.shard === undefined) return meta;
  let home: string;
  try {
    home = shardFor(record, meta.shard.names, { foreignShards: meta.shard.foreign });
  } catch (error) {
    throw new GenerateError(`--record ${record}: ${(error as Error).message.replace(/^drizzle-spector: /, "")}`);
  }
  const routed = chained.get(displayName({ pgSchema: meta.pgSchema, name: home }));
  if (routed === undefined)
    throw new GenerateError(`--record ${record} routes to ${home}, which the schema does not export`);
  return routed;
}

/** A log with record chains, for messages: its table, or its `shards` list. */
function describeLog(meta: EventTableMeta): string {
  return meta.shard ? `shards ${meta.shard.names.join(", ")}` : displayName(meta);
}

/**
 * The record chains of one table (or one record), verified in the database in one read-only
 * `REPEATABLE READ` transaction, as `verifyChain` does.
 */
async function verifyRecordTable(
  query: CatalogQuery,
  meta: EventTableMeta,
  record: string | undefined,
): Promise<ChainVerification> {
  await query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", []);
  try {
    const result = await verifyRecords(query, meta, record);
    if (result === undefined) {
      const where = meta.shard ? `, the shard of its \`shards\` list its id routes to` : "";
      throw new GenerateError(
        `no record ${record} in ${displayName(meta)}${where}: give the id of a record's first event`,
      );
    }
    return result;
  } finally {
    await query("COMMIT", []);
  }
}

/** Reads a table's pages through the project's driver, with the text of `chainPageSql`. */
function pageReader(query: CatalogQuery, meta: EventTableMeta) {
  const q = quoteIdent;
  const table = quoteQualified(meta.pgSchema, meta.name);
  const columns = {
    id: q(COLUMNS.id),
    schema: q(COLUMNS.schema),
    action: q(COLUMNS.action),
    payload: q(COLUMNS.payload),
    hash: q(COLUMNS.hash),
    insertedAt: q(COLUMNS.insertedAt),
  };
  return async (after: { insertedAt: string; id: string } | undefined, limit: number): Promise<ChainRow[]> => {
    const rows = await query(
      chainPageSql(table, columns, after !== undefined, limit),
      after ? [after.insertedAt, after.id] : [],
    );
    return rows.map((row) => ({
      id: row.id as string,
      schema: Number(row.schema),
      action: Number(row.action),
      payload: row.payload as string | null,
      hash: row.hash as string | null,
      insertedAt: row.inserted_at as string,
    }));
  };
}

/** A table's result, as lines. */
function describe(table: TableVerification): string[] {
  if (table.ok)
    return [
      `${table.table}: ${plural(table.count, "event")}, the chain verifies (${table.eventsPerSecond} events/s)`,
      ...(table.redacted ?? []).map(
        (event) =>
          `  redacted: event ${event.eventId} of record ${event.parentId}, at ${event.redactedAt} (${event.reason})`,
      ),
    ];
  return [
    `${table.table}: the chain is broken at event ${table.eventId}, after ${plural(table.count, "event")} that verify`,
    ...(table.parentId === undefined ? [] : [`  record:   ${table.parentId}`]),
    `  reason:   ${REASONS[table.reason]}`,
    ...(table.head === undefined
      ? []
      : [
          `  head:     last event ${table.head.lastId}, ${plural(table.head.eventCount, "event")}`,
          `  events:   ${table.record === undefined ? "none" : `last event ${table.record.lastId}, ${plural(table.record.eventCount, "event")}`}`,
        ]),
    `  expected: ${table.expected ?? "(cannot be computed)"}`,
    `  stored:   ${table.actual ?? "NULL"}`,
  ];
}

const REASONS: Record<
  ChainVerification extends infer R ? (R extends { reason: infer W } ? W & string : never) : never,
  string
> = {
  mismatch:
    "mismatch: its hash differs from the one its row and the previous hash give (edited, removed, inserted or moved)",
  missing: "missing: its hash is NULL",
  "unknown-schema": "unknown-schema: its schema integer has no module in `schemaModules`",
  "unknown-action":
    "unknown-action: its action integer has no name in `actions` (spectorActions numbers them as Spector does)",
  unencodable: "unencodable: its payload holds a number Spector cannot decode",
  "head-mismatch":
    "head-mismatch: the record's head names another last event, count or hash than its events (events deleted from its end, or written around the chain)",
  deleted: "deleted: the record's head remains, but the record has no events (the whole record was deleted)",
  headless: "headless: the record's events have no head (written around the chain)",
  "anchor-mismatch": "anchor-mismatch: the record no longer holds the head anchored outside the database",
  "redaction-mismatch":
    "redaction-mismatch: the event has a redaction row, but still has a payload whose digest is not the one the row keeps",
};

const rate = (count: number, seconds: number) => (seconds > 0 ? Math.round(count / seconds) : count);
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
