/**
 * What the TSDoc tells a newcomer is what the types say: every row type a TSDoc example spells out
 * (`type Row = EventTable<...>["$inferSelect"]; // { ... }`) is the row type the compiler infers (a
 * `hash` or `lastHash` is the `Buffer` every driver hands back, not a `Uint8Array`), the `actions`
 * option names Spector's four base actions, and `verifyChain` names both kinds of chain. Read with the
 * TypeScript compiler itself.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { expect, test } from "vitest";
import { BASE_ACTIONS } from "../src/index.js";

const SRC = new URL("../src", import.meta.url).pathname;

/** Every `.ts` file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** A TSDoc example that spells out a row type: the file, the type it names, and the row it shows. */
interface RowExample {
  readonly file: string;
  readonly name: string;
  readonly type: string;
  readonly shown: string;
}

/** `type X = Name<...>["$inferSelect"];` followed by `// { ... }` comment lines, in TSDoc. */
function rowExamples(): RowExample[] {
  const found: RowExample[] = [];
  const pattern = /^ \* type \w+ = ((\w+)<[^\n]*>\["\$inferSelect"\]);\n((?: \* \/\/[^\n]*\n)+)/gm;
  for (const file of sourceFiles(SRC)) {
    for (const match of readFileSync(file, "utf8").matchAll(pattern)) {
      const shown = match[3]!
        .split("\n")
        .map((line) => line.replace(/^ \* \/\/\s*/, ""))
        .join(" ")
        .trim();
      found.push({ file, name: match[2]!, type: match[1]!, shown });
    }
  }
  return found;
}

const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
};

test("every row type a TSDoc example spells out is the row type the compiler infers", () => {
  const examples = rowExamples();
  expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(["EventTable", "HeadsTable", "LinkTable"]));
  const files = Object.fromEntries(
    examples.map((example, i) => [
      join(SRC, `__row_example_${i}.ts`),
      `import type { ${example.name} } from ${JSON.stringify(`./${relative(SRC, example.file).replace(/\.ts$/, ".js")}`)};\n` +
        `type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;\n` +
        `type Row = ${example.type};\n` +
        `type Shown = ${example.shown};\n` +
        `export const same: Equal<Row, Shown> = true;\n`,
    ]),
  );
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.readFile.bind(host);
  host.readFile = (file) => files[file] ?? read(file);
  const exists = host.fileExists.bind(host);
  host.fileExists = (file) => file in files || exists(file);
  const program = ts.createProgram(Object.keys(files), OPTIONS, host);
  const wrong = Object.keys(files).flatMap((file, i) => {
    const said = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "));
    const { file: source, type, shown } = examples[i]!;
    return said.length === 0 ? [] : [`${relative(SRC, source)}: ${type} is not ${shown} (${said.join("; ")})`];
  });
  expect(wrong).toEqual([]);
});

/** The TSDoc (text and tags) of `name` in `file` under src/: an export, or a property of the exported interface `owner`. */
function tsdoc(program: ts.Program, file: string, owner: string | undefined, name: string): string {
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(join(SRC, file))!)!;
  const exported = checker.getExportsOfModule(module);
  const symbol =
    owner === undefined
      ? exported.find((s) => s.name === name)
      : checker.getDeclaredTypeOfSymbol(exported.find((s) => s.name === owner)!).getProperty(name);
  expect(symbol, `${owner ?? file}.${name}`).toBeDefined();
  const text = ts.displayPartsToString(symbol!.getDocumentationComment(checker));
  const tags = symbol!
    .getJsDocTags(checker)
    .map((tag) => ts.displayPartsToString(tag.text))
    .join("\n");
  return `${text}\n${tags}`.replace(/\s+/g, " ");
}

test("the TSDoc of `actions` names Spector's four base actions, and of verifyChain both kinds of chain", () => {
  const program = ts.createProgram(
    ["tables/options.ts", "queries/verify-chain.ts"].map((file) => join(SRC, file)),
    OPTIONS,
  );
  const actions = tsdoc(program, "tables/options.ts", "EventTableOptions", "actions");
  expect(Object.keys(BASE_ACTIONS)).toHaveLength(4);
  for (const [name, code] of Object.entries(BASE_ACTIONS)) expect(actions).toContain(`${name}: ${code}`);
  expect(actions).toContain("four base actions");
  expect(actions).not.toMatch(/\bthree\b/);

  const verify = tsdoc(program, "queries/verify-chain.ts", undefined, "verifyChain");
  expect(verify).toContain('`hashed: "record"`');
  expect(verify).toContain("`hashed: true`");
  expect(verify).not.toMatch(/only `hashed: true`/);
});
