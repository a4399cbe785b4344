/**
 * Helpers on a driver without transactions: Drizzle's `pg-proxy` through a local HTTP endpoint (each
 * statement on any connection of a pool, as a serverless HTTP driver runs it). Appends to Spector's
 * chain are one statement; `verifyChain` reads each chain in one SELECT, so that while eight writers
 * append it never reports a broken chain that is whole, and always finds an event edited meanwhile;
 * record chains likewise, each table's verdict in one statement.
 */
import { expect, test } from "vitest";
import { appendEvent, spectorTables, verifyChain, type SpectorDatabase } from "../src/index.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { pgProxyDatabase, startPgProxyEndpoint, type HttpEndpoint } from "./support/http-endpoint.js";

const { ledger } = spectorTables({ table: "ledger", hashed: true, schemaModules: { 0: "MyApp.User" } });
const recordTables = spectorTables({ table: "records", hashed: "record" });
const { records } = recordTables;

/** One run of `verifyChain` while the writers append, and the event edited before it, if any. */
type Run = { ok: boolean; eventId?: string; reason?: string; editedBefore: string | undefined };

/**
 * Eight writers append 25 events each, to a record of their own in `table`, through `db`, while a
 * verifier runs `verifyChain` through it in a loop; once a quarter is written, `edit` forges an event
 * and returns its id, and the verifier runs at once. Every run before the edit found the chain whole,
 * every run after it names the edited event. Returns the runs, the edited event and the events written.
 */
async function writeWhileVerifying(
  db: SpectorDatabase,
  table: typeof ledger | typeof records,
  edit: () => Promise<string>,
): Promise<{ seen: Run[]; edited: string | undefined; writes: number }> {
  const writes = 8 * 25;
  let written = 0;
  let edited: string | undefined;
  const writer = async (w: number) => {
    let record: string | undefined;
    for (let i = 0; i < 25; i++) {
      const row = await appendEvent(db, table, {
        schema: 0,
        action: record === undefined ? 1 : 2,
        payload: { w, i },
        ...(record === undefined ? {} : { parentId: record }),
      });
      record ??= row.id;
      written++;
    }
  };
  const verifier = async () => {
    const seen: Run[] = [];
    while (written < writes) {
      const editedBefore = edited;
      seen.push({ ...(await verifyChain(db, table)), editedBefore } as never);
      if (written >= writes / 4 && edited === undefined) {
        edited = await edit();
        seen.push({ ...(await verifyChain(db, table)), editedBefore: edited } as never);
      }
    }
    return seen;
  };
  const [seen] = await Promise.all([verifier(), ...Array.from({ length: 8 }, (_, w) => writer(w))]);
  expect(seen.length).toBeGreaterThan(1);
  for (const run of seen) {
    if (run.editedBefore === undefined && !run.ok) throw new Error(`a false alarm: ${JSON.stringify(run)}`);
    if (run.editedBefore !== undefined) expect(run).toMatchObject({ ok: false, eventId: edited, reason: "mismatch" });
  }
  return { seen, edited, writes };
}

describeBackends(
  "a driver without transactions (pg-proxy over HTTP)",
  (backend) => {
    let endpoint: HttpEndpoint | undefined;
    const t = useDatabase(backend, async (t) => {
      await t.execMigration(await createSql({ ledger, ...recordTables }));
      endpoint = await startPgProxyEndpoint(t.url!);
    });
    const proxy = () => pgProxyDatabase(endpoint!);

    test("eight writers append through it while verifyChain runs through it: every run sees a whole chain, then the edited event", async () => {
      const db = proxy();
      const { seen, edited, writes } = await writeWhileVerifying(db, ledger, async () => {
        // an edit while the writers run: the third event's payload, as a tamperer would
        const [third] = await t.query<{ id: string }>(
          `SELECT id::text FROM ledger ORDER BY inserted_at, id OFFSET 2 LIMIT 1`,
        );
        await t.query(`UPDATE ledger SET payload = '{"forged": true}' WHERE id = $1`, [third!.id]);
        return third!.id;
      });
      expect(edited).toBeDefined();
      expect(seen.filter((run) => run.editedBefore !== undefined).length).toBeGreaterThan(0);
      const [{ n }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [{ n: number }];
      expect(n).toBe(writes);
      expect(await verifyChain(db, ledger)).toMatchObject({ ok: false, eventId: edited, reason: "mismatch", count: 2 });
    });

    test("verifyChain on record chains runs through it, one statement per table: no false alarm while eight writers append, then the edited event", async () => {
      const db = proxy();
      const { edited, writes } = await writeWhileVerifying(db, records, async () => {
        // an edit while the writers run: a record's second event, as a tamperer would
        const [second] = await t.query<{ id: string }>(
          `SELECT id::text FROM records WHERE id <> parent_id ORDER BY parent_id, id LIMIT 1`,
        );
        await t.query(`UPDATE records SET payload = '{"forged": true}' WHERE id = $1`, [second!.id]);
        return second!.id;
      });
      expect(edited).toBeDefined();
      const [{ n }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM records`)) as [{ n: number }];
      expect(n).toBe(writes);
      expect(await verifyChain(db, records)).toMatchObject({ ok: false, eventId: edited, reason: "mismatch" });
    });

    test("the endpoint is closed after the suite", async () => {
      await endpoint!.close();
      await expect(fetch(endpoint!.url, { method: "POST", body: "{}" })).rejects.toThrow();
    });
  },
  backends().filter((backend) => backend !== "pglite"),
);
