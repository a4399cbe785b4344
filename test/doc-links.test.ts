/**
 * The README and docs/*.md hold together: every link between them leads to a file and a heading that
 * exist, every TypeScript block names its file (so that test/consumers.test.ts type-checks it), and no
 * two blocks name one file (they all go into one app).
 */
import { existsSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, test } from "vitest";
import { anchors, codeBlocks, docs, fileBlocks, relativeLinks } from "./support/doc-blocks.js";
import { ROOT } from "./support/scratch-project.js";

const DOCS = docs();

describe("the README and docs/", () => {
  test("are the README and one file per topic, with an index that links every one of them", () => {
    expect(DOCS.map((doc) => doc.path)).toEqual(expect.arrayContaining(["README.md", "docs/README.md"]));
    expect(DOCS.length).toBeGreaterThan(10);
    const index = DOCS.find((doc) => doc.path === "docs/README.md")!;
    const unlisted = DOCS.filter((doc) => doc.path.startsWith("docs/") && doc !== index).filter(
      (doc) => !index.text.includes(`](${doc.path.slice("docs/".length)})`),
    );
    expect(unlisted.map((doc) => doc.path)).toEqual([]);
  });

  test("link only to files that exist and, after a #, to headings those files have", () => {
    const byPath = new Map(DOCS.map((doc) => [doc.path, doc] as const));
    const broken: string[] = [];
    let links = 0;
    for (const doc of DOCS) {
      for (const url of relativeLinks(doc)) {
        links++;
        const [path, anchor] = url.split("#") as [string, string | undefined];
        const target = path === "" ? doc.path : normalize(join(dirname(doc.path), path));
        if (!existsSync(join(ROOT, target))) {
          broken.push(`${doc.path}: ${url} (no file ${target})`);
        } else if (anchor !== undefined) {
          const other = byPath.get(target);
          if (!other) broken.push(`${doc.path}: ${url} (${target} is not a README or docs/ file)`);
          else if (!anchors(other).has(anchor)) broken.push(`${doc.path}: ${url} (${target} has no such heading)`);
        }
      }
    }
    expect(links).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });

  test("name the file of every TypeScript block, and no file twice", () => {
    const unnamed = DOCS.flatMap(codeBlocks)
      .filter((block) => block.lang === "ts" && !block.code.startsWith("// "))
      .map((block) => `${block.doc}: ${block.code.split("\n")[0]}`);
    expect(unnamed).toEqual([]);
    const blocks = fileBlocks();
    expect(blocks.length).toBeGreaterThan(15);
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const { doc, file, variant } of blocks) {
      const key = `${file}${variant ? `, ${variant}` : ""}`;
      if (seen.has(key)) twice.push(`${key}: ${seen.get(key)} and ${doc}`);
      seen.set(key, doc);
    }
    expect(twice).toEqual([]);
  });

  test("keep the quick start in the README, with the files the apps run", () => {
    const quickStart = new Set(
      fileBlocks()
        .filter((b) => b.doc === "README.md")
        .map((b) => b.file),
    );
    expect([...quickStart]).toEqual(
      expect.arrayContaining(["drizzle.config.ts", "src/db/schema.ts", "src/db/index.ts", "src/app.ts"]),
    );
  });
});
