/**
 * `npm run build`: what the package ships, as drizzle-orm ships it. The library as an ES module
 * (`dist/index.js` + `dist/index.d.ts`) and as CommonJS (`dist/index.cjs` + `dist/index.d.cts`), each
 * with its own types, so a CommonJS app's types refer to drizzle-orm's `.d.cts` and an ES module app's
 * to its `.d.ts`. The command line (`dist/cli/main.js`) is an ES module only; it shares the library's
 * code through a chunk, so a schema file that imports "drizzle-spector" and the command use one copy.
 * Source maps point at `src/`, which `files` ships beside them.
 */
import { defineConfig } from "tsup";

const shared = {
  target: "node20",
  platform: "node",
  sourcemap: true,
  tsconfig: "tsconfig.build.json",
} as const;

export default defineConfig([
  {
    ...shared,
    entry: { index: "src/index.ts", "cli/main": "src/cli/main.ts" },
    format: ["esm"],
    splitting: true,
    dts: { entry: { index: "src/index.ts" } },
  },
  {
    ...shared,
    entry: { index: "src/index.ts" },
    format: ["cjs"],
    // `import.meta.url` has no CommonJS meaning: the library does not use it (only the command line
    // does, and it is not built as CommonJS); the shim keeps a future use from breaking at run time.
    shims: true,
    dts: { entry: { index: "src/index.ts" } },
  },
]);
