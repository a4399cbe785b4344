/**
 * Every public export (what src/index.ts exports) has TSDoc with an example, read with the TypeScript
 * compiler itself.
 */
import ts from "typescript";
import { expect, test } from "vitest";

test("every public export has TSDoc with an @example", () => {
  const entry = new URL("../src/index.ts", import.meta.url).pathname;
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exports = checker.getExportsOfModule(module);
  expect(exports.length).toBeGreaterThan(10);
  const missing = exports
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const tags = target.getJsDocTags(checker);
      const documented = target.getDocumentationComment(checker).length > 0;
      return !documented || !tags.some((tag) => tag.name === "example");
    })
    .map((symbol) => symbol.name);
  expect(missing).toEqual([]);
});
