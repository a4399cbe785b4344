/**
 * `drizzle-spector push`: `drizzle-kit push`, then what it cannot write, installed in the same
 * database: the rules of the schema's tables (and the removal of rules no table asks for any more),
 * and the record of each `shards` list on its tables. For projects that push in development instead
 * of writing migrations with `generate`.
 *
 * @module
 */
import { GenerateError } from "../errors.js";
import { displayName } from "../naming/index.js";
import { quoteLiteral, quoteQualified } from "../sql/quote.js";
import { getMeta } from "../tables/meta.js";
import { RULES, createRuleStatements, dropRuleStatements, ruleTargets } from "../sql/rules.js";
import { describeList, shardListStatements, shardLists, type ShardList } from "../sql/shard-lists.js";
import { differenceLine, staleRule } from "../check/differences.js";
import { compareDatabase } from "../check/database.js";
import { compareRules } from "../check/rules.js";
import { connect, type Connection, type ConnectionConfig, type DriverName } from "./connect.js";
import { pushFailure, runDrizzleKit } from "./drizzle-kit.js";
import { loadProject } from "./project.js";
import { checkShardGrowth, recordedInDatabase } from "../check/shard-history.js";

/** Options of {@link push}. */
export interface PushOptions {
  /** drizzle-kit config file. Default `drizzle.config.ts`. */
  readonly config?: string;
  /** Directory the command runs in. Default: the current one. */
  readonly cwd?: string;
  /** Pass `--force` to drizzle-kit push: run statements that lose data without asking. */
  readonly force?: boolean;
  /** Where progress goes. Default: `console.log`. */
  readonly log?: (line: string) => void;
}

/** What {@link push} did. */
export interface PushResult {
  /** `schema.table` of each table whose rules were installed (or put back as this version writes them). */
  readonly installed: readonly string[];
  /** `schema.table` of each table whose stale rule objects were removed. */
  readonly removed: readonly string[];
  /** The `shards` lists recorded on their tables (new or grown ones). */
  readonly shards: readonly ShardList[];
  /** The driver it connected with. */
  readonly driver: DriverName;
  /** What it connected to (no password). */
  readonly target: string;
}

/**
 * Runs `drizzle-kit push` with the config, then, in one transaction on the database the config's
 * `dbCredentials` name (where drizzle-kit pushed; `DATABASE_URL` counts only through the config),
 * installs the rules of every table of the schema (`CREATE OR REPLACE`: a second run changes nothing),
 * drops the rules no table asks for any more, and records new or grown `shards` lists on their tables
 * (table comments). Then it compares the database with the schema as `check` does, and fails if
 * anything still differs.
 *
 * Before drizzle-kit runs, a table in a PostgreSQL schema that the config's `schemaFilter` (default
 * `["public"]`) leaves out is refused, naming the schema to add: drizzle-kit push would create nothing
 * there. And the schema's `shards` lists are held to what the database records: a shard
 * removed or moved, or `foreignShards` changed, is refused and nothing is pushed. And a `layout:
 * "citus"` events table already in the database is refused, with nothing pushed: drizzle-kit push
 * drops and adds its named primary key `(parent_id, id)` again on every run, which the link tables'
 * foreign keys depend on, so its `DROP CONSTRAINT` fails (`2BP01`). Such a project uses `generate` and
 * `migrate()` instead (the first push, which creates the tables, works).
 *
 * @example
 * ```ts
 * const result = await push({ config: "drizzle.config.ts" });
 * console.log(result.installed); // ["public.event_ancestors", "public.event_links"]
 * ```
 * @throws {GenerateError} when the project cannot be loaded, the database cannot be reached, a
 * `shards` list is refused, a Citus-layout table is there already, drizzle-kit fails or stops at an interactive question, or the rules cannot
 * be installed.
 */
export async function push(options: PushOptions = {}): Promise<PushResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { cwd, configFile, config, exports } = await loadProject(options);
  refuseFilteredSchemas(exports, config.schemaFilter, configFile);
  // drizzle-kit push connects with the config alone: so does this (`check` reads DATABASE_URL first)
  const open = () => connect(cwd, config as ConnectionConfig, {});
  const lists = shardLists(exports);
  let record: readonly ShardList[] = [];
  if (lists.length > 0) {
    const schemas = [...new Set(lists.map((list) => list.schema))];
    const before = await openIfThere(open);
    const { recorded, existing } = before
      ? await using(before, (connection) => recordedInDatabase(connection.query, schemas))
      : { recorded: [], existing: new Set<string>() };
    record = checkShardGrowth(recorded, existing, lists, "the database's table comments").record;
  }
  await refusePushedCitusTables(exports, open);

  const args = ["push", "--config", configFile, ...(options.force ? ["--force"] : [])];
  const output = runDrizzleKit(cwd, args, "push the schema");
  const failure = pushFailure(output, config.strict === true && !options.force);
  if (failure !== undefined) throw new GenerateError(failure);
  log(/No changes detected/.test(output) ? "drizzle-kit push: no table changes" : "drizzle-kit push: changes applied");

  return using(await open(), async (connection) => {
    const stale = (await compareRules(connection.query, exports)).differences
      .map(staleRule)
      .filter((found) => found !== undefined);
    const removed = [...new Map(stale.map((found) => [`${found.rule} ${found.table}`, found])).values()];
    const targets = ruleTargets(exports);
    const statements = [
      ...removed.flatMap(({ rule, table }) => dropRuleStatements(ruleOfKind(rule), splitTableKey(table))),
      ...targets.flatMap(createRuleStatements),
      ...record.flatMap(shardListStatements),
    ];
    try {
      await inTransaction(connection, statements);
    } catch (error) {
      throw new GenerateError(`could not install the rules in ${connection.target}: ${(error as Error).message}`);
    }
    const left = (await compareDatabase(connection.query, exports)).differences;
    if (left.length > 0) {
      throw new GenerateError(
        `the rules in ${connection.target} still differ from the schema after push:\n${left.map(differenceLine).join("\n")}`,
      );
    }
    const installed = [...new Set(targets.map((target) => target.table))];
    const tables = (list: readonly string[]) => list.join(", ") || "none";
    log(
      `drizzle-spector push: ${connection.target}, through ${connection.driver}: rules installed on ${tables(installed)}; ` +
        `removed from ${tables(removed.map((found) => found.table))}` +
        (record.length === 0 ? "" : `; shards recorded: ${record.map(describeList).join("; ")}`),
    );
    return {
      installed,
      removed: removed.map((found) => found.table),
      shards: record,
      driver: connection.driver,
      target: connection.target,
    };
  });
}

/**
 * Refuses a second push of a `layout: "citus"` schema: drizzle-kit push would drop and add again the
 * events table's named primary key `(parent_id, id)`, on which the link tables' foreign keys depend
 * (measured with drizzle-kit 0.31: `cannot drop constraint T_pkey ... because other objects depend on
 * it`, SQLSTATE 2BP01). Nothing is pushed.
 */
async function refusePushedCitusTables(
  exports: Readonly<Record<string, unknown>> | readonly unknown[],
  open: () => Promise<Connection>,
): Promise<void> {
  const citus = Object.values(exports)
    .map(getMeta)
    .filter((meta) => meta?.kind === "events" && meta.layout === "citus")
    .map((meta) => meta!);
  if (citus.length === 0) return;
  const connection = await openIfThere(open);
  if (connection === undefined) return;
  const there = await using(connection, async ({ query }) => {
    const found: string[] = [];
    for (const meta of citus) {
      const [row] = await query(
        `SELECT pg_catalog.to_regclass(${quoteLiteral(quoteQualified(meta.pgSchema, meta.name))}) IS NOT NULL AS there`,
        [],
      );
      if (row?.there === true || row?.there === "t") found.push(displayName(meta));
    }
    return found;
  });
  if (there.length === 0) return;
  throw new GenerateError(
    `push cannot update ${there.join(", ")} (layout: "citus"): drizzle-kit push drops and adds again the ` +
      `primary key (parent_id, id) of such a table on every run, and the link tables' foreign keys depend on it ` +
      `(DROP CONSTRAINT fails with 2BP01). Nothing was pushed. Write migrations with drizzle-spector generate and apply ` +
      `them with migrate() instead.`,
  );
}

/**
 * Refuses, before drizzle-kit runs, a schema whose drizzle-spector tables are in a PostgreSQL schema
 * the config's `schemaFilter` (default `["public"]`) leaves out: `drizzle-kit push` would create
 * nothing there and say nothing, and the rules would then fail to install, half applied.
 */
function refuseFilteredSchemas(
  exports: readonly unknown[],
  schemaFilter: string | readonly string[] | undefined,
  configFile: string,
): void {
  const filter =
    schemaFilter === undefined ? ["public"] : typeof schemaFilter === "string" ? [schemaFilter] : schemaFilter;
  const left = new Map<string, string[]>();
  for (const value of exports) {
    const meta = getMeta(value);
    if (meta === undefined) continue;
    const schema = meta.pgSchema ?? "public";
    if (!filter.includes(schema)) left.set(schema, [...(left.get(schema) ?? []), displayName(meta)]);
  }
  if (left.size === 0) return;
  const some = (tables: string[]) =>
    tables.length <= 3 ? tables.join(", ") : `${tables.slice(0, 3).join(", ")} and ${tables.length - 3} more tables`;
  const wanted = [...new Set([...filter, ...left.keys()])].map((schema) => JSON.stringify(schema)).join(", ");
  throw new GenerateError(
    `drizzle-kit push manages only the PostgreSQL schemas of the config's \`schemaFilter\` ` +
      `(${schemaFilter === undefined ? 'not set: ["public"]' : JSON.stringify(filter)}), and would create nothing in ` +
      [...left].map(([schema, tables]) => `"${schema}" (${some(tables.sort())})`).join(" and ") +
      `: add it to \`schemaFilter\` in ${configFile}, e.g. \`schemaFilter: [${wanted}]\`. Nothing was pushed`,
  );
}

/** The database, or `undefined` for a PGlite folder that does not exist yet (drizzle-kit push makes it). */
async function openIfThere(open: () => Promise<Connection>): Promise<Connection | undefined> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof GenerateError && error.message.startsWith("no PGlite database at ")) return undefined;
    throw error;
  }
}

/** Runs `work` on `connection`, then closes it. */
async function using<T>(connection: Connection, work: (connection: Connection) => Promise<T>): Promise<T> {
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

/** Runs `statements` in one transaction (the connection is one session, whatever the driver). */
async function inTransaction(connection: Connection, statements: readonly string[]): Promise<void> {
  if (statements.length === 0) return;
  await connection.query("BEGIN", []);
  try {
    for (const statement of statements) await connection.query(statement, []);
    await connection.query("COMMIT", []);
  } catch (error) {
    await connection.query("ROLLBACK", []).catch(() => {});
    throw error;
  }
}

function ruleOfKind(kind: string) {
  const rule = RULES.find((candidate) => candidate.kind === kind);
  if (rule === undefined) throw new GenerateError(`the database has objects of an unknown rule "${kind}"`);
  return rule;
}

/** `schema.table` back into its parts (`public` is the default schema). */
function splitTableKey(key: string): { pgSchema: string | undefined; name: string } {
  const dot = key.indexOf(".");
  const schema = key.slice(0, dot);
  return { pgSchema: schema === "public" ? undefined : schema, name: key.slice(dot + 1) };
}
