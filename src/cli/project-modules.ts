/**
 * The schema files of a project, found and loaded the way drizzle-kit finds and loads them: the files
 * the config's `schema` globs name, imported into one module graph, each read for its exports as
 * drizzle-kit (which `require`s them) sees them.
 *
 * @module
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { globSync } from "tinyglobby";
import { GenerateError } from "../errors.js";
import { importFile, type TsImport } from "./project-loader.js";

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

/** A schema file and its exports, by name, as drizzle-kit sees them. */
export interface SchemaModule {
  readonly file: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

/**
 * Imports every schema file into one module graph (as drizzle-kit does), so that a table re-exported
 * by a barrel file is the same object as the original: one generated entry imports them all.
 */
export async function loadExports(tsImport: TsImport, files: readonly string[]): Promise<SchemaModule[]> {
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
