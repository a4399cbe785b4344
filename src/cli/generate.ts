/**
 * `drizzle-spector generate`: drizzle-kit's migration, then one custom migration with the same-parent
 * rule for the link tables that lack it and the removal of the rule's functions for link tables
 * that went away.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import type { LinkTableMeta } from "../meta.js";
import { joinStatements } from "../sql/statements.js";
import { constrainedLinks, createRuleStatements, dropRuleStatements, linkKey } from "../sql/trigger-sql.js";
import { readJournal, readRuleState } from "./migration-state.js";

/** A failure of the command, printed without a stack trace. */
export class GenerateError extends Error {
  override name = "GenerateError";
}

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
  /** `schema.table` of each link table that got the rule. */
  readonly created: readonly string[];
  /** `schema.table` of each link table whose rule was removed. */
  readonly dropped: readonly string[];
}

interface KitConfig {
  dialect?: string;
  schema?: string | string[];
  out?: string;
}

/**
 * Runs `drizzle-kit generate`, then writes the same-parent rule's migration. Run again with no schema
 * change, it writes nothing.
 *
 * @example
 * ```ts
 * const result = await generate({ config: "drizzle.config.ts" });
 * console.log(result.created); // ["public.event_ancestors", "public.event_links"]
 * ```
 * @throws {GenerateError} when drizzle-kit fails or stops at an interactive question.
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const log = options.log ?? ((line: string) => console.log(line));
  const configFile = resolve(cwd, options.config ?? "drizzle.config.ts");
  if (!existsSync(configFile)) throw new GenerateError(`config file not found: ${configFile}`);
  const config = await loadConfig(configFile);
  const out = resolve(cwd, config.out ?? "drizzle");

  const before = readJournal(out).length;
  runKit(cwd, ["generate", "--config", configFile], "generate the tables' migration");
  const afterTables = readJournal(out);
  const tablesMigration = afterTables.length > before ? afterTables.at(-1)!.tag : undefined;
  log(tablesMigration ? `drizzle-kit wrote ${tablesMigration}.sql` : "drizzle-kit: no table changes");

  const links = await loadLinks(cwd, config.schema!);
  const state = readRuleState(out);
  const wanted = new Map(links.map((link) => [linkKey(link), link]));
  const toCreate: LinkTableMeta[] = links.filter((link) => state.get(linkKey(link)) !== "active");
  const toDrop = [...state.keys()].filter((key) => !wanted.has(key));
  if (toCreate.length === 0 && toDrop.length === 0) {
    log("drizzle-spector: same-parent triggers are up to date");
    return { tablesMigration, triggerMigration: undefined, created: [], dropped: [] };
  }

  const statements = [
    ...toDrop.flatMap((key) => {
      const [schema, name] = splitKey(key);
      return dropRuleStatements({ pgSchema: schema === "public" ? undefined : schema, name });
    }),
    ...toCreate.flatMap(createRuleStatements),
  ];
  const name = options.name ?? "spector_triggers";
  runKit(cwd, ["generate", "--custom", `--name=${name}`, "--config", configFile], "create the custom migration");
  const afterCustom = readJournal(out);
  if (afterCustom.length !== afterTables.length + 1) {
    throw new GenerateError(`drizzle-kit generate --custom did not add a migration to ${out}/meta/_journal.json`);
  }
  const tag = afterCustom.at(-1)!.tag;
  writeFileSync(join(out, `${tag}.sql`), joinStatements(statements));
  const created = toCreate.map(linkKey);
  log(`drizzle-spector wrote ${tag}.sql (rule added: ${created.join(", ") || "none"}; removed: ${toDrop.join(", ") || "none"})`);
  return { tablesMigration, triggerMigration: tag, created, dropped: toDrop };
}

function splitKey(key: string): [string, string] {
  const dot = key.indexOf(".");
  return [key.slice(0, dot), key.slice(dot + 1)];
}

async function importTs(file: string): Promise<Record<string, unknown>> {
  return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
}

async function loadConfig(file: string): Promise<KitConfig> {
  const module = await importTs(file);
  let config = module.default as KitConfig | { default?: KitConfig } | undefined;
  if (config && typeof config === "object" && "default" in config) config = config.default;
  const kit = config as KitConfig | undefined;
  if (!kit || typeof kit !== "object") throw new GenerateError(`${file} has no default export with a drizzle-kit config`);
  if (kit.dialect !== "postgresql") {
    throw new GenerateError(`${file}: expected \`dialect\` to be "postgresql", got ${JSON.stringify(kit.dialect)}`);
  }
  if (typeof kit.schema !== "string" && !Array.isArray(kit.schema)) {
    throw new GenerateError(`${file}: expected \`schema\` to be a path or a list of paths, got ${JSON.stringify(kit.schema)}`);
  }
  return kit;
}

/** Imports every schema file and returns the constrained link tables it exports. */
async function loadLinks(cwd: string, schema: string | string[]): Promise<LinkTableMeta[]> {
  const files = (Array.isArray(schema) ? schema : [schema]).flatMap((entry) => schemaFiles(resolve(cwd, entry), entry));
  const exports: unknown[] = [];
  for (const file of files) exports.push(...Object.values(await importTs(file)));
  return constrainedLinks(exports);
}

function schemaFiles(path: string, entry: string): string[] {
  if (/[*?{}[\]]/.test(entry)) {
    throw new GenerateError(`schema path ${JSON.stringify(entry)}: glob patterns are not supported by drizzle-spector; list files or folders`);
  }
  if (!existsSync(path)) throw new GenerateError(`schema path not found: ${path}`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((name) => /\.(c|m)?(t|j)s$/.test(name) && !name.endsWith(".d.ts"))
    .sort()
    .map((name) => join(path, name));
}

/**
 * Runs drizzle-kit without a terminal. drizzle-kit exits 0 even when it stopped at an interactive
 * question (e.g. "is this table renamed?") that it cannot ask without a TTY, so success is judged by
 * what it wrote, not only by its exit code: the caller checks the journal.
 */
function runKit(cwd: string, args: string[], purpose: string): void {
  const bin = join(dirname(createRequire(join(cwd, "package.json")).resolve("drizzle-kit")), "bin.cjs");
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.error) throw new GenerateError(`could not run drizzle-kit to ${purpose}: ${run.error.message}`);
  if (run.status !== 0) throw new GenerateError(`drizzle-kit failed to ${purpose} (exit ${run.status}):\n${output}`);
  if (/Interactive prompts require a TTY|Error:/.test(output)) {
    throw new GenerateError(
      `drizzle-kit stopped without writing a migration (to ${purpose}): it needs an answer to an interactive ` +
        `question, most likely whether a table or column was renamed. Run \`drizzle-kit generate\` in a terminal ` +
        `to answer it, then run \`drizzle-spector generate\` again.\n--- drizzle-kit said:\n${output}`,
    );
  }
}
