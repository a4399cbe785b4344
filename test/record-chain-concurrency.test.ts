/**
 * Concurrent appends to record chains at READ COMMITTED, REPEATABLE READ and SERIALIZABLE (PostgreSQL
 * only: PGlite has one connection): writers in raw SQL send their own UUIDv7 ids (some from a clock
 * behind), and retry a transaction refused with 40001 (an id not after its record's last, or a
 * serialization failure) with a new id; `appendEvent` writers retry by themselves. Afterwards every
 * event that committed is stored exactly once, with the id it was sent with, and every chain verifies.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { v7 as uuidv7 } from "uuid";
import { expect, test } from "vitest";
import { appendEvent, spectorTables, verifyChain } from "../src/index.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { referenceChains, recordRowsSql, type RecordRow } from "./support/record-hash.js";

const tables = spectorTables({ table: "events", hashed: "record" });
const { events } = tables;
const LEVELS = ["read committed", "repeatable read", "serializable"] as const;

describeBackends(
  "concurrent appends to record chains",
  () => {
    const t = useDatabase("postgres", async (t) => t.execMigration(await createSql(tables)));

    for (const level of LEVELS) {
      test(`at ${level.toUpperCase()}: 6 raw SQL writers and 2 appendEvent writers on 3 shared records; every event stored once with its id, every chain verifies`, async () => {
        const roots = [uuidv7(), uuidv7(), uuidv7()];
        await t.query(
          `INSERT INTO events (id, parent_id, schema, action, payload) SELECT r, r, 0, 1, '{}' FROM unnest($1::uuid[]) AS r`,
          [roots],
        );
        const clients = Array.from({ length: 8 }, () => postgres(t.url!, { max: 1, onnotice: () => undefined }));
        const committed = new Map<string, { parent: string; payload: string }>();
        let retries = 0;
        try {
          const raw = async (client: postgres.Sql, w: number) => {
            for (let i = 0; i < 25; i++) {
              const parent = roots[(w + i) % roots.length]!;
              const payload = JSON.stringify({ w, i });
              for (let attempt = 0; ; attempt++) {
                // a clock up to 2 s behind on odd writers, first time round: refused when a later id is there
                const id = uuidv7({ msecs: Date.now() - (w % 2 === 1 && attempt === 0 ? (i * 37) % 2_000 : 0) });
                try {
                  await client.begin(`isolation level ${level}`, async (tx) => {
                    await tx.unsafe(
                      `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 1, 2, $3::text::jsonb)`,
                      [id, parent, payload],
                    );
                  });
                  committed.set(id, { parent, payload });
                  break;
                } catch (error) {
                  if ((error as { code?: string }).code !== "40001") throw error;
                  retries++;
                }
              }
            }
          };
          const helper = async (client: postgres.Sql, w: number) => {
            const db = drizzle(client);
            for (let i = 0; i < 25; i++) {
              const parentId = roots[(w + i) % roots.length]!;
              for (;;) {
                try {
                  const row = await db.transaction(
                    (tx) => appendEvent(tx, events, { schema: 1, action: 2, payload: { helper: w, i }, parentId }),
                    { isolationLevel: level },
                  );
                  committed.set(row.id, { parent: parentId, payload: JSON.stringify({ helper: w, i }) });
                  break;
                } catch (error) {
                  const code = (error as { code?: string; cause?: { code?: string } }).cause?.code;
                  if (code !== "40001" && (error as { code?: string }).code !== "40001") throw error;
                  retries++;
                }
              }
            }
          };
          await Promise.all(clients.map((client, w) => (w < 6 ? raw(client, w) : helper(client, w))));
        } finally {
          await Promise.all(clients.map((client) => client.end()));
        }
        expect(retries).toBeGreaterThan(0); // the writers did meet one another
        const rows = (await t.query<RecordRow>(recordRowsSql("events", false))).filter((row) =>
          roots.includes(row.parentId),
        );
        const children = rows.filter((row) => row.id !== row.parentId);
        // every committed event once, with the id it was sent with; nothing else
        expect(children).toHaveLength(8 * 25);
        expect(new Set(children.map((row) => row.id))).toEqual(new Set(committed.keys()));
        for (const row of children) {
          const sent = committed.get(row.id)!;
          expect([row.parentId, JSON.parse(row.payload!)]).toEqual([sent.parent, JSON.parse(sent.payload)]);
        }
        // the chains: each hash as the reference recomputes it, each head at its record's last event
        const reference = referenceChains(rows);
        for (const row of rows) expect(row.hash, `hash of ${row.id}`).toBe(reference.hashes.get(row.id));
        for (const root of roots) {
          expect(await verifyChain(t.db, events, { parentId: root })).toEqual({
            ok: true,
            count: rows.filter((row) => row.parentId === root).length,
          });
        }
      });
    }
  },
  backends().filter((backend) => backend === "postgres"),
);
