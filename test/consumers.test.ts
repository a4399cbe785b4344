/**
 * The package as a user gets it: `npm pack`'s tarball (not the source), checked by
 * `@arethetypeswrong/cli`, and installed into three fresh apps made by the README's set-up commands
 * (`npm init -y`, `npm pkg set type=module`, `npx tsc --init ...`): an ES module and a CommonJS app
 * (`module: nodenext`), and one with `moduleResolution: bundler`. Each app is made of the code blocks
 * of the README and docs/*.md that name their file in a first comment line, so the documentation
 * cannot drift from the API: each app type-checks with TypeScript 5.9 and 7, then runs the README's
 * quick start as the README says, on PGlite: `drizzle-spector generate` (the packed command),
 * `drizzle-kit migrate`, `tsx src/app.ts` (which must exit by itself, printing what the README says
 * it prints) and the rollback recipe of docs/recipes.md, applied to the quick start's database; the
 * ES module app also runs it as written, on postgres.js, in a fresh database on the PostgreSQL of
 * `DATABASE_URL` when it is set (always in CI).
 *
 * The apps live under `.tmp/` in this repository: npm installs only the tarball and its dependencies
 * into each (`--legacy-peer-deps`), and drizzle-orm, drizzle-kit, PGlite, tsx and the type packages
 * resolve from this repository's node_modules, as an app's own would.
 */
import { PGlite } from "@electric-sql/pglite";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backends } from "./support/backends.js";
import { expectSuccess, npx, replaceOnce, run, TSC, TOOLS, words } from "./support/consumer-run.js";
import { docs, fileBlock, fileBlocks, quickStartOutput, setupCommands } from "./support/doc-blocks.js";
import { createFreshDatabase, randomName } from "./support/fresh-database.js";
import { ROOT, steps } from "./support/scratch-project.js";

const WORK = join(ROOT, ".tmp", randomName("consumers"));
const OUTPUT = quickStartOutput();

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
  test("ships the ES module and CommonJS builds, each with its types, the command, its source maps' sources and docs/", () => {
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
    // the README links to docs/, so the package ships it
    const documents = docs().map((doc) => doc.path);
    expect(documents.filter((path) => !packed.includes(path))).toEqual([]);
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

/**
 * The apps: how each is made. The ES module app runs the README's set-up commands as they are; the
 * others leave out `npm pkg set type=module` (the CommonJS app) or run the README's own variant of
 * `npx tsc --init`.
 */
const APPS = [
  { name: "an ES module app (module: nodenext)", dir: "esm", module: true, tsconfig: undefined, entry: "import" },
  {
    name: "a CommonJS app (module: nodenext)",
    dir: "cjs",
    module: false,
    tsconfig: "npx tsc --init --types node --verbatimModuleSyntax false",
    entry: "require",
  },
  {
    name: "an app with moduleResolution: bundler",
    dir: "bundler",
    module: true,
    tsconfig: "npx tsc --init --types node --module preserve --moduleResolution bundler",
    entry: "import",
  },
] as const;

/** Where a variant block goes beside its file: `src/db/index.ts, on PGlite` as `src/db/index.on-pglite.ts`. */
const variantFile = (file: string, variant: string) =>
  file.replace(/\.ts$/, `.${variant.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.ts`);

/** The packages the README installs besides drizzle-spector: this repository's node_modules has them. */
function checkInstalled(packages: readonly string[]) {
  const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: object };
  expect(packages).toContain("drizzle-spector");
  expect(packages.filter((name) => name !== "drizzle-spector" && !(name in own.devDependencies))).toEqual([]);
}

for (const app of APPS) {
  describe(`the README's quick start in ${app.name}, from the packed package`, () => {
    const dir = join(WORK, app.dir);
    const env = { ...process.env, DATABASE_URL: "./pgdata" };
    const step = steps();

    step("is made by the README's set-up commands, with the tarball, and of the documents' files", () => {
      const [first, ...rest] = setupCommands();
      const [mkdir, cd, ...inApp] = first!.split("&&").map((command) => command.trim());
      expect([mkdir, cd]).toEqual(["mkdir app", "cd app"]);
      mkdirSync(dir, { recursive: true });
      const packages: string[] = [];
      for (const command of [...inApp, ...rest]) {
        if (command === "npm pkg set type=module" && !app.module) continue; // as the README says for CommonJS
        let line = command;
        if (command.startsWith("npx tsc --init") && app.tsconfig) {
          expect(docs()[0]!.text).toContain(`\`${app.tsconfig}\``);
          expect(app.tsconfig.startsWith(command)).toBe(true);
          line = app.tsconfig;
        }
        const [tool, ...args] = words(line);
        if (tool === "npm" && args[0] === "install") {
          packages.push(...args.slice(1).filter((arg) => !arg.startsWith("-")));
        } else if (tool === "npx" && args[0]! in TOOLS) {
          expectSuccess(npx(args[0] as keyof typeof TOOLS, args.slice(1), { cwd: dir }));
        } else if (tool === "npm" || tool === "mkdir") {
          expectSuccess(run(tool, args, { cwd: dir }));
        } else {
          throw new Error(`a set-up command this test does not know how to run: ${command}`);
        }
      }
      checkInstalled(packages);
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { type?: string };
      expect(manifest.type === "module").toBe(app.module);
      expect(readFileSync(join(dir, "tsconfig.json"), "utf8")).toMatch(/^\s*"types": \["node"\],$/m);

      const tarballSpec = `dependencies.drizzle-spector=file:${relative(dir, tarball)}`;
      expectSuccess(run("npm", ["pkg", "set", tarballSpec], { cwd: dir }));
      const install = [
        "install",
        "--prefer-offline",
        "--legacy-peer-deps",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
      ];
      expectSuccess(run("npm", install, { cwd: dir }));
      const installed = JSON.parse(readFileSync(join(dir, "node_modules/drizzle-spector/package.json"), "utf8"));
      expect(installed.name).toBe("drizzle-spector");
      expect(existsSync(join(dir, "node_modules/drizzle-spector/src/index.ts"))).toBe(true);
      expect(existsSync(join(dir, "node_modules/.bin/drizzle-spector"))).toBe(true);

      // every block that names its file; a variant beside its file, so that both are type-checked
      for (const { file, variant, code } of fileBlocks()) {
        const path = join(dir, variant === undefined ? file : variantFile(file, variant));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, code);
      }
    });

    for (const version of ["5.9", "7"] as const) {
      step(`type-checks with TypeScript ${version}`, () => {
        const tsc = run(process.execPath, [TSC[version], "-p", ".", "--noEmit"], { cwd: dir });
        expectSuccess(tsc);
        expect(tsc.stdout).toBe("");
      });
    }

    step(`gets the package's ${app.entry === "require" ? "CommonJS" : "ES module"} build, with its types`, () => {
      const list = run(process.execPath, [TSC["5.9"], "-p", ".", "--listFilesOnly"], { cwd: dir });
      expectSuccess(list);
      const own = list.stdout
        .split("\n")
        .filter((file) => file.includes("/node_modules/drizzle-spector/"))
        .map((file) => relative(join(dir, "node_modules/drizzle-spector"), file.trim()));
      expect(own).toEqual([app.entry === "require" ? "dist/index.d.cts" : "dist/index.d.ts"]);
      // every file the documents name is part of the program
      const files = new Set(list.stdout.split("\n").map((file) => relative(dir, file.trim())));
      const left = fileBlocks().filter((b) => !files.has(b.variant ? variantFile(b.file, b.variant) : b.file));
      expect(left.map((b) => `${b.doc}: ${b.file}`)).toEqual([]);
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
          expectSuccess(npx("drizzle-kit", ["migrate"], { cwd: dir, env: pg }));
          const main = npx("tsx", ["src/app.ts"], { cwd: dir, env: pg });
          expectSuccess(main);
          expect(main.stdout.trim().split("\n")).toEqual(OUTPUT);
        } finally {
          await database.drop();
        }
      });
    }

    step(`switches to PGlite as the README says (driver: "pglite", DATABASE_URL a data folder)`, () => {
      writeFileSync(join(dir, "src/db/index.ts"), fileBlock("src/db/index.ts", "on PGlite").code);
      const config = readFileSync(join(dir, "drizzle.config.ts"), "utf8");
      writeFileSync(
        join(dir, "drizzle.config.ts"),
        replaceOnce(config, `dialect: "postgresql",`, `dialect: "postgresql",\n  driver: "pglite",`),
      );
      expectSuccess(run(process.execPath, [TSC["7"], "-p", ".", "--noEmit"], { cwd: dir }));
    });

    step("npx drizzle-spector generate writes drizzle-kit's migration and the rules' migration", () => {
      expectSuccess(run(join(dir, "node_modules/.bin/drizzle-spector"), ["generate"], { cwd: dir, env }));
      const sql = readdirSync(join(dir, "drizzle")).filter((file) => file.endsWith(".sql"));
      expect(sql).toHaveLength(2);
      const text = sql.map((file) => readFileSync(join(dir, "drizzle", file), "utf8")).join("\n");
      for (const made of [`CREATE TABLE "events"`, `CREATE TABLE "events_heads"`, `CREATE TABLE "event_ancestors"`]) {
        expect(text).toContain(made);
      }
      expect(text).toContain("enforce_same_parent_event_ancestors");
      expect(text).toContain("record_chain_events");
    });

    step("npx drizzle-kit migrate applies them", () => {
      expectSuccess(npx("drizzle-kit", ["migrate"], { cwd: dir, env }));
    });

    step("src/app.ts without DATABASE_URL says to set it, before any connection", () => {
      const { DATABASE_URL: _unset, ...withoutUrl } = env;
      const main = npx("tsx", ["src/app.ts"], { cwd: dir, env: withoutUrl });
      expect(main.status).not.toBe(0);
      expect(main.output).toContain("DATABASE_URL is not set: export DATABASE_URL=./pgdata");
      expect(main.output).not.toContain("Cannot read properties of undefined");
    });

    step("npx tsx src/app.ts prints what the README says it prints, and exits by itself", () => {
      const main = npx("tsx", ["src/app.ts"], { cwd: dir, env });
      expectSuccess(main);
      expect(main.stdout.trim().split("\n")).toEqual(OUTPUT);
    });

    step(
      "the rollback recipe (scripts/down.ts) writes its file, which empties the quick start's database",
      async () => {
        expect(existsSync(join(dir, "rollback"))).toBe(false);
        expectSuccess(npx("tsx", ["scripts/down.ts"], { cwd: dir }));
        const down = readFileSync(join(dir, "rollback/0001_events.sql"), "utf8");
        expect(down).toContain(`DROP TABLE IF EXISTS "public"."event_ancestors";`);
        const client = new PGlite(join(dir, "pgdata"));
        try {
          const objects = async () => {
            const { rows } = await client.query<{ name: string }>(
              `SELECT c.relname::text AS name FROM pg_catalog.pg_class AS c
               JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'
             UNION ALL SELECT p.proname::text || '()' FROM pg_catalog.pg_proc AS p
               JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
             ORDER BY 1`,
            );
            return rows.map((row) => row.name);
          };
          expect(await objects()).toEqual(
            expect.arrayContaining(["event_ancestors", "events", "events_heads", "post_rows", "record_chain_events()"]),
          );
          for (const statement of down.split("--> statement-breakpoint")) await client.exec(statement);
          expect(await objects()).toEqual(["post_rows"]); // the app's own table, as the recipe says
        } finally {
          await client.close();
        }
      },
    );

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
