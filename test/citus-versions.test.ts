/**
 * Expected versions on the Citus layout (`layout: "citus"`, `versioned: true`) on a Citus cluster
 * (`CITUS_URL`, the coordinator; `.ci/run` starts one): the migration distributes the heads table by
 * `parent_id`, co-located with the events; the heads trigger, which Citus runs on each shard, keeps one
 * head per record counting its rows (the helpers' appends and raw inserts alike); appends at an
 * expected version are written or conflict with nothing written; `decide` and `savepoint` work; and of
 * 8 concurrent writers at one version (half through `appendEvents`, half in raw SQL following the
 * documented two-statement protocol), exactly one wins, without a transaction and at each isolation
 * level. The tables live in a PostgreSQL schema of their own, dropped at the end. Without `CITUS_URL`
 * the file checks only that it is not in CI.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { describe, expect, test } from "vitest";
import {
  SpectorVersionConflictError,
  aggregate,
  appendEvent,
  appendEvents,
  decide,
  readVersion,
  savepoint,
  spectorTables,
  type RecordVersion,
  type SpectorDatabase,
} from "../src/index.js";
import { compareRules } from "../src/check/rules.js";
import { useCitusSchema } from "./support/citus-schema.js";
import { expectRejects } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";

const CITUS_URL = process.env.CITUS_URL;
const MODES = ["autocommit", "read committed", "repeatable read", "serializable"] as const;
const WRITERS = 8;
const ROUNDS = 3;

if (CITUS_URL === undefined) {
  test("without CITUS_URL the Citus versions suite does not run, which only outside CI is allowed", () => {
    expect(process.env.CI, "CI is set but CITUS_URL is not: the Citus suite must run in CI (.ci/run)").toBeFalsy();
  });
} else {
  const url = CITUS_URL;
  const schema = randomName("citus_versions");
  const tables = spectorTables({
    table: "accounts",
    layout: "citus",
    versioned: true,
    pgSchema: schema,
    schemas: { account: 0 },
    actions: { deposit: 10, withdraw: 11 },
  });
  const { accounts } = tables;
  const q = (name: string) => `"${schema}".${name}`;

  let client: postgres.Sql;
  let db: SpectorDatabase;

  const query = useCitusSchema(url, schema, tables, (made) => {
    client = made;
    db = drizzle(made);
  });

  /** Record `parentId`'s head, and its rows' count and greatest id. */
  const head = async (parentId: string) =>
    (
      await query<{ counted: number; rows: number; last: string; max: string }>(
        `SELECT h.event_count::int AS counted, h.last_id::text AS last,
                (SELECT count(*)::int FROM ${q("accounts")} WHERE parent_id = $1) AS rows,
                (SELECT id::text FROM ${q("accounts")} WHERE parent_id = $1 ORDER BY id DESC LIMIT 1) AS max
           FROM ${q("accounts_heads")} AS h WHERE h.parent_id = $1`,
        [parentId],
      )
    )[0];

  const deposit = (amount: number) => ({ schema: "account" as const, action: "deposit" as const, payload: { amount } });

  describe("expected versions on the Citus layout", () => {
    test("the heads table is distributed by parent_id, co-located with the events table", async () => {
      const rows = await query<{ table: string; column: string; colocation: number }>(
        `SELECT logicalrelid::text AS table, column_to_column_name(logicalrelid, partkey) AS column, colocationid AS colocation
           FROM pg_catalog.pg_dist_partition WHERE logicalrelid::text IN ($1, $2) ORDER BY 1`,
        [`${schema}.accounts`, `${schema}.accounts_heads`],
      );
      expect(rows.map((row) => [row.table, row.column])).toEqual([
        [`${schema}.accounts`, "parent_id"],
        [`${schema}.accounts_heads`, "parent_id"],
      ]);
      expect(rows[0]!.colocation).toBe(rows[1]!.colocation);
    });

    test("check finds nothing to report: the heads trigger, its functions and the distribution are as the schema wants", async () => {
      const catalog = (text: string, params: unknown[]) => query<Record<string, unknown>>(text, params);
      expect((await compareRules(catalog, tables)).differences).toEqual([]);
    });

    test("appends at the expected version are written, at a stale one conflict with nothing written; the head counts every row, raw inserts included", async () => {
      const first = await appendEvent(db, accounts, deposit(10));
      const version = (await readVersion(db, accounts, first.id))!;
      expect(version).toEqual({ lastId: first.id, count: 1 });
      const written = await appendEvents(db, accounts, {
        parentId: first.id,
        expected: version,
        events: [deposit(1), deposit(2)],
      });
      expect(written.version).toEqual({ lastId: written.rows[1]!.id, count: 3 });
      const stale = await expectRejects(
        appendEvents(db, accounts, { parentId: first.id, expected: version, events: [deposit(3)] }),
        { instanceOf: SpectorVersionConflictError },
      );
      expect((stale as unknown as SpectorVersionConflictError).actual).toEqual(written.version);
      // a raw insert (id NULL: the trigger makes it on the shard) moves the head, so the version read before conflicts
      await query(
        `INSERT INTO ${q("accounts")} (id, parent_id, schema, action, payload) VALUES (NULL, $1, 0, 10, '{"amount": 4}')`,
        [first.id],
      );
      await expectRejects(appendEvent(db, accounts, { ...deposit(5), parentId: first.id, expected: written.version }), {
        instanceOf: SpectorVersionConflictError,
      });
      const now = await head(first.id);
      expect(now).toEqual({ counted: 4, rows: 4, last: now!.max, max: now!.max });
      expect(await readVersion(db, accounts, first.id)).toEqual({ lastId: now!.max, count: 4 });
    });

    test("decide and savepoint at the version read", async () => {
      const first = await appendEvent(db, accounts, deposit(30));
      const initial = { balance: 0 };
      const evolve = (state: { balance: number }, event: { action: string; payload: unknown }) => ({
        balance: state.balance + (event.action === "deposit" ? 1 : -1) * (event.payload as { amount: number }).amount,
      });
      const taken: number[] = [];
      for (let i = 0; i < 4; i++) {
        const result = await decide(db, accounts, first.id, { initial, evolve }, (state) =>
          state.balance >= 10 ? [{ schema: "account", action: "withdraw", payload: { amount: 10 } }] : [],
        );
        taken.push(result.rows.length);
      }
      expect(taken).toEqual([1, 1, 1, 0]);
      const read = await aggregate(db, accounts, first.id, { initial, evolve });
      expect(read.state).toEqual({ balance: 0 });
      await savepoint(db, accounts, first.id, { state: read.state, expected: read.version });
      await expectRejects(savepoint(db, accounts, first.id, { state: read.state, expected: read.version }), {
        instanceOf: SpectorVersionConflictError,
      });
      expect((await head(first.id))!.counted).toBe(5);
    });

    for (const mode of MODES) {
      test(`${mode === "autocommit" ? "without a transaction" : `at ${mode.toUpperCase()}`}: of ${WRITERS} writers at one version (half appendEvents, half raw SQL) exactly one wins (${ROUNDS} rounds)`, async () => {
        for (let round = 0; round < ROUNDS; round++) await race(mode);
      });
    }

    /** The raw writer's append at an expected version on this layout: the head locked, then the insert. */
    const rawLock = () =>
      `SELECT 1 FROM ${q("lock_record_accounts")}($1) AS h WHERE h.event_count = $2 AND h.last_id = $3`;
    const rawInsert = () => `INSERT INTO ${q("accounts")} (id, parent_id, schema, action, payload)
      SELECT NULL, p.parent_id, 0, 10, $2::text::jsonb FROM ${q("accounts")} AS p
       WHERE p.parent_id = $1 AND p.id = $1`;

    async function race(mode: (typeof MODES)[number]): Promise<void> {
      const first = await appendEvent(db, accounts, deposit(0));
      const parentId = first.id;
      const version: RecordVersion = (await readVersion(db, accounts, parentId))!;
      const clients = Array.from({ length: WRITERS }, () => postgres(url, { max: 1, onnotice: () => undefined }));
      let waiting = 0;
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      const ready = () => (++waiting === WRITERS ? (open(), opened) : opened);
      const helper = async (writer: postgres.Sql, w: number): Promise<boolean> => {
        const wdb = drizzle(writer);
        const append = (tx: SpectorDatabase) =>
          appendEvents(tx, accounts, { parentId, expected: version, events: [deposit(w), deposit(w)] });
        try {
          if (mode === "autocommit") {
            await ready();
            await append(wdb);
          } else {
            await wdb.transaction(
              async (tx) => {
                expect(await readVersion(tx, accounts, parentId)).toEqual(version);
                await ready();
                await append(tx);
              },
              { isolationLevel: mode },
            );
          }
          return true;
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(SpectorVersionConflictError);
          return false;
        }
      };
      const raw = async (writer: postgres.Sql, w: number): Promise<boolean> => {
        let won = false;
        try {
          await writer.begin(`isolation level ${mode === "autocommit" ? "read committed" : mode}`, async (tx) => {
            if (mode !== "autocommit") {
              const [seen] = await tx.unsafe(`SELECT count(*)::int AS n FROM ${q("accounts")} WHERE parent_id = $1`, [
                parentId,
              ]);
              expect(seen!.n).toBe(version.count);
            }
            await ready();
            const locked = await tx.unsafe(rawLock(), [parentId, version.count, version.lastId]);
            if (locked.length === 0) return;
            for (let i = 0; i < 2; i++) await tx.unsafe(rawInsert(), [parentId, JSON.stringify({ amount: w })]);
            won = true;
          });
          return won;
        } catch (error) {
          // above READ COMMITTED: the head changed after this transaction's snapshot, a conflict
          expect((error as { code?: string }).code, String(error)).toBe("40001");
          return false;
        }
      };
      let outcomes: { won: boolean; writer: number }[];
      try {
        outcomes = await Promise.all(
          clients.map(async (writer, w) => ({ won: await (w % 2 === 0 ? helper : raw)(writer, w), writer: w })),
        );
      } finally {
        await Promise.all(clients.map((writer) => writer.end()));
      }
      const winners = outcomes.filter((outcome) => outcome.won);
      expect(winners).toHaveLength(1);
      const stored = await query<{ amount: number }>(
        `SELECT (payload->>'amount')::int AS amount FROM ${q("accounts")} WHERE parent_id = $1 ORDER BY id`,
        [parentId],
      );
      expect(stored.map((row) => row.amount)).toEqual([0, winners[0]!.writer, winners[0]!.writer]);
      const now = await head(parentId);
      expect(now).toEqual({ counted: 3, rows: 3, last: now!.max, max: now!.max });
    }
  });
}
