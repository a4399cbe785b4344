/**
 * The package as a user gets it: `npm pack`'s tarball (not the source), checked by
 * `@arethetypeswrong/cli`, and installed into three fresh apps: an ES module and a CommonJS app with
 * the `tsconfig.json` `tsc --init` writes (`module: nodenext`), and one with `moduleResolution:
 * bundler`. Each app is made of the README's own file blocks (those that name their file in a first
 * comment line), so the README cannot drift from the API: each type-checks with TypeScript 5.9 and 7,
 * then runs the quick start as the README says, on PGlite: `drizzle-spector generate` (the packed
 * command), `drizzle-kit migrate`, `tsx src/app.ts` (which must exit by itself) and the rollback recipe;
 * the ES module app also runs it as written, on postgres.js, in a fresh database on the PostgreSQL of
 * `DATABASE_URL` when it is set (always in CI).
 *
 * The apps live under `.tmp/` in this repository: npm installs only the tarball and its dependencies
 * into each (`--legacy-peer-deps`), and drizzle-orm, drizzle-kit, PGlite, tsx and the type packages
 * resolve from this repository's node_modules, as an app's own would.
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backends } from "./support/backends.js";
import { createFreshDatabase, randomName } from "./support/fresh-database.js";
import { ROOT, steps } from "./support/scratch-project.js";

/** A README code block that names its file: `// src/app.ts`, or a variant: `// src/db/index.ts, on PGlite`. */
interface FileBlock {
  readonly file: string;
  readonly variant: string | undefined;
  readonly code: string;
}

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const BLOCKS: FileBlock[] = [...README.matchAll(/```ts\n\/\/ (\S+\.ts)(?:, (.+))?\n([\s\S]*?)```/g)].map((m) => ({
  file: m[1]!,
  variant: m[2],
  code: m[3]!,
}));

function block(file: string, variant?: string): FileBlock {
  const found = BLOCKS.find((b) => b.file === file && b.variant === variant);
  if (!found) throw new Error(`the README has no \`// ${file}${variant ? `, ${variant}` : ""}\` block`);
  return found;
}

const WORK = join(ROOT, ".tmp", randomName("consumers"));
const TSC = { "5.9": "node_modules/typescript/bin/tsc", "7": "node_modules/typescript7/bin/tsc" } as const;

/** A child process that must end by itself: one that hangs (a client left open) is killed and fails the test. */
function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 170_000,
    ...options,
  });
  const output = `$ ${[command, ...args].join(" ")}\n${String(result.stdout)}${String(result.stderr)}`;
  return { status: result.status, signal: result.signal, stdout: String(result.stdout), output };
}

/** Expects a run to have exited 0 by itself, showing its output when it did not. */
function expectSuccess(result: ReturnType<typeof run>) {
  expect({ status: result.status, signal: result.signal }, result.output).toEqual({ status: 0, signal: null });
}

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`expected ${JSON.stringify(from)} in:\n${text}`);
  return text.replace(from, to);
}

let tarball = "";
let packed: string[] = [];

beforeAll(() => {
  mkdirSync(WORK, { recursive: true });
  expectSuccess(run("npm", ["run", "build"], { cwd: ROOT }));
  const pack = run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", WORK], { cwd: ROOT });
  expectSuccess(pack);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(WORK, info!.filename);
  packed = info!.files.map((f) => f.path);
});

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe("the packed package", () => {
  test("ships the ES module and CommonJS builds, each with its types, the command and its source maps' sources", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/index.cjs",
        "dist/index.d.cts",
        "dist/cli/main.js",
        "src/index.ts",
      ]),
    );
    expect(packed.filter((file) => /(^|\/)(node_modules|test|\.tmp)\//.test(file))).toEqual([]);
  });

  test("has types that resolve the same way under node10, node16 (CommonJS and ES module) and bundler (attw)", () => {
    const attw = run(process.execPath, [join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js"), tarball], {
      cwd: WORK,
    });
    expectSuccess(attw);
    expect(attw.stdout).toContain("No problems found");
  });

  test("has source maps whose every source is a file the package ships", () => {
    const extracted = join(WORK, "extracted");
    mkdirSync(extracted, { recursive: true });
    expectSuccess(run("tar", ["-xzf", tarball, "-C", extracted]));
    const maps = packed.filter((file) => file.endsWith(".map"));
    expect(maps).toEqual(expect.arrayContaining(["dist/index.js.map", "dist/index.cjs.map", "dist/cli/main.js.map"]));
    const missing: string[] = [];
    let sources = 0;
    for (const map of maps) {
      const { sources: list, sourceRoot } = JSON.parse(readFileSync(join(extracted, "package", map), "utf8")) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const source of list) {
        sources++;
        const file = normalize(join(dirname(map), sourceRoot ?? "", source));
        if (!packed.includes(file.split("\\").join("/"))) missing.push(`${map}: ${source}`);
      }
    }
    expect(sources).toBeGreaterThan(maps.length);
    expect(missing).toEqual([]);
  });
});

/** The apps: how each differs from what `tsc --init` and the README give. */
const APPS = [
  {
    name: "an ES module app (module: nodenext)",
    dir: "esm",
    type: "module",
    tsconfig: (text: string) => text,
    entry: "import",
  },
  {
    name: "a CommonJS app (module: nodenext)",
    dir: "cjs",
    type: undefined,
    // as the README says: tsc --init's verbatimModuleSyntax refuses `import` in a CommonJS file
    tsconfig: (text: string) => replaceOnce(text, `"verbatimModuleSyntax": true`, `"verbatimModuleSyntax": false`),
    entry: "require",
  },
  {
    name: "an app with moduleResolution: bundler",
    dir: "bundler",
    type: "module",
    tsconfig: (text: string) =>
      replaceOnce(text, `"module": "nodenext",`, `"module": "preserve",\n    "moduleResolution": "bundler",`),
    entry: "import",
  },
] as const;

for (const app of APPS) {
  describe(`the README's quick start in ${app.name}, from the packed package`, () => {
    const dir = join(WORK, app.dir);
    const env = { ...process.env, DATABASE_URL: "./pgdata" };
    const step = steps();

    step("installs the tarball (with npm) into a fresh app made of the README's files", () => {
      mkdirSync(dir, { recursive: true });
      const manifest = {
        name: `consumer-${app.dir}`,
        private: true,
        ...(app.type ? { type: app.type } : {}),
        dependencies: { "drizzle-spector": `file:${relative(dir, tarball)}` },
      };
      writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      expectSuccess(run(process.execPath, [join(ROOT, TSC["5.9"]), "--init"], { cwd: dir }));
      const init = readFileSync(join(dir, "tsconfig.json"), "utf8");
      writeFileSync(join(dir, "tsconfig.json"), app.tsconfig(replaceOnce(init, `"types": []`, `"types": ["node"]`)));
      for (const { file, code } of BLOCKS.filter((b) => b.variant === undefined)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), code);
      }
      // the PGlite connection, beside the postgres.js one, so that both are type-checked
      writeFileSync(join(dir, "src/db/index.pglite.ts"), block("src/db/index.ts", "on PGlite").code);
      expectSuccess(
        run(
          "npm",
          ["install", "--prefer-offline", "--legacy-peer-deps", "--ignore-scripts", "--no-audit", "--no-fund"],
          { cwd: dir },
        ),
      );
      const installed = JSON.parse(readFileSync(join(dir, "node_modules/drizzle-spector/package.json"), "utf8"));
      expect(installed.name).toBe("drizzle-spector");
      expect(existsSync(join(dir, "node_modules/drizzle-spector/src/index.ts"))).toBe(true);
      expect(existsSync(join(dir, "node_modules/.bin/drizzle-spector"))).toBe(true);
    });

    for (const version of ["5.9", "7"] as const) {
      step(`type-checks with TypeScript ${version}`, () => {
        const tsc = run(process.execPath, [join(ROOT, TSC[version]), "-p", ".", "--noEmit"], { cwd: dir });
        expectSuccess(tsc);
        expect(tsc.stdout).toBe("");
      });
    }

    step(`gets the package's ${app.entry === "require" ? "CommonJS" : "ES module"} build, with its types`, () => {
      const list = run(process.execPath, [join(ROOT, TSC["5.9"]), "-p", ".", "--listFilesOnly"], { cwd: dir });
      expectSuccess(list);
      const own = list.stdout
        .split("\n")
        .filter((file) => file.includes("/node_modules/drizzle-spector/"))
        .map((file) => relative(join(dir, "node_modules/drizzle-spector"), file.trim()));
      expect(own).toEqual([app.entry === "require" ? "dist/index.d.cts" : "dist/index.d.ts"]);
      // and Node.js loads the build these types describe
      const resolve =
        app.entry === "require"
          ? ["-p", `require.resolve("drizzle-spector")`]
          : ["--input-type=module", "-e", `console.log(import.meta.resolve("drizzle-spector"))`];
      const loaded = run(process.execPath, resolve, { cwd: dir });
      expectSuccess(loaded);
      expect(loaded.stdout.trim()).toMatch(app.entry === "require" ? /\/dist\/index\.cjs$/ : /\/dist\/index\.js$/);
    });

    if (app.dir === "esm" && backends().includes("postgres")) {
      step("on PostgreSQL (DATABASE_URL, a fresh database): generate, migrate and src/app.ts as written", async () => {
        const database = await createFreshDatabase(process.env.DATABASE_URL!, "consumer");
        try {
          const pg = { ...process.env, DATABASE_URL: database.url };
          expectSuccess(run(join(dir, "node_modules/.bin/drizzle-spector"), ["generate"], { cwd: dir, env: pg }));
          expectSuccess(
            run(process.execPath, [join(ROOT, "node_modules/drizzle-kit/bin.cjs"), "migrate"], { cwd: dir, env: pg }),
          );
          const main = run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "src/app.ts"], {
            cwd: dir,
            env: pg,
          });
          expectSuccess(main);
          expect(main.stdout.trim().split("\n")).toEqual(["insert Hi", "update Hi!", "2 1 0 2"]);
        } finally {
          await database.drop();
        }
      });
    }

    step(`switches to PGlite as the README says (driver: "pglite", DATABASE_URL a data folder)`, () => {
      writeFileSync(join(dir, "src/db/index.ts"), block("src/db/index.ts", "on PGlite").code);
      const config = readFileSync(join(dir, "drizzle.config.ts"), "utf8");
      writeFileSync(
        join(dir, "drizzle.config.ts"),
        replaceOnce(config, `dialect: "postgresql",`, `dialect: "postgresql",\n  driver: "pglite",`),
      );
      const tsc = run(process.execPath, [join(ROOT, TSC["7"]), "-p", ".", "--noEmit"], { cwd: dir });
      expectSuccess(tsc);
    });

    step("npx drizzle-spector generate writes drizzle-kit's migration and the trigger migration", () => {
      expectSuccess(run(join(dir, "node_modules/.bin/drizzle-spector"), ["generate"], { cwd: dir, env }));
      const sql = readdirSync(join(dir, "drizzle")).filter((file) => file.endsWith(".sql"));
      expect(sql).toHaveLength(2);
      const text = sql.map((file) => readFileSync(join(dir, "drizzle", file), "utf8")).join("\n");
      expect(text).toContain(`CREATE TABLE "events"`);
      expect(text).toContain("enforce_same_parent_event_ancestors");
    });

    step("npx drizzle-kit migrate applies them", () => {
      expectSuccess(
        run(process.execPath, [join(ROOT, "node_modules/drizzle-kit/bin.cjs"), "migrate"], { cwd: dir, env }),
      );
    });

    step("npx tsx src/app.ts prints the record and exits by itself", () => {
      const app = run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "src/app.ts"], { cwd: dir, env });
      expectSuccess(app);
      expect(app.stdout.trim().split("\n")).toEqual(["insert Hi", "update Hi!", "2 1 0 2"]);
    });

    step("the rollback recipe (scripts/down.ts) writes rollback/0001_events.sql, creating its folder", () => {
      expect(existsSync(join(dir, "rollback"))).toBe(false);
      expectSuccess(
        run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/down.ts"], { cwd: dir }),
      );
      expect(readFileSync(join(dir, "rollback/0001_events.sql"), "utf8")).toContain(
        `DROP TABLE IF EXISTS "public"."event_ancestors";`,
      );
    });

    step("a stack trace through the package names files it ships (source maps)", () => {
      const code =
        app.entry === "require"
          ? `try { require("drizzle-spector").spectorTables({ table: "Bad" }) } catch (e) { console.log(e.stack) }`
          : `import("drizzle-spector").then((s) => s.spectorTables({ table: "Bad" })).catch((e) => console.log(e.stack))`;
      const trace = run(process.execPath, ["--enable-source-maps", "-e", code], { cwd: dir });
      expectSuccess(trace);
      const frames = [...trace.stdout.matchAll(/(\/[^\s():]*node_modules\/drizzle-spector\/[^\s():]+):\d+/g)].map(
        (m) => m[1]!,
      );
      expect(
        frames.some((file) => file.includes("/drizzle-spector/src/")),
        trace.output,
      ).toBe(true);
      expect(frames.filter((file) => !existsSync(file))).toEqual([]);
    });
  });
}
