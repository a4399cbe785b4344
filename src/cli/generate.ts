/**
 * `drizzle-spector generate`: drizzle-kit's migration, then one custom migration with the same-parent
 * rule for the link tables that lack it (or whose rule changed), and the removal of the rule's
 * functions for link tables that went away.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { is } from "drizzle-orm";
import { PgSchema } from "drizzle-orm/pg-core";
import { globSync } from "tinyglobby";
import { tsImport } from "tsx/esm/api";
import { getMeta, type LinkTableMeta, type SpectorMeta } from "../meta.js";
import { SpectorOptionError, claimNames, eventTableObjectNames, linkTableObjectNames } from "../options.js";
import { tableKey } from "../naming.js";
import { joinStatements, splitStatements } from "../sql/statements.js";
import { createRuleStatements, dropRuleStatements, ruleFingerprint } from "../sql/trigger-sql.js";
import { GenerateError } from "./errors.js";
import { readJournal, readRuleState, type JournalEntry } from "./migration-state.js";

export { GenerateError };

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** drizzle-kit config file. Default `drizzle.config.ts`. */
  readonly config?: string;
  /** Directory the command runs in (drizzle-kit resolves `schema` and `out` from it). Default: the current one. */
  readonly cwd?: string;
  /** Name of the custom migration. Default `spector_triggers`. */
  readonly name?: string;
  /** Where progress goes. Default: `console.log`. */
  readonly log?: (line: string) => void;
}

/** What {@link generate} did. */
export interface GenerateResult {
  /** The migration drizzle-kit wrote for the tables, if any. */
  readonly tablesMigration: string | undefined;
  /** The custom migration with the rule's SQL, if one was needed. */
  readonly triggerMigration: string | undefined;
  /** `schema.table` of each link table that got the rule (or got it again, changed). */
  readonly created: readonly string[];
  /** `schema.table` of each link table whose rule was removed. */
  readonly dropped: readonly string[];
}

interface KitConfig {
  dialect?: string;
  schema?: string | string[];
  out?: string;
  migrations?: { prefix?: string };
}

/** drizzle-kit's migration prefixes made of the current second. */
const TIME_PREFIXES = new Set(["timestamp", "supabase", "unix"]);

/**
 * Runs `drizzle-kit generate`, then writes the same-parent rule's migration. Run again with no schema
 * change, it writes nothing. Everything that can be checked before drizzle-kit runs is checked first
 * (the config, the schema files, exported PostgreSQL schemas, clashing names), so a refused run writes
 * nothing.
 *
 * @example
 * ```ts
 * const result = await generate({ config: "drizzle.config.ts" });
 * console.log(result.created); // ["public.event_ancestors", "public.event_links"]
 * ```
 * @throws {GenerateError} when the schema is unusable, or drizzle-kit fails or stops at an interactive question.
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const log = options.log ?? ((line: string) => console.log(line));
  const configFile = resolve(cwd, options.config ?? "drizzle.config.ts");
  if (!existsSync(configFile)) throw new GenerateError(`config file not found: ${configFile}`);
  const config = await loadConfig(configFile);
  const out = resolve(cwd, config.out ?? "drizzle");
  const exports = await loadExports(schemaFiles(cwd, config.schema!));
  const links = checkSchema(exports);

  const before = readJournal(out);
  const output = runKit(cwd, ["generate", "--config", configFile], "generate the tables' migration");
  const afterTables = readJournal(out);
  if (afterTables.length === before.length && !/No schema changes/.test(output)) {
    // drizzle-kit exits 0 when it stops at a question it cannot ask without a terminal, and on some
    // errors too: a run that wrote nothing without saying why is a failure
    throw new GenerateError(
      /Interactive prompts require a TTY/.test(output)
        ? "drizzle-kit stopped without writing a migration: it needs an answer to an interactive question, most " +
            "likely whether a table or column was renamed. Run `drizzle-kit generate` in a terminal to answer it, " +
            `then run \`drizzle-spector generate\` again.\n--- drizzle-kit said:\n${output}`
        : `drizzle-kit wrote no migration and did not say "No schema changes" (it exited 0):\n${output}`,
    );
  }
  const tablesMigration = afterTables.length > before.length ? afterTables.at(-1)!.tag : undefined;
  log(tablesMigration ? `drizzle-kit wrote ${tablesMigration}.sql` : "drizzle-kit: no table changes");
  checkSnapshot(out, afterTables, links);

  const state = readRuleState(out);
  const wanted = new Set(links.map(tableKey));
  const toCreate = links.filter((link) => {
    const rule = state.get(tableKey(link));
    return rule?.status !== "active" || rule.fingerprint !== ruleFingerprint(link);
  });
  const toDrop = [...state.keys()].filter((key) => !wanted.has(key));
  if (toCreate.length === 0 && toDrop.length === 0) {
    log("drizzle-spector: same-parent triggers are up to date");
    return { tablesMigration, triggerMigration: undefined, created: [], dropped: [] };
  }

  const drops = toDrop.flatMap((key) => {
    const [schema, name] = splitKey(key);
    return dropRuleStatements({ pgSchema: schema === "public" ? undefined : schema, name });
  });
  const created = toCreate.map(tableKey);
  const summary = `rule added: ${created.join(", ") || "none"}; removed: ${toDrop.join(", ") || "none"}`;
  if (tablesMigration && drops.length > 0) {
    // The functions must go before drizzle-kit drops anything they live in (a DROP SCHEMA without
    // CASCADE fails while they are there), so they lead the tables' migration.
    const file = join(out, `${tablesMigration}.sql`);
    writeFileSync(file, joinStatements([...drops, ...splitStatements(readFileSync(file, "utf8"))]));
    if (toCreate.length === 0) {
      log(`drizzle-spector added to ${tablesMigration}.sql (${summary})`);
      return { tablesMigration, triggerMigration: tablesMigration, created, dropped: toDrop };
    }
  }
  const statements = [...(tablesMigration ? [] : drops), ...toCreate.flatMap(createRuleStatements)];
  const name = options.name ?? "spector_triggers";
  if (tablesMigration && TIME_PREFIXES.has(config.migrations?.prefix ?? "index")) {
    // drizzle-kit names migrations (and their snapshots) by the second with these prefixes: a second
    // migration in the same second would overwrite the first one's snapshot
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
  }
  runKit(cwd, ["generate", "--custom", `--name=${name}`, "--config", configFile], "create the custom migration");
  const afterCustom = readJournal(out);
  if (afterCustom.length !== afterTables.length + 1) {
    throw new GenerateError(`drizzle-kit generate --custom did not add a migration to ${out}/meta/_journal.json`);
  }
  const tag = afterCustom.at(-1)!.tag;
  writeFileSync(join(out, `${tag}.sql`), joinStatements(statements));
  log(`drizzle-spector wrote ${tag}.sql (${summary})`);
  return { tablesMigration, triggerMigration: tag, created, dropped: toDrop };
}

function splitKey(key: string): [string, string] {
  const dot = key.indexOf(".");
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/** Imports a TypeScript or JavaScript file (through tsx), turning a failure into a {@link GenerateError}. */
async function importTs(file: string, what: string): Promise<Record<string, unknown>> {
  try {
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw new GenerateError(`could not load ${what} ${file}: ${(error as Error).message}`);
  }
}

async function loadConfig(file: string): Promise<KitConfig> {
  const module = await importTs(file, "the config file");
  let config = module.default as KitConfig | { default?: KitConfig } | undefined;
  if (config && typeof config === "object" && "default" in config) config = config.default;
  const kit = config as KitConfig | undefined;
  if (!kit || typeof kit !== "object")
    throw new GenerateError(`${file} has no default export with a drizzle-kit config`);
  if (kit.dialect !== "postgresql") {
    throw new GenerateError(`${file}: expected \`dialect\` to be "postgresql", got ${JSON.stringify(kit.dialect)}`);
  }
  if (
    typeof kit.schema !== "string" &&
    !(Array.isArray(kit.schema) && kit.schema.every((s) => typeof s === "string"))
  ) {
    throw new GenerateError(
      `${file}: expected \`schema\` to be a path or a list of paths, got ${JSON.stringify(kit.schema)}`,
    );
  }
  return kit;
}

/**
 * The schema files, found the way drizzle-kit finds them: each entry is a glob (relative to `cwd`,
 * not matching dot-files); a folder stands for the files directly in it (not in its subfolders).
 */
export function schemaFiles(cwd: string, schema: string | readonly string[]): string[] {
  const files = new Set<string>();
  for (const entry of typeof schema === "string" ? [schema] : schema) {
    for (const path of globSync(entry, { cwd, absolute: true, onlyFiles: false, expandDirectories: false })) {
      const candidates = lstatSync(path).isDirectory() ? readdirSync(path).map((file) => join(path, file)) : [path];
      for (const file of candidates) if (!lstatSync(file).isDirectory()) files.add(resolve(file));
    }
  }
  const sources = [...files].filter((file) => /\.(c|m)?(t|j)s$/.test(file) && !file.endsWith(".d.ts"));
  if (sources.length === 0)
    throw new GenerateError(`no schema files found for ${JSON.stringify(schema)} (from ${cwd})`);
  return sources.sort();
}

/**
 * Imports every schema file into one module graph (as drizzle-kit does), so that a table re-exported
 * by a barrel file is the same object as the original: one generated entry imports them all.
 */
async function loadExports(files: readonly string[]): Promise<unknown[]> {
  const dir = mkdtempSync(join(tmpdir(), "drizzle-spector-"));
  const entry = join(dir, "schema-entry.mjs");
  try {
    writeFileSync(
      entry,
      files.map((file, i) => `import * as s${i} from ${JSON.stringify(pathToFileURL(file).href)};\n`).join("") +
        `export default [${files.map((_, i) => `s${i}`).join(", ")}];\n`,
    );
    const modules = (await importTs(entry, "the schema files")).default as Record<string, unknown>[];
    return modules.flatMap((module) => Object.values(module));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Checks what drizzle-kit cannot: that every PostgreSQL schema of drizzle-spector's tables, and every
 * link table's events table, is exported (or drizzle-kit would not create it), and that no two tables
 * claim one name. Returns the constrained link tables.
 */
function checkSchema(exports: readonly unknown[]): LinkTableMeta[] {
  // one entry per table object: the same table exported under two names is one table
  const tables = new Map<unknown, SpectorMeta>();
  for (const value of exports) {
    const meta = getMeta(value);
    if (meta) tables.set(value, meta);
  }
  const exportedSchemas = new Set(
    exports.filter((value) => is(value, PgSchema)).map((value) => (value as PgSchema).schemaName),
  );
  const bySchema = new Map<string, SpectorMeta[]>();
  for (const meta of tables.values()) {
    const schema = meta.pgSchema ?? "public";
    if (meta.pgSchema !== undefined && !exportedSchemas.has(meta.pgSchema)) {
      throw new GenerateError(
        `table ${tableKey(meta)} is in PostgreSQL schema "${meta.pgSchema}", which no schema file exports, so ` +
          `drizzle-kit would not create it: add \`export const ${meta.pgSchema} = pgSchema("${meta.pgSchema}");\` ` +
          `(from drizzle-orm/pg-core) to a schema file`,
      );
    }
    bySchema.set(schema, [...(bySchema.get(schema) ?? []), meta]);
  }
  const exportedEvents = new Set([...tables.values()].filter((meta) => meta.kind === "events").map(tableKey));
  for (const meta of tables.values()) {
    if (meta.kind !== "link") continue;
    const events = tableKey({ pgSchema: meta.pgSchema, name: meta.events });
    if (!exportedEvents.has(events)) {
      throw new GenerateError(
        `link table ${tableKey(meta)} points at the events table ${events}, which no schema file exports, so ` +
          "drizzle-kit would not create it: export it by name",
      );
    }
  }
  for (const metas of bySchema.values()) {
    try {
      claimNames(
        metas.map((meta) => ({
          option: `the ${meta.kind === "events" ? "events" : "link"} table ${tableKey(meta)}`,
          value: meta.name,
          objects:
            meta.kind === "events" ? eventTableObjectNames(meta.name, meta.recordIndex) : linkTableObjectNames(meta),
        })),
      );
    } catch (error) {
      if (error instanceof SpectorOptionError)
        throw new GenerateError(`two tables of the schema clash: ${error.message}`);
      throw error;
    }
  }
  return [...tables.values()].filter((meta): meta is LinkTableMeta => meta.kind === "link" && meta.constrained);
}

/** Every constrained link table must be one drizzle-kit knows (in its newest snapshot). */
function checkSnapshot(out: string, journal: readonly JournalEntry[], links: readonly LinkTableMeta[]): void {
  const last = journal.at(-1);
  if (!last) return;
  // drizzle-kit names a snapshot after its migration's prefix (an index, a timestamp, ...)
  const file = join(out, "meta", `${last.tag.split("_")[0]}_snapshot.json`);
  if (!existsSync(file)) throw new GenerateError(`drizzle-kit's snapshot ${file} is missing`);
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as { tables?: Record<string, unknown> };
  const known = new Set(Object.keys(snapshot.tables ?? {}));
  const unknown = links.filter((link) => !known.has(tableKey(link)));
  if (unknown.length > 0) {
    throw new GenerateError(
      `drizzle-kit does not know the link table(s) ${unknown.map(tableKey).join(", ")}: export each table by ` +
        "name from a file the config's `schema` names (tables inside exported objects are not seen)",
    );
  }
}

/** Runs drizzle-kit without a terminal and returns what it printed; throws when it exits non-zero. */
function runKit(cwd: string, args: string[], purpose: string): string {
  let bin: string;
  try {
    bin = join(dirname(createRequire(join(cwd, "package.json")).resolve("drizzle-kit")), "bin.cjs");
  } catch {
    throw new GenerateError(
      `drizzle-kit is not installed in ${cwd}: install it with \`npm install --save-dev drizzle-kit\``,
    );
  }
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.error) throw new GenerateError(`could not run drizzle-kit to ${purpose}: ${run.error.message}`);
  if (run.status !== 0) throw new GenerateError(`drizzle-kit failed to ${purpose} (exit ${run.status}):\n${output}`);
  return output;
}
