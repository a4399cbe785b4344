/**
 * A user's project as the commands see it: the drizzle-kit config, the schema files it names (found
 * and loaded the way drizzle-kit finds them), and the checks of what drizzle-kit cannot check itself.
 * Every command starts here.
 *
 * Config and schema files are TypeScript, loaded with tsx: the project's own, or the one drizzle-kit
 * (0.31.10 and later) depends on, so the command brings no loader of its own.
 *
 * @module
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { is } from "drizzle-orm";
import { PgSchema } from "drizzle-orm/pg-core";
import { globSync } from "tinyglobby";
import { GenerateError, SpectorOptionError } from "../errors.js";
import { tableKey, tableNames } from "../naming.js";
import { collectTables, getMeta, type BuiltTable, type SpectorMeta } from "../tables/meta.js";
import { claimNames } from "../tables/plan.js";

/** The parts of a drizzle-kit config the commands read. */
export interface KitConfig {
  readonly dialect?: string;
  readonly schema?: string | string[];
  readonly out?: string;
  readonly migrations?: { readonly prefix?: string };
}

/** A loaded, checked project. */
export interface Project {
  /** The directory the command runs in (drizzle-kit resolves `schema` and `out` from it). */
  readonly cwd: string;
  readonly configFile: string;
  readonly config: KitConfig;
  /** The migrations folder (`out`, default `drizzle`). */
  readonly out: string;
  /** Every value the schema files export (a table exported twice, e.g. through a barrel, is one object). */
  readonly exports: readonly unknown[];
}

/**
 * Loads the config (default: the first of {@link CONFIG_FILES} in `cwd`) and the schema files, and
 * checks the schema: every table the schema files make, every PostgreSQL schema of drizzle-spector's
 * tables and every link table's events table must be exported (or drizzle-kit would not create it),
 * and no two tables may claim one name.
 *
 * @example
 * ```ts
 * const { out, exports } = await loadProject({ config: "drizzle.config.ts" });
 * ```
 * @throws {GenerateError} when the config or a schema file cannot be loaded, or the schema is refused.
 */
export async function loadProject(options: { readonly cwd?: string; readonly config?: string }): Promise<Project> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const configFile = options.config === undefined ? findConfig(cwd) : resolve(cwd, options.config);
  if (!existsSync(configFile)) throw new GenerateError(`config file not found: ${configFile}`);
  const tsImport = await findTsImport(cwd);
  const config = await loadConfig(tsImport, configFile);
  const { result: modules, tables } = await withSourceMaps(() =>
    collectTables(() => loadExports(tsImport, schemaFiles(cwd, config.schema!))),
  );
  const exports = modules.flatMap((module) => Object.values(module.exports));
  checkSchema(exports, tables);
  checkExported(tables, modules, cwd);
  return { cwd, configFile, config, out: resolve(cwd, config.out ?? "drizzle"), exports };
}

/** The config files looked for without `--config`, in this order: drizzle-kit's names, in every module flavour. */
export const CONFIG_FILES: readonly string[] = ["ts", "mts", "cts", "js", "mjs", "cjs"].map(
  (extension) => `drizzle.config.${extension}`,
);

/**
 * The config file of a project run without `--config`: the first of {@link CONFIG_FILES} in `cwd`.
 *
 * @example
 * ```ts
 * findConfig(process.cwd()); // "/app/drizzle.config.mts" when that is the one there
 * ```
 * @throws {GenerateError} when there is none.
 */
export function findConfig(cwd: string): string {
  const found = CONFIG_FILES.map((file) => join(cwd, file)).find((file) => existsSync(file));
  if (found === undefined) {
    throw new GenerateError(
      `no drizzle-kit config in ${cwd}: expected one of ${CONFIG_FILES.join(", ")}, or \`--config FILE\``,
    );
  }
  return found;
}

/**
 * Runs `run` with Node.js's source maps on, so that the stacks the factories record while the schema
 * loads name the lines of the user's TypeScript (tsx writes inline source maps), then restores the setting.
 */
async function withSourceMaps<T>(run: () => Promise<T>): Promise<T> {
  const before = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(true);
  try {
    return await run();
  } finally {
    process.setSourceMapsEnabled(before);
  }
}

async function loadConfig(tsImport: TsImport, file: string): Promise<KitConfig> {
  const module = await importFile(tsImport, file, "the config file");
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
function schemaFiles(cwd: string, schema: string | readonly string[]): string[] {
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

/** A schema file and its exports, by name, as drizzle-kit sees them. */
interface SchemaModule {
  readonly file: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

/**
 * Imports every schema file into one module graph (as drizzle-kit does), so that a table re-exported
 * by a barrel file is the same object as the original: one generated entry imports them all.
 */
async function loadExports(tsImport: TsImport, files: readonly string[]): Promise<SchemaModule[]> {
  const dir = mkdtempSync(join(tmpdir(), "drizzle-spector-"));
  const entry = join(dir, "schema-entry.mjs");
  try {
    writeFileSync(
      entry,
      files.map((file, i) => `import * as s${i} from ${JSON.stringify(pathToFileURL(file).href)};\n`).join("") +
        `export default [${files.map((_, i) => `s${i}`).join(", ")}];\n`,
    );
    const modules = (await importFile(tsImport, entry, "the schema files", files)).default as Record<string, unknown>[];
    return modules.map((module, i) => ({ file: files[i]!, exports: exportsOf(module, isCommonJs(files[i]!)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A module's exports as drizzle-kit sees them (it `require`s schema files): a CommonJS module by its
 * `module.exports`, which an import gives as `default`; an ES module by its exports (`default` too).
 */
function exportsOf(namespace: Record<string, unknown>, commonJs: boolean): Record<string, unknown> {
  const main = namespace.default;
  return commonJs && typeof main === "object" && main !== null ? (main as Record<string, unknown>) : namespace;
}

/**
 * Whether Node.js (and tsx) load `file` as CommonJS: `.cjs` / `.cts`, or `.js` / `.ts` in a package
 * whose nearest package.json does not say `"type": "module"`.
 */
function isCommonJs(file: string): boolean {
  if (/\.c[jt]s$/.test(file)) return true;
  if (/\.m[jt]s$/.test(file)) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: string }).type !== "module";
      } catch {
        return true; // Node.js refuses such a package.json; the import fails with its own message
      }
    }
    if (dirname(dir) === dir) return true;
  }
}

type TsImport = (specifier: string, parentURL: string) => Promise<unknown>;

/**
 * tsx's `tsImport` (its ES module build, tsx 4.8 and later): the project's own tsx, else the one
 * drizzle-kit depends on.
 */
async function findTsImport(cwd: string): Promise<TsImport> {
  const fromProject = createRequire(join(cwd, "package.json"));
  const places = [() => fromProject, () => createRequire(fromProject.resolve("drizzle-kit"))];
  for (const place of places) {
    let manifest: string;
    try {
      manifest = place().resolve("tsx/package.json");
    } catch {
      continue; // not there: try the next place
    }
    const { exports } = JSON.parse(readFileSync(manifest, "utf8")) as TsxManifest;
    const api = exports?.["./esm/api"]?.import?.default;
    if (typeof api !== "string") continue; // a tsx before 4.8: try the next place
    const { tsImport } = (await import(pathToFileURL(join(dirname(manifest), api)).href)) as { tsImport?: TsImport };
    if (typeof tsImport === "function") return tsImport;
  }
  throw new GenerateError(
    `cannot load TypeScript files: drizzle-spector loads them with tsx (4.8 or later), which drizzle-kit 0.31.10 and ` +
      `later depend on, and found neither in ${cwd}. Install drizzle-kit (\`npm install --save-dev drizzle-kit\`), ` +
      "or with an older drizzle-kit, tsx (`npm install --save-dev tsx`)",
  );
}

/** The part of tsx's package.json that says where its ES module API is. */
interface TsxManifest {
  readonly exports?: { readonly "./esm/api"?: { readonly import?: { readonly default?: string } } };
}

/**
 * Imports a TypeScript or JavaScript file, turning a failure into a `GenerateError` that names the
 * user's file and line where it failed (a syntax error, a throw at the top of a module), not the
 * generated module that imports the schema files (`files` are those the user's config names).
 */
async function importFile(
  tsImport: TsImport,
  file: string,
  what: string,
  files: readonly string[] = [file],
): Promise<Record<string, unknown>> {
  try {
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = userLocation(error, file);
    const where = at ?? (files.length === 1 ? files[0]! : `(${files.join(", ")})`);
    throw new GenerateError(`could not load ${what}: ${where}: ${message}`);
  }
}

/** drizzle-spector's own source (`src/`, `dist/`): a failure inside it is reported where the user's file called it. */
const OWN_CODE = ["src", "dist"].map((dir) => fileURLToPath(new URL(`../../${dir}/`, import.meta.url)));

/** `file:line:column` as error messages and stack frames give them, in a path or a file URL. */
const LOCATION = /(file:\/\/[^\s:()'"]+|(?:\/|[A-Za-z]:[\\/])[^\s:()'"]+):(\d+)(?::(\d+))?/g;

/**
 * The first `file:line:column` of the error's message, then of its stack, that is in the user's
 * code: not in node_modules (tsx, drizzle-orm), drizzle-spector or Node.js itself, nor `generated`.
 */
function userLocation(error: unknown, generated: string): string | undefined {
  return userLocationIn(error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : "", generated);
}

/** The first `file:line:column` of `text` (a message, a stack) that is in the user's code (see {@link userLocation}). */
function userLocationIn(text: string, generated?: string): string | undefined {
  for (const [, place, line, column] of text.matchAll(LOCATION)) {
    const file = place!.startsWith("file://") ? fileURLToPath(place!) : place!;
    const foreign =
      file === generated || /[\\/]node_modules[\\/]/.test(file) || OWN_CODE.some((dir) => file.startsWith(dir));
    if (!foreign && existsSync(file)) return `${file}:${line}${column ? `:${column}` : ""}`;
  }
  return undefined;
}

/**
 * Two table objects of one name (two factory calls, say `eventTable("events")` in one file and
 * `spectorTables({ table: "events" })` in another) are refused, naming where each was made: they
 * would be two `CREATE TABLE`s of one table.
 */
function checkOneTablePerName(tables: ReadonlyMap<unknown, SpectorMeta>, built: readonly BuiltTable[]): void {
  const seen = new Map<string, unknown>();
  const describe = (table: unknown) => {
    const meta = tables.get(table)!;
    const stack = built.find((entry) => entry.table === table)?.stack;
    const made = stack === undefined ? undefined : userLocationIn(stack);
    return `${meta.kind === "events" ? "an events" : `a ${meta.kind}`} table${made ? ` made at ${made}` : ""}`;
  };
  for (const [table, meta] of tables) {
    const key = tableKey(meta);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new GenerateError(
        `two different tables are named ${key}: ${describe(earlier)}, and ${describe(table)}. Two factory ` +
          "calls made a table of one name, which would be two CREATE TABLEs: make each table once, and import it " +
          "where it is needed",
      );
    }
    seen.set(key, table);
  }
}

/**
 * Checks that every table the schema files made (`built`, from the factories' registry) is exported
 * by name from a schema file: drizzle-kit reads only the top-level named exports that are tables, so
 * a table inside an exported object (`export const tables = spectorTables(...)`), or one left out of a
 * destructuring, would silently not be created, nor get its rule.
 */
function checkExported(built: readonly BuiltTable[], modules: readonly SchemaModule[], cwd: string): void {
  const exported = new Set(modules.flatMap((module) => Object.values(module.exports)));
  const missing = built.filter(({ table }) => !exported.has(table) && getMeta(table) !== undefined);
  if (missing.length === 0) return;
  const lines = missing.map(({ table, stack }) => {
    const meta = getMeta(table)!;
    const made = userLocationIn(stack ?? "");
    const what = `${meta.kind} table ${tableKey(meta)}${made ? ` (made at ${made})` : ""}`;
    const holder = modules
      .flatMap((module) => Object.entries(module.exports).map(([name, value]) => ({ module, name, value })))
      .find(({ value }) => isPlainContainer(value) && Object.values(value).includes(table));
    return holder
      ? `- ${what} is inside the export \`${holder.name}\` of ${relative(cwd, holder.module.file)}, an object ` +
          `drizzle-kit does not look into: destructure it, \`export const { ${meta.name}, ... } = ...\``
      : meta.kind === "heads"
        ? `- ${what}, the heads of the record chain of ${meta.events}, is not exported: add \`${meta.name}\` to the ` +
          `\`export const { ... } = spectorTables(...)\`, or \`export const ${meta.name} = chainHeadTable(${meta.events});\``
        : `- ${what} is not exported: export it by name, e.g. add \`${meta.name}\` to the \`export const { ... } = ...\``;
  });
  throw new GenerateError(
    `drizzle-kit would not see ${missing.length === 1 ? "a table" : `${missing.length} tables`} the schema files ` +
      `make, and would create no table for ${missing.length === 1 ? "it" : "them"} (it reads only tables exported ` +
      `by name from a schema file):\n${lines.join("\n")}\nNothing was written`,
  );
}

/** A plain object or an array: what a factory's result is put in (a Drizzle table or schema is not one). */
function isPlainContainer(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

/**
 * Checks what drizzle-kit cannot: that every PostgreSQL schema of drizzle-spector's tables, and every
 * link table's events table, is exported (or drizzle-kit would not create it), and that no two tables
 * claim one name.
 */
function checkSchema(exports: readonly unknown[], built: readonly BuiltTable[]): void {
  // one entry per table object: the same table exported under two names is one table
  const tables = new Map<unknown, SpectorMeta>();
  for (const value of exports) {
    const meta = getMeta(value);
    if (meta) tables.set(value, meta);
  }
  checkOneTablePerName(tables, built);
  const exportedSchemas = new Set(
    exports.filter((value) => is(value, PgSchema)).map((value) => (value as PgSchema).schemaName),
  );
  const bySchema = new Map<string, SpectorMeta[]>();
  for (const meta of tables.values()) {
    if (meta.pgSchema !== undefined && !exportedSchemas.has(meta.pgSchema)) {
      throw new GenerateError(
        `table ${tableKey(meta)} is in PostgreSQL schema "${meta.pgSchema}", which no schema file exports, so ` +
          `drizzle-kit would not create it: add \`export const ${meta.pgSchema} = pgSchema("${meta.pgSchema}");\` ` +
          `(from drizzle-orm/pg-core) to a schema file`,
      );
    }
    const schema = meta.pgSchema ?? "public";
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
          option: `the ${meta.kind} table ${tableKey(meta)}`,
          value: meta.name,
          names: tableNames(meta),
        })),
      );
    } catch (error) {
      if (error instanceof SpectorOptionError)
        throw new GenerateError(`two tables of the schema clash: ${error.message}`);
      throw error;
    }
  }
}
