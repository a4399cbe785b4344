/**
 * Spector's hash chain in a real database: `appendEvent` writes the chain Elixir's vectors hold,
 * `verifyChain` finds the first event a tamperer touched, a Spector-style writer and ours chain from
 * each other, and eight concurrent writers leave one unforked chain.
 */
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { describe, expect, test } from "vitest";
import {
  SpectorOptionError,
  appendEvent,
  jsonText,
  shardSet,
  spectorActions,
  spectorHash,
  spectorJson,
  spectorSchemas,
  spectorTables,
  verifyChain,
} from "../src/index.js";
import { backends, describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRefusedBeforeSql, expectRejects, pgError } from "./support/failures.js";
import { readVectors } from "./support/spector-vectors.js";

const declared = {
  hashed: true,
  schemas: spectorSchemas(["user", "post", "line"]),
  schemaModules: { user: "MyApp.User", post: "MyApp.Post", line: "Shop.Order.Line" },
  actions: spectorActions(["archive"]),
} as const;

const { ledger } = spectorTables({ table: "ledger", ...declared });
const sharded = spectorTables({ shards: ["chain_0", "chain_1"], ...declared });
const chains = shardSet([sharded.chain_0, sharded.chain_1]);
const { plain } = spectorTables({ table: "plain", schemas: { user: 0 } });
const { bare } = spectorTables({ table: "bare", hashed: true });
const { numbered } = spectorTables({ table: "numbered", hashed: true, schemaModules: { 0: "MyApp.User" } });
const { aliased } = spectorTables({
  table: "aliased",
  hashed: true,
  schemas: { user: 0 },
  schemaModules: { user: "MyApp.User" },
  actions: spectorActions(["archive"], { soft_delete: "archive" }),
});
const schema = { ledger, ...sharded, plain, bare, numbered, aliased };

const SCHEMA_OF: Record<string, "user" | "post" | "line"> = {
  "Elixir.MyApp.User": "user",
  "Elixir.MyApp.Post": "post",
  "Elixir.Shop.Order.Line": "line",
};

const hex = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("hex") : null);

/** A fresh chain of six events in `ledger`, over two records, in append order. */
async function sixEvents(t: TestDatabase) {
  await t.query("TRUNCATE ledger");
  const rows: Awaited<ReturnType<typeof appendEvent<typeof ledger>>>[] = [];
  for (let i = 0; i < 6; i++) {
    rows.push(
      await appendEvent(t.db, ledger, {
        schema: i % 2 === 0 ? "user" : "post",
        action: i < 2 ? "insert" : "update",
        payload: { n: i, note: "é" },
        ...(i >= 2 ? { parentId: rows[i % 2]!.id } : {}),
      }),
    );
  }
  return rows;
}

describeBackends(
  "Spector's hash chain",
  (backend) => {
    const t = useDatabase(backend, async (t) => t.execMigration(await createSql(schema)));

    test("appendEvent writes the vectors' chain: each payload as sent gives Elixir's hash, and PostgreSQL stores what the vector says", async () => {
      const vectors = readVectors();
      let record: string | undefined;
      for (const [i, v] of vectors.entries()) {
        const row = await appendEvent(t.db, ledger, {
          schema: SCHEMA_OF[v.schemaText]!,
          action: v.actionText as "insert",
          payload: jsonText(v.sentText),
          ...(i % 3 === 0 ? {} : { parentId: record! }),
        });
        if (i % 3 === 0) record = row.id;
        expect(hex(row.hash), `vector ${i}`).toBe(v.hash);
      }
      const stored = await t.query<{ hash: string; payload: string }>(
        `SELECT encode(hash, 'hex') AS hash, payload::text AS payload FROM ledger ORDER BY inserted_at`,
      );
      expect(stored.map((r) => r.hash)).toEqual(vectors.map((v) => v.hash));
      expect(stored.map((r) => r.payload)).toEqual(vectors.map((v) => v.payloadStored));
      expect(stored.map((r) => spectorJson(r.payload))).toEqual(vectors.map((v) => v.encoded));
      expect(await verifyChain(t.db, ledger)).toEqual({ ok: true, count: 30 });
      expect(await verifyChain(t.db, ledger, { pageSize: 7 })).toEqual({ ok: true, count: 30 });
    });

    test("a JSON text with integers written with a zero exponent (5e0) hashes what jsonb stores (5), and verifies", async () => {
      await t.query("TRUNCATE ledger");
      const row = await appendEvent(t.db, ledger, {
        schema: "user",
        action: "insert",
        payload: jsonText('{"n": 5e0, "m": [-7E+0, 12e-0, 1.5e0]}'),
      });
      const [stored] = await t.query<{ payload: string }>(`SELECT payload::text AS payload FROM ledger`);
      expect(spectorJson(stored!.payload)).toBe('{"m":[-7,12,1.5],"n":5}');
      expect(hex(row.hash)).toBe(
        spectorHash(null, "Elixir.MyApp.User", "insert", '{"m":[-7,12,1.5],"n":5}').toString("hex"),
      );
      expect(await verifyChain(t.db, ledger)).toEqual({ ok: true, count: 1 });
    });

    test("inserted_at is strictly after the chain's last event, even when another writer's clock runs an hour ahead", async () => {
      const [first] = await sixEvents(t);
      // a writer with a fast clock (as a Spector node may be) appends a valid event an hour ahead
      const [last] = await t.query<{ hash: string }>(
        `SELECT encode(hash, 'hex') AS hash FROM ledger ORDER BY inserted_at DESC LIMIT 1`,
      );
      const ahead = spectorHash(last!.hash, "Elixir.MyApp.User", "update", "{}");
      await t.query(
        `INSERT INTO ledger (id, parent_id, payload, schema, action, hash, inserted_at, updated_at)
         VALUES (gen_random_uuid(), $1, '{}', 0, 2, decode($2, 'hex'), now() AT TIME ZONE 'utc' + interval '1 hour', now())`,
        [first!.id, ahead.toString("hex")],
      );
      const next = await appendEvent(t.db, ledger, {
        schema: "user",
        action: "update",
        payload: {},
        parentId: first!.id,
      });
      const [order] = await t.query<{ after: boolean; ties: number }>(
        `SELECT (SELECT inserted_at FROM ledger WHERE id = $1) > (SELECT max(inserted_at) FROM ledger WHERE id <> $1) AS after,
                (SELECT count(*)::int FROM ledger a JOIN ledger b ON a.inserted_at = b.inserted_at AND a.id <> b.id) AS ties`,
        [next.id],
      );
      expect(order).toEqual({ after: true, ties: 0 });
      expect(hex(next.hash)).toBe(spectorHash(ahead, "Elixir.MyApp.User", "update", "{}").toString("hex"));
      expect(await verifyChain(t.db, ledger)).toEqual({ ok: true, count: 8 });
    });

    describe("verifyChain finds the first event a tamperer touched", () => {
      const cases: [string, (rows: { id: string }[]) => Promise<unknown>, number, string][] = [
        [
          "an edited payload",
          (r) => t.query(`UPDATE ledger SET payload = '{"n": 99}' WHERE id = $1`, [r[3]!.id]),
          3,
          "mismatch",
        ],
        ["an edited schema", (r) => t.query(`UPDATE ledger SET schema = 2 WHERE id = $1`, [r[3]!.id]), 3, "mismatch"],
        ["an edited action", (r) => t.query(`UPDATE ledger SET action = 3 WHERE id = $1`, [r[3]!.id]), 3, "mismatch"],
        [
          "an edited hash",
          (r) => t.query(`UPDATE ledger SET hash = sha256('x') WHERE id = $1`, [r[3]!.id]),
          3,
          "mismatch",
        ],
        ["a NULL hash", (r) => t.query(`UPDATE ledger SET hash = NULL WHERE id = $1`, [r[3]!.id]), 3, "missing"],
        ["a deleted event", (r) => t.query(`DELETE FROM ledger WHERE id = $1`, [r[3]!.id]), 4, "mismatch"],
        [
          "two events swapped",
          (r) =>
            t.query(
              `UPDATE ledger SET inserted_at = CASE WHEN id = $1 THEN (SELECT inserted_at FROM ledger WHERE id = $2)
                                                     ELSE (SELECT inserted_at FROM ledger WHERE id = $1) END
               WHERE id IN ($1, $2)`,
              [r[2]!.id, r[3]!.id],
            ),
          3,
          "mismatch",
        ],
      ];
      for (const [what, tamper, at, reason] of cases) {
        test(what, async () => {
          const rows = await sixEvents(t);
          expect(await verifyChain(t.db, ledger)).toEqual({ ok: true, count: 6 });
          const [before] = await t.query<{ hash: string | null }>(
            `SELECT encode(hash, 'hex') AS hash FROM ledger WHERE id = $1`,
            [rows[at]!.id],
          );
          await tamper(rows);
          const [after] = await t.query<{ hash: string | null }>(
            `SELECT encode(hash, 'hex') AS hash FROM ledger WHERE id = $1`,
            [rows[at]!.id],
          );
          const result = await verifyChain(t.db, ledger, { pageSize: 2 });
          expect(result).toMatchObject({
            ok: false,
            table: "ledger",
            eventId: rows[at]!.id,
            reason,
            actual: after!.hash,
          });
          expect(result.count).toBe(what === "two events swapped" ? 2 : 3);
          if (what === "a NULL hash") expect(result).toMatchObject({ expected: before!.hash });
        });
      }

      test("a forged event inserted in the middle, hashed by someone who knows the algorithm", async () => {
        const rows = await sixEvents(t);
        const [prev] = await t.query<{ hash: string; at: string }>(
          `SELECT encode(hash, 'hex') AS hash, inserted_at::text AS at FROM ledger WHERE id = $1`,
          [rows[2]!.id],
        );
        const forged = spectorHash(prev!.hash, "Elixir.MyApp.User", "delete", "{}");
        await t.query(
          `INSERT INTO ledger (id, parent_id, payload, schema, action, hash, inserted_at, updated_at)
           VALUES ('ffffffff-ffff-4fff-bfff-ffffffffffff', $1, '{}', 0, 3, decode($2, 'hex'), $3::timestamp, now())`,
          [rows[0]!.id, forged.toString("hex"), prev!.at],
        );
        // the forged event itself verifies; the event after it no longer does
        const [next] = await t.query<{ id: string }>(
          `SELECT id FROM ledger WHERE (inserted_at, id) > ($1::timestamp, $2::uuid) ORDER BY inserted_at, id LIMIT 1`,
          [prev!.at, rows[2]!.id],
        );
        expect(next!.id).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff"); // the forged event follows rows[2] (a tie, broken by id)
        expect(await verifyChain(t.db, ledger)).toMatchObject({ ok: false, eventId: rows[3]!.id, count: 4 });
      });
    });

    test("a search_path that puts other sha256, encode, ||, >= and > before pg_catalog's changes neither the hashes nor the walk", async () => {
      await t.query("TRUNCATE ledger");
      await t.query(`CREATE SCHEMA IF NOT EXISTS evil`);
      for (const statement of [
        `CREATE OR REPLACE FUNCTION evil.sha256(bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT '\\x00'::bytea $$`,
        `CREATE OR REPLACE FUNCTION evil.encode(bytea, text) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$`,
        `CREATE OR REPLACE FUNCTION evil.decode(text, text) RETURNS bytea LANGUAGE sql AS $$ SELECT '\\x00'::bytea $$`,
        `CREATE OR REPLACE FUNCTION evil.convert_to(text, name) RETURNS bytea LANGUAGE sql AS $$ SELECT '\\x00'::bytea $$`,
        `CREATE OR REPLACE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ SELECT timestamptz '2000-01-01' $$`,
        `CREATE OR REPLACE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT 'read committed' $$`,
        `CREATE OR REPLACE FUNCTION evil.cat(bytea, bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT $1 $$`,
        `CREATE OR REPLACE FUNCTION evil.always(timestamp, timestamp) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$`,
        `DROP OPERATOR IF EXISTS evil.|| (bytea, bytea)`,
        `CREATE OPERATOR evil.|| (LEFTARG = bytea, RIGHTARG = bytea, FUNCTION = evil.cat)`,
        `DROP OPERATOR IF EXISTS evil.>= (timestamp, timestamp)`,
        `CREATE OPERATOR evil.>= (LEFTARG = timestamp, RIGHTARG = timestamp, FUNCTION = evil.always)`,
        `DROP OPERATOR IF EXISTS evil.> (timestamp, timestamp)`,
        `CREATE OPERATOR evil.> (LEFTARG = timestamp, RIGHTARG = timestamp, FUNCTION = evil.always)`,
      ]) {
        await t.query(statement);
      }
      let rows: Awaited<ReturnType<typeof appendEvent<typeof ledger>>>[] = [];
      let result: Awaited<ReturnType<typeof verifyChain>> | undefined;
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL search_path = evil, pg_catalog, public`);
        for (let i = 0; i < 3; i++)
          rows.push(await appendEvent(tx, ledger, { schema: "user", action: "insert", payload: { i } }));
        result = await verifyChain(tx, ledger, { pageSize: 1 });
      });
      let previous: Buffer | null = null;
      rows.forEach((row, i) => {
        previous = spectorHash(previous, "Elixir.MyApp.User", "insert", `{"i":${i}}`);
        expect(hex(row.hash), `event ${i}`).toBe(previous.toString("hex"));
        expect(row.insertedAt.startsWith("2000-")).toBe(false);
      });
      expect(result).toEqual({ ok: true, count: 3 });
      await t.query(`DROP SCHEMA evil CASCADE`);
      rows = [];
    });

    test("an integer without a module or a name is reported, not guessed", async () => {
      const rows = await sixEvents(t);
      await t.query(`UPDATE ledger SET action = 77 WHERE id = $1`, [rows[1]!.id]);
      expect(await verifyChain(t.db, ledger)).toMatchObject({
        ok: false,
        eventId: rows[1]!.id,
        reason: "unknown-action",
        count: 1,
        expected: null,
      });
      await t.query(`UPDATE ledger SET action = 1, schema = 9 WHERE id = $1`, [rows[1]!.id]);
      expect(await verifyChain(t.db, ledger)).toMatchObject({
        ok: false,
        eventId: rows[1]!.id,
        reason: "unknown-schema",
      });
    });

    test("a shard set keeps one chain per shard table and verifies each", async () => {
      await t.query("TRUNCATE chain_0, chain_1");
      const shardCounts = async () =>
        (
          await t.query<{ a: number; b: number }>(
            `SELECT (SELECT count(*)::int FROM chain_0) AS a, (SELECT count(*)::int FROM chain_1) AS b`,
          )
        )[0]!;
      // a record's shard follows its id: 8 records all land in one shard once in 128 runs, so more are
      // made until each shard holds one
      const records = [];
      const bothShards = async () => ((c) => c.a > 0 && c.b > 0)(await shardCounts());
      for (let i = 0; i < 8 || !(await bothShards()); i++)
        records.push(await appendEvent(t.db, chains, { schema: "user", action: "insert", payload: { i } }));
      for (const r of records)
        await appendEvent(t.db, chains, { schema: "user", action: "archive", payload: {}, parentId: r.id });
      const counts = await shardCounts();
      const events = 2 * records.length;
      expect(counts.a + counts.b).toBe(events);
      expect(counts.a * counts.b).toBeGreaterThan(0);
      expect(await verifyChain(t.db, chains)).toEqual({ ok: true, count: events });
      expect(await verifyChain(t.db, sharded.chain_1)).toEqual({ ok: true, count: counts.b });
      await t.query(
        `UPDATE chain_1 SET payload = '{"i": -1}' WHERE id = (SELECT id FROM chain_1 ORDER BY inserted_at DESC LIMIT 1)`,
      );
      expect(await verifyChain(t.db, chains)).toMatchObject({ ok: false, table: "chain_1", count: events - 1 });
    });

    test("tables keyed by schema integers hash their modules too", async () => {
      const row = await appendEvent(t.db, numbered, { schema: 0, action: 4, payload: { at: 1 } });
      expect(hex(row.hash)).toBe(spectorHash(null, "Elixir.MyApp.User", "savepoint", '{"at":1}').toString("hex"));
      expect(await verifyChain(t.db, numbered)).toEqual({ ok: true, count: 1 });
    });

    test("an alias is stored as its target's integer and hashed under its target's name, as Spector reads it back", async () => {
      const row = await appendEvent(t.db, aliased, { schema: "user", action: "soft_delete", payload: {} });
      expect(row.action).toBe("archive");
      expect(hex(row.hash)).toBe(spectorHash(null, "Elixir.MyApp.User", "archive", "{}").toString("hex"));
      expect(await verifyChain(t.db, aliased)).toEqual({ ok: true, count: 1 });
    });

    test("bad input is refused before any SQL, naming what to declare", async () => {
      const refused: [string, (db: TestDatabase["db"]) => Promise<unknown>, string, string][] = [
        [
          "no schemaModules",
          (db) => appendEvent(db, bare, { schema: 0, action: 1, payload: {} }),
          "table",
          "schemaModules",
        ],
        [
          "an action Spector cannot name",
          (db) => appendEvent(db, numbered, { schema: 0, action: 77, payload: {} }),
          "event.action",
          "spectorActions",
        ],
        [
          "a schema without a module",
          (db) => appendEvent(db, numbered, { schema: 1, action: 1, payload: {} }),
          "event.schema",
          "schemaModules",
        ],
        [
          "a hash given",
          // @ts-expect-error appendEvent computes the hash
          (db) => appendEvent(db, ledger, { schema: "user", action: "insert", payload: {}, hash: null }),
          "event.hash",
          "never stores",
        ],
        [
          "bad JSON text",
          (db) => appendEvent(db, ledger, { schema: "user", action: "insert", payload: jsonText("{1}") }),
          "event.payload",
          "JSON",
        ],
        [
          "verify: not hashed",
          // @ts-expect-error an unhashed table has no chain
          (db) => verifyChain(db, plain),
          "table",
          "hashed: true",
        ],
        ["verify: no schemaModules", (db) => verifyChain(db, bare), "table", "schemaModules"],
        ["verify: page size", (db) => verifyChain(db, ledger, { pageSize: 0 }), "pageSize", "integer"],
      ];
      for (const [what, run, option, mention] of refused) {
        await expectRefusedBeforeSql(t, run, { option, mentions: [mention] }, what);
      }
    });

    test("inside a REPEATABLE READ transaction the append is refused and nothing is written", async () => {
      const [{ n: before }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [
        { n: number },
      ];
      await expectRejects(
        t.db.transaction((tx) => appendEvent(tx, ledger, { schema: "user", action: "insert", payload: {} }), {
          isolationLevel: "repeatable read",
        }),
        { option: "db", mentions: ["repeatable read", "fork"] },
      );
      const [{ n: after }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [{ n: number }];
      expect(after).toBe(before);
      // in a READ COMMITTED transaction of the caller's, the append takes part in it
      await t.db
        .transaction(async (tx) => {
          await appendEvent(tx, ledger, { schema: "user", action: "insert", payload: { in: "tx" } });
          tx.rollback();
        })
        .catch(() => undefined);
      const [{ n: rolledBack }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [
        { n: number },
      ];
      expect(rolledBack).toBe(before);
      expect(() => jsonText(1 as never)).toThrow(SpectorOptionError);
    });

    test("an append is one statement: a SELECT from chain_append_<table>(...), no transaction of its own", async () => {
      await t.query("TRUNCATE ledger");
      const sent: string[] = [];
      const logged = t.logged(sent);
      const first = await appendEvent(logged, ledger, { schema: "user", action: "insert", payload: { one: 1 } });
      await appendEvent(logged, ledger, { schema: "post", action: "update", payload: {}, parentId: first.id });
      expect(sent).toHaveLength(2);
      for (const text of sent) {
        expect(text).toMatch(/^select .* from "public"\."chain_append_ledger"\(.*\) as "spector_chain_link"$/s);
      }
      expect(await verifyChain(t.db, ledger)).toMatchObject({ ok: true });
    });

    test("a session whose default isolation is REPEATABLE READ is refused by the function, and nothing is written", async () => {
      const [{ n: before }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [
        { n: number },
      ];
      // PGlite's one session, or a PostgreSQL session of its own
      const session = t.url
        ? postgres(t.url, { max: 1, connection: { default_transaction_isolation: "repeatable read" } })
        : undefined;
      if (!session) await t.query(`SET default_transaction_isolation = 'repeatable read'`);
      try {
        const error = await expectRejects(
          appendEvent(session ? drizzle(session) : t.db, ledger, { schema: "user", action: "insert", payload: {} }),
          { option: "db", mentions: ["repeatable read", "fork", "nothing was written"] },
        );
        expect(error).toBeInstanceOf(SpectorOptionError);
      } finally {
        if (session) await session.end();
        else await t.query(`SET default_transaction_isolation = 'read committed'`);
      }
      const [{ n: after }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [{ n: number }];
      expect(after).toBe(before);
    });

    test("without the migration's chain_append_<table>() the append says to run drizzle-spector generate", async () => {
      const args = "uuid, uuid, integer, integer, jsonb, bytea";
      await t.query(`ALTER FUNCTION chain_append_bare(${args}) RENAME TO chain_append_bare_away`);
      try {
        const { bare: declaredBare } = spectorTables({
          table: "bare",
          hashed: true,
          schemaModules: { 0: "MyApp.User" },
        });
        await expectRejects(appendEvent(t.db, declaredBare, { schema: 0, action: 1, payload: {} }), {
          mentions: ['"public"."chain_append_bare"(...)', "drizzle-spector generate", "drizzle-spector check"],
        });
      } finally {
        await t.query(`ALTER FUNCTION chain_append_bare_away(${args}) RENAME TO chain_append_bare`);
      }
    });
  },
  backends({ drivers: true }),
);

describe.each(backends().filter((b) => b !== "pglite"))(
  "Spector's chain under concurrent writers (on %s)",
  (backend) => {
    const t = useDatabase(backend, async (t) => t.execMigration(await createSql(schema)));

    test("a writer holding Spector's lock makes appendEvent wait, and appendEvent chains from what it wrote", async () => {
      await t.query("TRUNCATE ledger");
      const root = await appendEvent(t.db, ledger, { schema: "user", action: "insert", payload: {} });
      const spector = postgres(t.url!, { max: 1, onnotice: () => undefined }); // Spector's writer, a session of its own
      const other = drizzle(spector);
      try {
        let written!: () => void;
        const wrote = new Promise<void>((resolve) => (written = resolve));
        let release!: () => void;
        const mayCommit = new Promise<void>((resolve) => (release = resolve));
        const spectorHashHex = spectorHash(root.hash!, "Elixir.MyApp.Post", "update", '{"by":"elixir"}').toString(
          "hex",
        );
        const writer = other.transaction(async (tx) => {
          await tx.execute(sql`LOCK TABLE ledger IN EXCLUSIVE MODE`);
          await tx.execute(
            sql`INSERT INTO ledger (id, parent_id, payload, schema, action, hash, inserted_at, updated_at)
              VALUES (gen_random_uuid(), ${root.id}, '{"by": "elixir"}', 1, 2, decode(${spectorHashHex}, 'hex'), now() AT TIME ZONE 'utc', now())`,
          );
          written();
          await mayCommit;
        });
        await wrote;
        const ours = appendEvent(t.db, ledger, { schema: "user", action: "update", payload: {}, parentId: root.id });
        // wait until our append is queued behind the lock, as pg_stat_activity shows
        for (let i = 0; ; i++) {
          const [waiting] = await t.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%chain_append_ledger%'`,
          );
          if (waiting!.n === 1) break;
          if (i > 500) throw new Error("appendEvent never waited for the lock");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        release();
        await writer;
        const row = await ours;
        expect(hex(row.hash)).toBe(spectorHash(spectorHashHex, "Elixir.MyApp.User", "update", "{}").toString("hex"));
        expect(await verifyChain(t.db, ledger)).toEqual({ ok: true, count: 3 });
      } finally {
        await spector.end();
      }
    });

    test("a role that may only SELECT and INSERT is told that Spector's lock needs the UPDATE privilege, and nothing is written", async () => {
      await t.query("TRUNCATE ledger");
      const role = `append_only_${Math.random().toString(36).slice(2, 10)}`;
      await t.query(`CREATE ROLE ${role}`);
      try {
        await t.query(`GRANT SELECT, INSERT ON ledger TO ${role}`);
        const error = await expectRejects(
          t.db.transaction(async (tx) => {
            await tx.execute(sql.raw(`SET LOCAL ROLE ${role}`));
            await appendEvent(tx, ledger, { schema: "user", action: "insert", payload: {} });
          }),
          { mentions: ["ledger", "EXCLUSIVE MODE", "UPDATE, DELETE or TRUNCATE privilege"] },
        );
        expect(pgError(error).code).toBe("42501");
        const [{ n }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [{ n: number }];
        expect(n).toBe(0);
      } finally {
        await t.query(`REVOKE ALL ON ledger FROM ${role}`);
        await t.query(`DROP ROLE ${role}`);
      }
    });

    test("eight writers appending 100 events each (some to shared records) leave one chain of exactly 800 new events", async () => {
      await t.query("TRUNCATE ledger");
      const shared = [
        await appendEvent(t.db, ledger, { schema: "user", action: "insert", payload: { shared: 0 } }),
        await appendEvent(t.db, ledger, { schema: "user", action: "insert", payload: { shared: 1 } }),
      ];
      const writer = async (w: number) => {
        let own: string | undefined;
        for (let i = 0; i < 100; i++) {
          const parentId = w >= 4 ? shared[w % 2]!.id : own;
          const row = await appendEvent(t.db, ledger, {
            schema: w % 3 === 0 ? "post" : "user",
            action: parentId === undefined ? "insert" : "update",
            payload: { w, i, f: i + 0.5 },
            ...(parentId === undefined ? {} : { parentId }),
          });
          if (w < 4 && own === undefined) own = row.id;
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      const [{ n }] = (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger`)) as [{ n: number }];
      expect(n - shared.length).toBe(800);
      expect(await verifyChain(t.db, ledger, { pageSize: 128 })).toEqual({ ok: true, count: 802 });
    });
  },
);
