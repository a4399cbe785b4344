/**
 * The README and docs/*.md as the tests read them: their code blocks that name their file in a first
 * comment line (`// src/app.ts`, or a variant: `// src/db/index.ts, on PGlite`), which make one app
 * together; the quick start's set-up commands and the output its app prints; and their links.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./scratch-project.js";

/** A documentation file, by its path from the repository's root (`README.md`, `docs/shards.md`). */
export interface Doc {
  readonly path: string;
  readonly text: string;
}

/** The README, then docs/*.md by name. */
export function docs(): Doc[] {
  const names = readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort();
  return ["README.md", ...names.map((name) => `docs/${name}`)].map((path) => ({
    path,
    text: readFileSync(join(ROOT, path), "utf8"),
  }));
}

/** A fenced code block: its info string (`ts`, `sh`, ``), its first line and its text. */
export interface CodeBlock {
  readonly doc: string;
  readonly lang: string;
  readonly code: string;
}

/** Every fenced code block of a document, in order. */
export function codeBlocks(doc: Doc): CodeBlock[] {
  return [...doc.text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    doc: doc.path,
    lang: m[1]!,
    code: m[2]!,
  }));
}

/** A code block that names its file: `// src/app.ts`, or a variant of one: `// src/db/index.ts, on PGlite`. */
export interface FileBlock {
  readonly doc: string;
  readonly file: string;
  readonly variant: string | undefined;
  readonly code: string;
}

const FILE_LINE = /^\/\/ (\S+\.ts)(?:, (.+))?\n/;

/** The `ts` blocks of the README and docs/*.md that name their file, in document order. */
export function fileBlocks(): FileBlock[] {
  return docs()
    .flatMap(codeBlocks)
    .flatMap(({ doc, lang, code }) => {
      const m = lang === "ts" ? FILE_LINE.exec(code) : null;
      return m ? [{ doc, file: m[1]!, variant: m[2], code: code.slice(m[0].length) }] : [];
    });
}

/** The block that names `file` (and `variant`), wherever it is; it must be there. */
export function fileBlock(file: string, variant?: string): FileBlock {
  const found = fileBlocks().find((b) => b.file === file && b.variant === variant);
  if (!found) throw new Error(`no document has a \`// ${file}${variant ? `, ${variant}` : ""}\` block`);
  return found;
}

const README = () => docs()[0]!;

/**
 * The README's set-up commands: the `sh` block that starts with `mkdir app`, one command a line, each
 * without its comment.
 */
export function setupCommands(): string[] {
  const setup = codeBlocks(README()).find((b) => b.lang === "sh" && b.code.startsWith("mkdir app"));
  if (!setup) throw new Error("the README has no set-up block (```sh starting with `mkdir app`)");
  return setup.code
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

/** What the README says `npx tsx src/app.ts` prints: the `text` block after the block that runs it. */
export function quickStartOutput(): string[] {
  const blocks = codeBlocks(README());
  const run = blocks.findIndex((b) => b.lang === "sh" && /^npx tsx src\/app\.ts\b/m.test(b.code));
  const output = blocks[run + 1];
  if (run < 0 || output?.lang !== "text") {
    throw new Error("the README has no ```text block after the one that runs `npx tsx src/app.ts`");
  }
  return output.code.trim().split("\n");
}

/** A document's text without its fenced code blocks (where `#` lines and `](...)` are not markdown). */
export function prose(doc: Doc): string {
  return doc.text.replace(/^```\w*\n[\s\S]*?^```$/gm, "");
}

/** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as `-`, repeats numbered. */
export function anchors(doc: Doc): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(doc).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

/** The relative links of a document (`[text](docs/x.md#y)`, `[text](#y)`), outside its code blocks. */
export function relativeLinks(doc: Doc): string[] {
  return [...prose(doc).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((url) => !/^[a-z]+:/.test(url));
}
