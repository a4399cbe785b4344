/**
 * Helpers on a driver without transactions: Drizzle's `pg-proxy` through a local HTTP endpoint (each
 * statement on any connection of a pool, as a serverless HTTP driver runs it). Appends to Spector's
 * chain are one statement; `verifyChain` reads each chain in one SELECT, so that while eight writers
 * append it never reports a broken chain that is whole, and always finds an event edited meanwhile;
 * record chains, which need a transaction to verify, are refused with what to use instead.
 */
import { expect, test } from "vitest";
import { SpectorOptionError, appendEvent, spectorTables, verifyChain } from "../src/index.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { pgProxyDatabase, startPgProxyEndpoint, type HttpEndpoint } from "./support/http-endpoint.js";

const { ledger } = spectorTables({ table: "ledger", hashed: true, schemaModules: { 0: "MyApp.User" } });
const recordTables = spectorTables({ table: "records", hashed: "record" });
const { records } = recordTables;

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
      const writes = 8 * 25;
      let written = 0;
      let edited: string | undefined;
      const writer = async (w: number) => {
        let record: string | undefined;
        for (let i = 0; i < 25; i++) {
          const row = await appendEvent(db, ledger, {
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
        const seen: { ok: boolean; eventId?: string; reason?: string; editedBefore: string | undefined }[] = [];
        while (written < writes) {
          const editedBefore = edited;
          const result = await verifyChain(db, ledger);
          seen.push({ ...result, editedBefore } as never);
          if (written >= writes / 4 && edited === undefined) {
            // an edit while the writers run: the third event's payload, as a tamperer would
            const [third] = await t.query<{ id: string }>(
              `SELECT id::text FROM ledger ORDER BY inserted_at, id OFFSET 2 LIMIT 1`,
            );
            await t.query(`UPDATE ledger SET payload = '{"forged": true}' WHERE id = $1`, [third!.id]);
            edited = third!.id;
            seen.push({ ...(await verifyChain(db, ledger)), editedBefore: edited } as never);
          }
        }
        return seen;
      };
      const [seen] = await Promise.all([verifier(), ...Array.from({ length: 8 }, (_, w) => writer(w))]);
      expect(seen.length).toBeGreaterThan(1);
      for (const run of seen) {
        if (run.editedBefore === undefined && !run.ok) throw new Error(`a false alarm: ${JSON.stringify(run)}`);
        if (run.editedBefore !== undefined)
          expect(run).toMatchObject({ ok: false, eventId: edited, reason: "mismatch" });
      }
      expect(edited).toBeDefined();
      expect(seen.filter((run) => run.editedBefore !== undefined).length).toBeGreaterThan(0);
      const [{ n }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [{ n: number }];
      expect(n).toBe(writes);
      expect(await verifyChain(db, ledger)).toMatchObject({ ok: false, eventId: edited, reason: "mismatch", count: 2 });
    });

    test("verifyChain on record chains is refused, naming the helper, the reason and what to use instead", async () => {
      const db = proxy();
      await appendEvent(db, records, { schema: 0, action: 1, payload: {} });
      const error = await expectRejects(verifyChain(db, records), {
        option: "db",
        mentions: ["verifyChain", "pg-proxy", "transaction", "drizzle-spector verify", "node-postgres"],
      });
      expect(error).toBeInstanceOf(SpectorOptionError);
    });

    test("the endpoint is closed after the suite", async () => {
      await endpoint!.close();
      await expect(fetch(endpoint!.url, { method: "POST", body: "{}" })).rejects.toThrow();
    });
  },
  backends().filter((backend) => backend !== "pglite"),
);
