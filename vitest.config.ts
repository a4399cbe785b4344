import { defineConfig } from "vitest/config";

/**
 * The slow suites: `npm run test:slow` runs them, `npm test` runs every other test file (a new file is
 * fast unless it matches one of these globs; docs/development.md says when to add one). A file belongs
 * here when it takes more than about half a minute on PostgreSQL, which is what spawning processes
 * costs: packing and installing the package into apps, the CLI and drizzle-kit as subprocesses, a
 * Citus cluster, the driver matrix.
 */
export const SLOW_SUITES = [
  "test/consumers.test.ts", // packed-package consumer apps: npm pack, npm install, tsc, node
  "test/cli.test.ts", // the CLI as a subprocess, drizzle-kit
  "test/cli-apps.test.ts", // the CLI on real apps' layouts
  "test/push.test.ts", // push: drizzle-kit against PostgreSQL
  "test/record-chain-cli.test.ts", // generate / verify / check on record chains
  "test/check.test.ts", // drizzle-spector check as a subprocess (its comparison is check-rules.test.ts)
  "test/verify.test.ts", // drizzle-spector verify as a subprocess
  "test/generate-shards.test.ts", // generate and drizzle-kit over a growing shards list
  "test/citus.test.ts", // the Citus cluster (CITUS_URL)
  "test/citus-versions.test.ts", // expected versions on the Citus cluster (CITUS_URL)
  "test/drivers*.test.ts", // the driver matrix
  "test/record-chain-restore.test.ts", // pg_dump and pg_restore of record chains (PostgreSQL only)
  "test/record-chain-concurrency.test.ts", // concurrent writers at each isolation level (PostgreSQL only)
  "test/versions-concurrency.test.ts", // concurrent appends at one expected version, each isolation level (PostgreSQL only)
  "test/versions-spector-chain-concurrency.test.ts", // 16 writers at one expected version on Spector's chain (PostgreSQL only)
  "test/versions-restore.test.ts", // pg_dump and pg_restore of record heads (versioned: true; PostgreSQL only)
  "test/state-decide-concurrency.test.ts", // 16 concurrent decide calls at each isolation level (PostgreSQL only)
  "test/state-read-concurrency.test.ts", // readers beside writers on one record, each isolation level (PostgreSQL only)
  "test/materialized-concurrency.test.ts", // 16 writers keeping materialized rows, each isolation level (PostgreSQL only)
  "test/consumers-stress.test.ts", // 8 writers, readers and consumers for a minute, pg_dump into a new cluster (PostgreSQL only)
  "test/**/*.slow.test.ts", // any other heavy suite: name it *.slow.test.ts
];

/**
 * No per-test time limit: a test takes what the machine gives it (a loaded 2-core machine can be many
 * times slower than a quiet one). The two timeouts below only catch a hang, so a stuck test fails
 * with vitest's message instead of blocking the run forever; the processes the tests spawn have their
 * own hang limit (`test/support/child-timeout.ts`).
 */
const HANG = 30 * 60_000;

export default defineConfig({
  test: {
    testTimeout: HANG,
    hookTimeout: HANG,
    teardownTimeout: HANG,
    globalSetup: ["test/support/pglite-template.ts"],
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: "fast", include: ["test/**/*.test.ts"], exclude: SLOW_SUITES },
      },
      {
        extends: true,
        test: { name: "slow", include: SLOW_SUITES },
      },
    ],
  },
});
