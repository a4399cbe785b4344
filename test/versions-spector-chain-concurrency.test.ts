/**
 * Concurrent appends at one expected version on Spector's chain (`hashed: true`, `versioned: true`;
 * PostgreSQL only: PGlite has one connection): 16 writers per round, 8 through the helpers and 8 in raw
 * SQL following the documented protocols (`chain_append_at_T(...)`, or, as a Spector writer would,
 * `LOCK TABLE T IN EXCLUSIVE MODE`, the head compared through `lock_record_T`, then
 * `chain_append_T(...)`). Without a transaction and at READ COMMITTED exactly one wins, the others
 * conflict with nothing of theirs written, the head counts the rows and the chain verifies. Above READ
 * COMMITTED every append to Spector's chain is refused before it writes (its snapshot could predate the
 * chain's lock and fork the chain): nothing is written.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  appendEvent,
  appendEvents,
  readVersion,
  spectorActions,
  spectorJson,
  spectorTables,
  verifyChain,
  type RecordVersion,
} from "../src/index.js";
import { elixirModule, spectorHashTail } from "../src/spector/chain.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { barrier, expectConflict, oneWinner, recordHead, type Outcome } from "./support/race.js";

const declared = {
  hashed: true,
  versioned: true,
  schemas: { account: 0 },
  actions: spectorActions(["deposit"]),
  schemaModules: { account: "Bank.Account" },
} as const;
const tables = spectorTables({ table: "vchain", ...declared });
const { vchain } = tables;
const WRITERS = 16;
const ROUNDS = 5;

/** The raw writer's append of one event: `chain_append_at_T` (at a version) or `chain_append_T`. */
const chainCall = (atVersion: boolean) =>
  atVersion
    ? `SELECT id FROM public.chain_append_at_vchain($1, $2, NULL, $3, 0, $4, $5::text::jsonb, decode($6, 'hex'))`
    : `SELECT id FROM public.chain_append_vchain($1, $2, 0, $3, $4::text::jsonb, decode($5, 'hex'))`;

describeBackends(
  "concurrent appends at one expected version on Spector's chain",
  () => {
    const t = useDatabase("postgres", async (t) => t.execMigration(await createSql(tables)));

    for (const mode of ["autocommit", "read committed"] as const) {
      test(`${mode === "autocommit" ? "without a transaction (one event each)" : "at READ COMMITTED (two events each)"}: of ${WRITERS} writers (8 helpers, 8 raw SQL) at the same version exactly one wins; the others conflict, nothing of theirs written; the chain verifies (${ROUNDS} rounds)`, async () => {
        for (let round = 0; round < ROUNDS; round++) await race(mode);
      });
    }

    for (const mode of ["repeatable read", "serializable"] as const) {
      test(`at ${mode.toUpperCase()}: every append to Spector's chain is refused before it writes (helpers: SpectorOptionError; raw SQL: SQLSTATE 25001)`, async () => {
        const first = await appendEvent(t.db, vchain, { schema: "account", action: "deposit", payload: { n: 0 } });
        const version = (await readVersion(t.db, vchain, first.id))!;
        const client = postgres(t.url!, { max: 1, onnotice: () => undefined });
        try {
          const db = drizzle(client);
          await expect(
            db.transaction(
              (tx) =>
                appendEvents(tx, vchain, {
                  parentId: first.id,
                  expected: version,
                  events: [{ schema: "account", action: "deposit", payload: { n: 1 } }],
                }),
              { isolationLevel: mode },
            ),
          ).rejects.toThrow(SpectorOptionError);
          const tail = spectorHashTail(elixirModule("Bank.Account")!, "deposit", spectorJson('{"n": 1}'));
          const refused = await client
            .begin(`isolation level ${mode}`, (tx) =>
              tx.unsafe(chainCall(true), [1, first.id, first.id, 10, '{"n": 1}', tail.toString("hex")]),
            )
            .then(
              () => undefined,
              (error: { code?: string }) => error.code,
            );
          expect(refused).toBe("25001");
        } finally {
          await client.end();
        }
        expect(await readVersion(t.db, vchain, first.id)).toEqual(version);
      });
    }

    async function race(mode: "autocommit" | "read committed"): Promise<void> {
      const first = await appendEvent(t.db, vchain, { schema: "account", action: "deposit", payload: { n: 0 } });
      const parentId = first.id;
      const [{ action }] = (await t.query<{ action: number }>(`SELECT action FROM vchain WHERE id = $1`, [
        parentId,
      ])) as [{ action: number }];
      const version: RecordVersion = (await readVersion(t.db, vchain, parentId))!;
      const events = mode === "autocommit" ? 1 : 2;
      const ready = barrier(WRITERS);
      const payload = (w: number, i: number) => ({ writer: w, i });
      const helper = async (client: postgres.Sql, w: number): Promise<Outcome> => {
        const db = drizzle(client);
        const list = Array.from({ length: events }, (_, i) => ({
          schema: "account" as const,
          action: "deposit" as const,
          payload: payload(w, i),
        }));
        try {
          if (mode === "autocommit") {
            await ready.wait();
            if (w % 4 === 0) await appendEvent(db, vchain, { ...list[0]!, parentId, expected: version });
            else await appendEvents(db, vchain, { parentId, expected: version, events: list });
          } else {
            await db.transaction(
              async (tx) => {
                await ready.wait();
                await appendEvents(tx, vchain, { parentId, expected: version, events: list });
              },
              { isolationLevel: mode },
            );
          }
          return { won: true, writer: w };
        } catch (error) {
          const conflict = expectConflict(error, parentId, version);
          expect(conflict.actual?.count).toBe(1 + events);
          return { won: false, writer: w };
        }
      };
      // the raw writers: odd ones as a Spector (Elixir) writer would, taking the lock first; the others by chain_append_at_T
      const raw = async (client: postgres.Sql, w: number): Promise<Outcome> => {
        const sent = Array.from({ length: events }, (_, i) => JSON.stringify(payload(w, i)));
        const tail = (json: string) =>
          spectorHashTail(elixirModule("Bank.Account")!, "deposit", spectorJson(json)).toString("hex");
        const lockFirst = w % 4 === 3;
        const append = async (tx: postgres.Sql | postgres.TransactionSql): Promise<boolean> => {
          if (lockFirst) {
            await tx.unsafe(`LOCK TABLE public.vchain IN EXCLUSIVE MODE`);
            const at = await tx.unsafe(
              `SELECT 1 FROM public.lock_record_vchain($1) AS h WHERE h.event_count = $2 AND h.last_id = $3`,
              [parentId, version.count, version.lastId],
            );
            if (at.length === 0) return false;
          }
          for (const [i, json] of sent.entries()) {
            const written =
              i === 0 && !lockFirst
                ? await tx.unsafe(chainCall(true), [version.count, version.lastId, parentId, action, json, tail(json)])
                : await tx.unsafe(chainCall(false), [null, parentId, action, json, tail(json)]);
            if (written.length === 0) return false;
          }
          return true;
        };
        let won = false;
        await ready.wait();
        if (mode === "autocommit" && !lockFirst) won = await append(client);
        else await client.begin("isolation level read committed", async (tx) => (won = await append(tx)));
        return { won, writer: w };
      };
      const winner = await oneWinner(t.url!, WRITERS, helper, raw);
      const stored = await t.query<{ payload: Record<string, number> }>(
        `SELECT payload FROM vchain WHERE parent_id = $1 ORDER BY id`,
        [parentId],
      );
      expect(stored.map((row) => row.payload)).toEqual([
        { n: 0 },
        ...Array.from({ length: events }, (_, i) => payload(winner, i)),
      ]);
      const head = await recordHead(t, "vchain", parentId);
      expect(head).toEqual({ counted: 1 + events, rows: 1 + events, last: head.max, max: head.max });
      expect(await verifyChain(t.db, vchain)).toMatchObject({ ok: true });
    }
  },
  backends().filter((backend) => backend === "postgres"),
);
