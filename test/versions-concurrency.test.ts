/**
 * Concurrent appends at one expected version (PostgreSQL only: PGlite has one connection): 16 writers,
 * 8 through `appendEvents` and 8 in raw SQL following the documented protocol (`lock_record_T` in the
 * `INSERT`'s `FROM`), each in its own transaction at READ COMMITTED, REPEATABLE READ or SERIALIZABLE
 * (every one of them having read the record first, so that its snapshot predates the winner's commit),
 * or without a transaction. Exactly one wins; every other gets a version conflict (the helper's
 * `SpectorVersionConflictError`; the raw writer, no row or SQLSTATE 40001); the record then holds the
 * winner's events and no other, its head counts its rows, and (record-chained) its chain verifies. On a
 * record-chained table (`hashed: "record"`) and on a `versioned: true` one.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { expect, test } from "vitest";
import { appendEvents, readVersion, spectorTables, verifyChain, type RecordVersion } from "../src/index.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { barrier, expectConflict, oneWinner, recordHead, type Outcome } from "./support/race.js";

const tables = spectorTables({ table: "events", hashed: "record" });
const versionedTables = spectorTables({ table: "orders", versioned: true });
const { events } = tables;
const { orders } = versionedTables;
const KINDS = [
  ["a record-chained table", "events"],
  ["a versioned table", "orders"],
] as const;
const MODES = ["autocommit", "read committed", "repeatable read", "serializable"] as const;
const WRITERS = 16;
const ROUNDS = 5;

/** The raw SQL writer's append at an expected version: the protocol docs/state.md gives. */
const rawAppend = (table: string) => `INSERT INTO ${table} (id, parent_id, schema, action, payload)
SELECT e.id, h.parent_id, e.schema, e.action, e.payload
  FROM public.lock_record_${table}($1) AS h,
       (VALUES (1, NULL::uuid, 1, 2, $4::text::jsonb), (2, NULL::uuid, 1, 2, $5::text::jsonb))
         AS e(ord, id, schema, action, payload)
 WHERE h.event_count = $2 AND h.last_id = $3
 ORDER BY e.ord
RETURNING id`;

describeBackends(
  "concurrent appends at one expected version",
  () => {
    const t = useDatabase("postgres", async (t) => t.execMigration(await createSql({ ...tables, ...versionedTables })));

    for (const [kind, name] of KINDS)
      for (const mode of MODES) {
        test(`${kind}, ${mode === "autocommit" ? "without a transaction" : `at ${mode.toUpperCase()}`}: of ${WRITERS} writers (8 appendEvents, 8 raw SQL) at the same version exactly one wins; the others conflict, nothing of theirs written (${ROUNDS} rounds)`, async () => {
          for (let round = 0; round < ROUNDS; round++) await race(mode, name);
        });
      }

    async function race(mode: (typeof MODES)[number], name: "events" | "orders"): Promise<void> {
      const table = (name === "events" ? events : orders) as typeof events;
      const { rows, version } = await appendEvents(t.db, table, {
        events: [
          { schema: 0, action: 1, payload: { n: 0 } },
          { schema: 0, action: 2, payload: { n: 1 } },
        ],
      });
      const parentId = rows[0]!.id;
      const ready = barrier(WRITERS);
      const payload = (w: number, i: number) => ({ writer: w, i });
      const helper = async (client: postgres.Sql, w: number): Promise<Outcome> => {
        const db = drizzle(client);
        const append = (tx: typeof db) =>
          appendEvents(tx, table, {
            parentId,
            expected: version,
            events: [
              { schema: 1, action: 2, payload: payload(w, 0) },
              { schema: 1, action: 2, payload: payload(w, 1) },
            ],
          });
        try {
          if (mode === "autocommit") {
            await ready.wait();
            await append(db);
          } else {
            await db.transaction(
              async (tx) => {
                // the snapshot is taken here, before any writer appends
                expect(await readVersion(tx, table, parentId)).toEqual(version);
                await ready.wait();
                await append(tx as unknown as typeof db);
              },
              { isolationLevel: mode },
            );
          }
          return { won: true, writer: w };
        } catch (error) {
          const conflict = expectConflict(error, parentId, version);
          if (conflict.actual !== undefined) expect(conflict.actual.count).toBe(4);
          return { won: false, writer: w };
        }
      };
      const raw = async (client: postgres.Sql, w: number): Promise<Outcome> => {
        const params = [
          parentId,
          version.count,
          version.lastId,
          JSON.stringify(payload(w, 0)),
          JSON.stringify(payload(w, 1)),
        ];
        try {
          if (mode === "autocommit") {
            await ready.wait();
            const written = await client.unsafe(rawAppend(name), params);
            return { won: written.length === 2, writer: w };
          }
          let won = false;
          await client.begin(`isolation level ${mode}`, async (tx) => {
            const [seen] = await tx.unsafe(
              `SELECT count(*)::int AS n FROM ${name} WHERE parent_id OPERATOR(pg_catalog.=) $1`,
              [parentId],
            );
            expect(seen!.n).toBe(version.count);
            await ready.wait();
            const written = await tx.unsafe(rawAppend(name), params);
            won = written.length === 2;
            expect(written.length === 0 || won).toBe(true);
          });
          return { won, writer: w };
        } catch (error) {
          // the record's head changed after this transaction's snapshot: a conflict
          expect((error as { code?: string }).code, String(error)).toBe("40001");
          return { won: false, writer: w };
        }
      };
      const winner = await oneWinner(t.url!, WRITERS, helper, raw);
      // the record: its two events and the winner's two, in order; the head counts them; the chain verifies
      const stored = await t.query<{ payload: { n?: number; writer?: number; i?: number } }>(
        `SELECT payload FROM ${name} WHERE parent_id = $1 ORDER BY id`,
        [parentId],
      );
      expect(stored.map((row) => row.payload)).toEqual([{ n: 0 }, { n: 1 }, payload(winner, 0), payload(winner, 1)]);
      const head = await recordHead(t, name, parentId);
      expect(head.counted).toBe(head.rows);
      expect(head.last).toBe(head.max);
      if (name === "events") expect(await verifyChain(t.db, events, { parentId })).toEqual({ ok: true, count: 4 });
      const after: RecordVersion | undefined = await readVersion(t.db, table, parentId);
      expect(after).toEqual({ lastId: head.last, count: 4 });
    }
  },
  backends().filter((backend) => backend === "postgres"),
);
