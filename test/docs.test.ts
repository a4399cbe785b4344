/**
 * Every public export (what src/index.ts exports) has TSDoc, and every function, class and constant
 * among them an `@example`; read with the TypeScript compiler itself.
 */
import ts from "typescript";
import { expect, test } from "vitest";

test("every public export has TSDoc, and every function, class and constant an @example", () => {
  const entry = new URL("../src/index.ts", import.meta.url).pathname;
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exports = checker.getExportsOfModule(module).map((symbol) => ({
    name: symbol.name,
    target: symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol,
  }));
  expect(exports.length).toBeGreaterThan(10);
  const values = exports.filter(({ target }) => target.flags & ts.SymbolFlags.Value);
  expect(values.map((v) => v.name)).toEqual(
    expect.arrayContaining(["spectorTables", "appendEvent", "SpectorOptionError"]),
  );
  const undocumented = exports.filter(({ target }) => target.getDocumentationComment(checker).length === 0);
  const withoutExample = values.filter(
    ({ target }) => !target.getJsDocTags(checker).some((tag) => tag.name === "example"),
  );
  expect(undocumented.map((e) => e.name)).toEqual([]);
  expect(withoutExample.map((e) => e.name)).toEqual([]);
});
