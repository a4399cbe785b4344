/**
 * PGlite databases started from a data directory made once per run: a new `PGlite()` runs initdb
 * (seconds of CPU, many more on a loaded machine) where one loaded from a dump of a fresh cluster
 * skips it. `setup` (vitest's `globalSetup`) makes the dump, as a new `PGlite()` leaves its cluster,
 * in a temporary file; each test's database is a separate PGlite loaded from it, so nothing a test
 * writes reaches another.
 */
import { PGlite } from "@electric-sql/pglite";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import type { TestProject } from "vitest/node";
import { spawnChild } from "./child-timeout.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The file holding the data directory of a fresh PGlite cluster (an uncompressed tar). */
    pgliteTemplate: string;
  }
}

/**
 * vitest's `globalSetup`: dumps a fresh PGlite cluster to a temporary file for the run, removed after it.
 * Example: `globalSetup: ["test/support/pglite-template.ts"]` in `vitest.config.ts`.
 */
export default function setup(project: TestProject): () => void {
  // one template for the run, however many projects run this setup
  const shared = globalThis as { [TEMPLATE]?: { file: string; users: number } };
  const template = (shared[TEMPLATE] ??= { file: makeTemplate(), users: 0 });
  template.users++;
  project.provide("pgliteTemplate", template.file);
  return () => {
    if (--template.users > 0) return;
    rmSync(template.file, { force: true });
    delete shared[TEMPLATE];
  };
}

const TEMPLATE = Symbol.for("drizzle-spector.test.pglite-template");

/** Dumps a fresh PGlite cluster into a new temporary file, and returns its path. */
function makeTemplate(): string {
  const file = join(tmpdir(), `drizzle-spector-pglite-${randomBytes(6).toString("hex")}.tar`);
  // in a child process: closing a PGlite ends the process it runs in (Emscripten's exit)
  const script = `
    import { PGlite } from "@electric-sql/pglite";
    import { writeFileSync } from "node:fs";
    const seed = new PGlite();
    await seed.waitReady;
    const dump = await seed.dumpDataDir("none");
    writeFileSync(process.argv[1], new Uint8Array(await dump.arrayBuffer()));
    await seed.close();`;
  const run = spawnChild(process.execPath, ["--input-type=module", "-e", script, file], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (run.status !== 0 || !existsSync(file)) {
    throw new Error(`could not make the PGlite template (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  return file;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let template: Blob | undefined;

/** A new, empty PGlite database, loaded from the run's fresh cluster. Example: `const client = await freshPglite();` */
export async function freshPglite(): Promise<PGlite> {
  template ??= new Blob([readFileSync(inject("pgliteTemplate"))]);
  const client = new PGlite({ loadDataDir: template });
  await client.waitReady;
  return client;
}
