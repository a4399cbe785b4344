/**
 * `npm run check:imports` (part of `npm test`): no import cycle anywhere, type-only imports included,
 * and the layers of the tree kept apart.
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "An import cycle (type-only imports count too): the layout no longer tells a reader what depends on what.",
      from: {},
      to: { circular: true },
    },
    {
      name: "library-without-cli",
      severity: "error",
      comment: "The library (what an app imports at run time) never imports the command line.",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "src-stands-alone",
      severity: "error",
      comment: "src/ never imports the tests, the benchmark or the example.",
      from: { path: "^src/" },
      to: { path: "^(test|bench|example)/" },
    },
    {
      name: "runtime-dependencies-only",
      severity: "error",
      comment: "The library imports only what package.json lists as a dependency or peer dependency.",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev", "npm-no-pkg", "npm-unknown"], dependencyTypesNot: ["npm", "npm-peer"] },
    },
    {
      name: "emmett-in-the-bench-only",
      severity: "error",
      comment:
        "Emmett (a dev dependency, for the side-by-side state benchmark) is imported by bench/ only: never by the library, the tests or the example.",
      from: { pathNot: "^bench/" },
      to: { path: "node_modules/@event-driven-io/" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    // resolve packages as Node.js does for an ES module (uuid, tsx: only conditional exports)
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "node", "default"] },
  },
};
