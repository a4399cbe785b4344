/**
 * A user's project as the commands see it: the drizzle-kit config, the schema files it names (found
 * and loaded the way drizzle-kit finds them), and the checks of what drizzle-kit cannot check itself.
 * Every command starts here.
 *
 * Config and schema files are TypeScript, loaded with tsx: the project's own, or the one drizzle-kit
 * (0.31.10 and later) depends on, so the command brings no loader of its own (`project-loader.ts`).
 * The schema files are found and loaded in `project-modules.ts`, and checked in `project-checks.ts`;
 * this file finds and loads the config, and puts the project together.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { GenerateError } from "../errors.js";
import { collectTables } from "./collect-tables.js";
import { checkExported, checkSchema } from "./project-checks.js";
import { findTsx, importFile, withSourceMaps, type TsImport } from "./project-loader.js";
import { loadExports, schemaFiles } from "./project-modules.js";

/** The parts of a drizzle-kit config the commands read. */
export interface KitConfig {
  readonly dialect?: string;
  readonly schema?: string | string[];
  readonly out?: string;
  readonly migrations?: { readonly prefix?: string };
  /** The PostgreSQL schemas `drizzle-kit push` manages (default `["public"]`): it creates nothing elsewhere. */
  readonly schemaFilter?: string | readonly string[];
  /** `drizzle-kit push` asks to approve every change (which it cannot without a terminal). */
  readonly strict?: boolean;
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
  const tsx = await findTsx(cwd);
  const config = await loadConfig(tsx.import, configFile);
  const { result: modules, tables } = await withSourceMaps(() =>
    collectTables(() => loadExports(tsx, schemaFiles(cwd, config.schema!))),
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
