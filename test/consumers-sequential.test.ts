/**
 * The PGlite form of the consumers' stress test (test/consumers-stress.test.ts), on every backend and
 * without concurrency: one writer runs every kind of step of test/support/stress-writers.ts (one and
 * several events, transactions rolled back, savepoints rolled back inside committed transactions,
 * numbering inside a transaction, raw `INSERT`, `COPY`) on two logs with positions, and readers read on
 * between the steps with small limits, as do two consumers per log (`runOnce`, handlers writing to
 * `received` in their transaction and failing every seventh batch after writing). Afterwards each reader
 * and each consumer saw every committed event exactly once, no rolled-back one, in the order of a replay
 * from the start, and each record's events in its order.
 */
import { expect, test } from "vitest";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import {
  Flake,
  RECEIVED_SQL,
  consumerNames,
  drainConsumers,
  receivedBy,
  stressConsumer,
} from "./support/stress-consumers.js";
import { checkLog, expectSameSequence, follow, type Followed } from "./support/stress-follow.js";
import { LOGS, stressTables } from "./support/stress-schema.js";
import { WriteLog, kindsOf, testDatabasePorts, writeStep } from "./support/stress-writers.js";

/** How many steps the writer takes. */
const STEPS = 100;

describeBackends("following the log, one writer at a time", (backend) => {
  const t = useDatabase(backend, async (t) => {
    await t.execMigration(await createSql(stressTables));
    await t.query(RECEIVED_SQL);
  });

  test("readers and consumers following between every kind of write see every committed event once, in the replay's order", async () => {
    const ports = testDatabasePorts(t);
    const kinds = kindsOf(ports);
    const written = new WriteLog();
    const stats = { batches: 0, flakes: 0 };
    // each consumer's handler fails every seventh batch after writing: that batch comes again
    const consumers = LOGS.flatMap((log) =>
      consumerNames(log).map((name) => stressConsumer(t.db, log, name, stats, { flakeEvery: 7 })),
    );
    const readers: Followed[] = LOGS.flatMap(() => [0, 1].map(() => ({ ids: [], next: undefined, reads: 0 })));
    for (let step = 0; step < STEPS; step++) {
      // every kind twice first, then drawn at random
      await writeStep(ports, written, 0, step < kinds.length * 2 ? kinds[step % kinds.length] : undefined);
      // the first reader of each log reads to the end after every step, the second every fifth step
      for (const [l, log] of LOGS.entries()) {
        await follow(t.db, log, () => true, readers[l * 2], 3, 0);
        if (step % 5 === 4) await follow(t.db, log, () => true, readers[l * 2 + 1], 7, 0);
      }
      for (const c of step % 2 === 0 ? consumers : []) {
        await c.runOnce().catch((error: unknown) => {
          if (!(error instanceof Flake)) throw error;
        });
      }
    }
    for (const [l, log] of LOGS.entries()) await follow(t.db, log, () => true, readers[l * 2 + 1], 7, 0);
    expect(written.failures).toEqual([]);
    for (const kind of kinds) expect(written.steps[kind], kind).toBeGreaterThan(0);
    expect(written.rolledBack.size).toBeGreaterThan(0);
    for (const [l, log] of LOGS.entries()) {
      expect(written.committed[log].length).toBeGreaterThan(50);
      const replay = await checkLog(t.db, t.query, log, written, [readers[l * 2]!.ids, readers[l * 2 + 1]!.ids]);
      await drainConsumers(t.db, log, stats);
      for (const name of consumerNames(log)) expectSameSequence(name, await receivedBy(t.query, name), replay);
    }
    expect(stats.flakes).toBeGreaterThan(0);
  });
});
