/**
 * The README's code blocks that name their file in a first comment (`// src/db/schema.ts`) are
 * written to a scratch project and type-checked, with "drizzle-spector" resolved to this repository's
 * source: the README cannot drift from the API.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import { expect, test } from "vitest";
import { randomName } from "./support/fresh-database.js";

const ROOT = new URL("..", import.meta.url).pathname;

test("the README's file examples type-check against the library", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```ts\n\/\/ (\S+\.ts)\n([\s\S]*?)```/g)].map((m) => ({
    file: m[1]!,
    code: m[2]!,
  }));
  expect(blocks.map((b) => b.file)).toEqual(
    expect.arrayContaining(["src/db/schema.ts", "src/app.ts", "src/db/sharded.ts", "src/db/audit.ts"]),
  );
  const dir = join(ROOT, ".tmp", randomName("readme"));
  try {
    for (const { file, code } of blocks) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), code);
    }
    const program = ts.createProgram(
      blocks.map((b) => join(dir, b.file)),
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
        baseUrl: ROOT,
        paths: { "drizzle-spector": ["src/index.ts"] },
        allowImportingTsExtensions: true,
      },
    );
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file
        ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : "";
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(diagnostics).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
