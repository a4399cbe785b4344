/**
 * The TypeScript loader of the commands: config and schema files are loaded with tsx's `tsImport`,
 * the project's own or the one drizzle-kit (0.31.10 and later) depends on, so the command brings no
 * loader of its own. A file that fails to load is reported at the line of the user's code where it
 * failed; source maps are on while the schema loads, so that stacks name the user's TypeScript lines.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GenerateError } from "../errors.js";

/**
 * Runs `run` with Node.js's source maps on, so that the stacks the factories record while the schema
 * loads name the lines of the user's TypeScript (tsx writes inline source maps), then restores the setting.
 */
export async function withSourceMaps<T>(run: () => Promise<T>): Promise<T> {
  const before = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(true);
  try {
    return await run();
  } finally {
    process.setSourceMapsEnabled(before);
  }
}

export type TsImport = (specifier: string, parentURL: string) => Promise<unknown>;

/**
 * tsx's `tsImport` (its ES module build, tsx 4.8 and later): the project's own tsx, else the one
 * drizzle-kit depends on.
 */
export async function findTsImport(cwd: string): Promise<TsImport> {
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
export async function importFile(
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
export function userLocationIn(text: string, generated?: string): string | undefined {
  for (const [, place, line, column] of text.matchAll(LOCATION)) {
    const file = place!.startsWith("file://") ? fileURLToPath(place!) : place!;
    const foreign =
      file === generated || /[\\/]node_modules[\\/]/.test(file) || OWN_CODE.some((dir) => file.startsWith(dir));
    if (!foreign && existsSync(file)) return `${file}:${line}${column ? `:${column}` : ""}`;
  }
  return undefined;
}
