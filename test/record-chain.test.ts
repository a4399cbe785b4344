/**
 * Record chains (`hashed: "record"`) in a real database: every hash is what the TypeScript reference
 * (test/support/record-hash.ts) recomputes from the rows alone, whoever writes them and whatever their
 * session's settings; one record never forks under concurrent writers (PostgreSQL); ids are moved so
 * that `ORDER BY id` is the chain's order; `verifyChain` names the first thing a tamperer touched, and an
 * anchored `chainHead` catches a consistent rewrite; bad input is refused before any SQL.
 */
import { readFileSync } from "node:fs";
import { sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  SpectorRecordNotFoundError,
  appendEvent,
  chainHead,
  chainHeadTable,
  eventTable,
  jsonText,
  shardSet,
  spectorActions,
  spectorTables,
  verifyChain,
  type ChainHead,
} from "../src/index.js";
import { joinStatements } from "../src/sql/statements.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRefusedBeforeSql, expectRejects, expectThrows } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";
import {
  byRecord,
  expectedStoredHash,
  recordRowsSql,
  referenceChains,
  referenceDigest,
  referenceHash,
  uuidPlus,
  type RecordRow,
} from "./support/record-hash.js";

const schemas = { user: 0, post: 1 } as const;
const actions = spectorActions(["archive"]);
const { events, events_heads } = spectorTables({ table: "events", hashed: "record", schemas, actions });
const { tamper, tamper_heads } = spectorTables({ table: "tamper", hashed: "record", schemas, actions });
const { load, load_heads } = spectorTables({ table: "load", hashed: "record", schemas, actions });
const sharded = spectorTables({ shards: ["rc_0", "rc_1"], hashed: "record", schemas, actions });
const shards = shardSet([sharded.rc_0, sharded.rc_1]);
const { plain } = spectorTables({ table: "plain", schemas, actions });
const { ledger } = spectorTables({
  table: "ledger",
  hashed: true,
  schemas,
  actions,
  schemaModules: { user: "MyApp.User", post: "MyApp.Post" },
});
const schema = { events, events_heads, tamper, tamper_heads, load, load_heads, ...sharded, plain, ledger };

type Head = { parentId: string; lastId: string; lastHash: string; eventCount: number };

const hex = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("hex") : null);

/** Every row of `table` (or of one record), as the reference reads them. */
function rowsOf(t: TestDatabase, table: string, parentId?: string): Promise<RecordRow[]> {
  return t.query<RecordRow>(recordRowsSql(table, parentId !== undefined), parentId === undefined ? [] : [parentId]);
}

/** Every head of `table`'s heads table. */
async function headsOf(t: TestDatabase, table: string): Promise<Map<string, Omit<Head, "parentId">>> {
  const rows = await t.query<Head>(
    `SELECT parent_id::text AS "parentId", last_id::text AS "lastId", encode(last_hash, 'hex') AS "lastHash",
            event_count::int AS "eventCount" FROM ${table}_heads`,
  );
  return new Map(rows.map(({ parentId, ...head }) => [parentId, head]));
}

/** Recomputes every chain of `table` from its rows with the reference: each stored hash, and the heads table. */
async function expectReference(t: TestDatabase, table: string): Promise<RecordRow[]> {
  const rows = await rowsOf(t, table);
  const reference = referenceChains(rows);
  for (const row of rows) expect(row.hash, `hash of ${row.id}`).toBe(reference.hashes.get(row.id));
  expect(await headsOf(t, table)).toEqual(reference.heads);
  return rows;
}

/** The rows of a statement run through Drizzle (postgres.js gives an array, PGlite `{ rows }`). */
async function execRows<R>(db: { execute(query: SQL): PromiseLike<unknown> }, query: SQL): Promise<R[]> {
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}

async function count(t: TestDatabase, table: string): Promise<number> {
  const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row!.n;
}

/** The first event the reference finds broken, walking records by `parent_id` then events by `id`. */
function firstBrokenEvent(rows: readonly RecordRow[], parentId?: string) {
  let before = 0;
  const records = [...byRecord(rows)].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [parent, list] of records) {
    if (parentId !== undefined && parent !== parentId) continue;
    for (const row of list) {
      const expected = expectedStoredHash(rows, row.id);
      if (row.hash !== expected)
        return { eventId: row.id, parentId: parent, expected, actual: row.hash, count: before };
      before++;
    }
  }
  return undefined;
}

describeBackends("record chains", (backend) => {
  const t = useDatabase(backend, async (t) => t.execMigration(await createSql(schema)));

  describe("the hash is reproducible from the rows alone", () => {
    test("events written by appendEvent (several records, null payloads, unicode, 1.0, nested objects) hash as the reference says", async () => {
      const payloads = [
        { name: "Ada", note: 'é 日本語 🦀 "quoted" \\ back\nline' },
        null,
        jsonText('{"price": 1.0, "ratio": 1.50, "big": 1e2, "neg": -0.0}'),
        { nested: { deep: { list: [1, "two", { three: [null, true, false] }] } }, empty: {}, none: [] },
        jsonText("1.0"),
        "just a string",
        [1.5, 2.25, { k: "v" }],
      ];
      const returned: Awaited<ReturnType<typeof appendEvent<typeof events>>>[] = [];
      for (let r = 0; r < 3; r++) {
        const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { record: r } });
        returned.push(root);
        for (const [i, payload] of payloads.entries()) {
          const schema = i % 2 === 0 ? "post" : "user";
          returned.push(await appendEvent(t.db, events, { schema, action: "update", payload, parentId: root.id }));
        }
      }
      const rows = await expectReference(t, "events");
      // what appendEvent returned is what is stored
      for (const row of returned) {
        const stored = rows.find((r) => r.id === row.id);
        expect(stored, `appendEvent returned ${row.id}`).toBeDefined();
        expect(hex(row.hash)).toBe(stored!.hash);
      }
      const texts = rows.map((r) => r.payload);
      expect(texts).toContain('{"big": 100, "neg": 0.0, "price": 1.0, "ratio": 1.50}');
      expect(texts).toContain("1.0");
      expect(texts).toContain(null);
      // the first event of a record is hashed from no previous hash; each next from its predecessor's
      const first = rows.find((r) => r.id === returned[0]!.id)!;
      expect(first.hash).toBe(referenceHash(null, referenceDigest(first)).toString("hex"));
      expect(await verifyChain(t.db, events)).toEqual({ ok: true, count: rows.length });
    });

    test("events written by raw SQL INSERTs (given ids, timestamps with microseconds, ids from next_event_id_T) hash as the reference says", async () => {
      const root = uuidv7();
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload, inserted_at)
         VALUES ($1, $1, 0, 1, '{"a": [1, 2, {"b": null}], "ü": "ß"}', '2024-02-29 23:59:59.000001')`,
        [root],
      );
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload) VALUES (public.next_event_id_events($1), $1, 1, 2, NULL)`,
        [root],
      );
      // a given id made after the record's last (uuidv7() here could fall in the same millisecond as
      // the database's id above, and before it: refused, as ids of a record must increase)
      const [{ id: given }] = (await t.query(`SELECT public.next_event_id_events($1)::text AS id`, [root])) as [
        { id: string },
      ];
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload, inserted_at)
         VALUES ($2, $1, 1, 3, '"x"', '1999-12-31 00:00:00')`,
        [root, given],
      );
      const rows = await expectReference(t, "events");
      const mine = rows.filter((r) => r.parentId === root);
      expect(mine.map((r) => r.insertedAt)).toContain("2024-02-29 23:59:59.000001");
      expect(mine.map((r) => r.insertedAt)).toContain("1999-12-31 00:00:00.000000");
      expect(mine).toHaveLength(3);
      expect(await verifyChain(t.db, events, { parentId: root })).toEqual({ ok: true, count: 3 });
    });

    test("under DateStyle 'SQL, DMY' and TimeZone 'Asia/Tokyo' the hash is the same as the reference's from the values written", async () => {
      const root = uuidv7();
      const child = uuidv7();
      const at = "2024-03-05 06:07:08.000009";
      let seen: { text: string; formatted: string; zone: string } | undefined;
      let returned: Awaited<ReturnType<typeof appendEvent<typeof events>>> | undefined;
      let verified: Awaited<ReturnType<typeof verifyChain>> | undefined;
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL DateStyle = 'SQL, DMY'`);
        await tx.execute(sql`SET LOCAL TimeZone = 'Asia/Tokyo'`);
        await tx.execute(
          sql`INSERT INTO events (id, parent_id, schema, action, payload, inserted_at)
              VALUES (${root}, ${root}, 0, 1, '{"tz": "Tokyo"}', ${at}::timestamp)`,
        );
        await tx.execute(
          sql`INSERT INTO events (id, parent_id, schema, action, payload, inserted_at)
              VALUES (${child}, ${root}, 1, 2, '[1.0]', '2024-03-05 06:07:08.5')`,
        );
        returned = await appendEvent(tx, events, { schema: "user", action: "update", payload: 1, parentId: root });
        [seen] = await execRows<NonNullable<typeof seen>>(
          tx,
          sql`SELECT inserted_at::text AS text, to_char(inserted_at, 'YYYY-MM-DD HH24:MI:SS.US') AS formatted,
                     current_setting('TimeZone') AS zone FROM events WHERE id = ${root}`,
        );
        verified = await verifyChain(tx, events, { parentId: root });
      });
      // the session did print timestamps its own way
      expect(seen).toEqual({ text: "05/03/2024 06:07:08.000009", formatted: at, zone: "Asia/Tokyo" });
      const rootHash = referenceHash(
        null,
        referenceDigest({
          id: root,
          parentId: root,
          schema: "0",
          action: "1",
          insertedAt: at,
          payload: '{"tz": "Tokyo"}',
        }),
      );
      const childHash = referenceHash(
        rootHash,
        referenceDigest({
          id: child,
          parentId: root,
          schema: "1",
          action: "2",
          insertedAt: "2024-03-05 06:07:08.500000",
          payload: "[1.0]",
        }),
      );
      const rows = await rowsOf(t, "events", root);
      expect(rows.map((r) => r.hash)).toEqual([
        rootHash.toString("hex"),
        childHash.toString("hex"),
        referenceHash(childHash, referenceDigest(rows[2]!)).toString("hex"),
      ]);
      expect(rows[2]!.id).toBe(returned!.id);
      expect(verified).toEqual({ ok: true, count: 3 });
      await expectReference(t, "events");
    });
    test("the worked example of docs/record-chains.md: the trigger stores the hashes the documentation gives", async () => {
      const root = "0193c2a4-5b1e-7c3d-9f00-1a2b3c4d5e6f";
      const child = "0193c2a4-5b1f-7000-8000-000000000001";
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload, inserted_at)
         VALUES ($1, $1, 0, 1, '{"a": 1}', '2026-12-07 04:12:00.123456')`,
        [root],
      );
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload, inserted_at)
         VALUES ($2, $1, 0, 2, NULL, '2026-12-07 04:12:01')`,
        [root, child],
      );
      const doc = readFileSync(new URL("../docs/record-chains.md", import.meta.url), "utf8");
      const documented = (label: string) => new RegExp(`${label} ([0-9a-f]{64})`).exec(doc)![1]!;
      expect((await rowsOf(t, "events", root)).map((row) => row.hash)).toEqual([
        documented("first event's hash "),
        documented("second event's hash"),
      ]);
      // the first event's bytes as the documentation spells them: 48 of fields, then the payload's digest
      const [input] = await t.query<{ bytes: string }>(
        `SELECT encode(uuid_send(id) || uuid_send(parent_id) || int4send(schema) || int4send(action)
                       || timestamp_send(inserted_at) || sha256(convert_to(payload::text, 'UTF8')), 'hex') AS bytes
           FROM events WHERE id = $1`,
        [root],
      );
      const spelled = /first event \(80 bytes, hex\):\n([\s\S]*?)\(SHA-256/.exec(doc)![1]!;
      expect(input!.bytes).toBe(spelled.replace(/\s/g, ""));
      expect(await verifyChain(t.db, events, { parentId: root })).toEqual({ ok: true, count: 2 });
    });
  });

  describe("every writer is chained", () => {
    test("a raw INSERT that supplies a hash is refused with 23514 unless it is the chain's; the chain's is kept", async () => {
      const root = uuidv7();
      const child = uuidv7();
      const forged = "ab".repeat(32);
      const insertFirst = (hash: string) =>
        t.query(
          `INSERT INTO events (id, parent_id, schema, action, payload, hash) VALUES ($1, $1, 0, 1, '{}', decode($2, 'hex'))`,
          [root, hash],
        );
      const insertChild = (hash: string) =>
        t.query(
          `INSERT INTO events (id, parent_id, schema, action, payload, hash) VALUES ($2, $1, 0, 2, '{}', decode($3, 'hex'))`,
          [root, child, hash],
        );
      await expectRejects(insertFirst(forged), {
        sqlstate: "23514",
        mentions: [`event ${root} of record ${root} in "public"."events" arrives with a hash that is not the one`],
      });
      expect(await rowsOf(t, "events", root)).toEqual([]);
      // the first event without a hash, then its own hash sent back with a retry of the child
      await t.query(`INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $1, 0, 1, '{}')`, [root]);
      await expectRejects(insertChild(forged), { sqlstate: "23514", mentions: [`event ${child} of record ${root}`] });
      expect(await rowsOf(t, "events", root)).toHaveLength(1);
      const [stored] = await rowsOf(t, "events", root);
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload, inserted_at, hash)
         VALUES ($2, $1, 0, 2, '{}', '2025-01-01 00:00:00', decode($3, 'hex'))`,
        [
          root,
          child,
          referenceHash(
            stored!.hash,
            referenceDigest({
              ...stored!,
              id: child,
              action: "2",
              insertedAt: "2025-01-01 00:00:00.000000",
              payload: "{}",
            }),
          ).toString("hex"),
        ],
      );
      const rows = await rowsOf(t, "events", root);
      expect(rows).toHaveLength(2);
      await expectReference(t, "events");
    });

    test("a multi-row INSERT ... VALUES into one record chains its rows in statement order; one whose id goes back refuses the statement", async () => {
      const root = uuidv7();
      const [c1, c2, c3] = [uuidv7(), uuidv7(), uuidv7()];
      const multi = `INSERT INTO events (id, parent_id, schema, action, payload) VALUES
           ($1, $1, 0, 1, '{"n": 0}'), ($2, $1, 0, 2, '{"n": 1}'), ($3, $1, 0, 2, '{"n": 2}'), ($4, $1, 0, 2, '{"n": 3}')`;
      // statement order: root, c3, c1, c2 (ids c1 and c2 are before c3): refused, nothing written
      await expectRejects(t.query(multi, [root, c3, c1, c2]), {
        sqlstate: "40001",
        mentions: [`event id ${c1} is not after ${c3}, the last id of record ${root}`, "next_event_id_events"],
      });
      expect(await rowsOf(t, "events", root)).toEqual([]);
      await t.query(multi, [root, c1, c2, c3]);
      const rows = await rowsOf(t, "events", root);
      expect(rows.map((r) => r.id)).toEqual([root, c1, c2, c3]);
      expect(rows.map((r) => r.payload)).toEqual(['{"n": 0}', '{"n": 1}', '{"n": 2}', '{"n": 3}']);
      await expectReference(t, "events");
      expect(await headsOf(t, "events").then((h) => h.get(root))).toMatchObject({ lastId: c3, eventCount: 4 });
    });

    test("an INSERT ... SELECT of many rows across records chains every one of them", async () => {
      const roots = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload) SELECT r, r, 0, 1, '{}' FROM unnest($1::uuid[]) AS r`,
        [roots],
      );
      // increasing UUIDv7 ids, interleaved across the four records
      const ids = Array.from({ length: 200 }, () => uuidv7());
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload)
         SELECT i, ($1::uuid[])[g % 4 + 1], g % 2, 2, jsonb_build_object('g', g, 'f', g + 0.5)
           FROM unnest($2::uuid[]) WITH ORDINALITY AS n(i, g) ORDER BY g`,
        [roots, ids],
      );
      await expectReference(t, "events");
      const heads = await headsOf(t, "events");
      for (const root of roots) expect(heads.get(root)!.eventCount).toBe(51);
      for (const root of roots)
        expect(await verifyChain(t.db, events, { parentId: root })).toEqual({ ok: true, count: 51 });
    });

    test("COPY FROM chains every row it writes", async () => {
      const root = uuidv7();
      const lines = [
        [root, root, 0, 1, '{"copy": 0}'],
        [uuidv7(), root, 1, 2, "\\N"],
        [uuidv7(), root, 1, 2, '{"copy": "é"}'],
      ];
      await t.copyIn("events (id, parent_id, schema, action, payload)", lines.map((l) => l.join("\t") + "\n").join(""));
      const rows = await rowsOf(t, "events", root);
      expect(rows.map((r) => r.payload)).toEqual(['{"copy": 0}', null, '{"copy": "é"}']);
      expect(rows.map((r) => r.id)).toEqual(lines.map((l) => l[0]));
      await expectReference(t, "events");
    });

    describe("roles", () => {
      const writer = randomName("rc_writer");
      const hostile = randomName("rc_hostile");
      beforeAll(async () => {
        await t.execMigration(
          joinStatements([
            `CREATE ROLE ${writer};`,
            `CREATE ROLE ${hostile};`,
            `GRANT USAGE ON SCHEMA public TO ${writer}, ${hostile};`,
            `GRANT SELECT, INSERT ON events TO ${writer}, ${hostile};`,
            `CREATE SCHEMA evil AUTHORIZATION ${hostile};`,
          ]),
        );
      });
      afterAll(async () => {
        await t.execMigration(
          joinStatements([
            `DROP SCHEMA IF EXISTS evil CASCADE;`,
            `DROP OWNED BY ${writer}, ${hostile};`,
            `DROP ROLE ${writer};`,
            `DROP ROLE ${hostile};`,
          ]),
        );
      });

      test("no writer can stop a record: ids that are not UUIDv7, or more than 60 s ahead of the database clock, are refused with 22023", async () => {
        const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { f: 0 } });
        const head = await chainHead(t.db, events, root.id);
        const refused = [
          "ffffffff-ffff-ffff-ffff-ffffffffffff", // the largest uuid: no id would be left after it
          "ffffffff-ffff-7fff-bfff-ffffffffffff", // a UUIDv7 in the year 10889
          uuidv7({ msecs: Date.now() + 70_000 }), // 70 s ahead
          "7c9e6679-7425-40de-944b-e07fc1f90ae7", // a UUIDv4
          "01900000-0000-7000-0000-000000000000", // version 7, variant 0
        ];
        for (const id of refused) {
          await t.db.transaction(async (tx) => {
            await tx.execute(sql.raw(`SET LOCAL ROLE ${writer}`));
            await expectRejects(
              tx.transaction((attempt) =>
                attempt.execute(
                  sql`INSERT INTO events (id, parent_id, schema, action, payload) VALUES (${id}::uuid, ${root.id}::uuid, 0, 2, '{}')`,
                ),
              ),
              {
                sqlstate: "22023",
                mentions: [
                  `event id ${id} of record ${root.id} in "public"."events" is not a UUIDv7 whose time is at most 60 seconds ahead of the database clock`,
                ],
              },
            );
          });
        }
        // a first event with such an id is refused too
        await expectRejects(
          t.query(`INSERT INTO events (id, parent_id, schema, action) VALUES ($1, $1, 0, 1)`, [refused[0]]),
          { sqlstate: "22023", mentions: ["60 seconds ahead"] },
        );
        expect(await chainHead(t.db, events, root.id)).toEqual(head);
        // 50 s ahead is within the bound; the record stays appendable, by appendEvent and by raw SQL
        const ahead = uuidv7({ msecs: Date.now() + 50_000 });
        await t.query(`INSERT INTO events (id, parent_id, schema, action) VALUES ($1, $2, 0, 2)`, [ahead, root.id]);
        const next = await appendEvent(t.db, events, {
          schema: "user",
          action: "update",
          payload: { f: 1 },
          parentId: root.id,
        });
        expect(next.id > ahead).toBe(true);
        const [raw] = await t.query<{ id: string }>(
          `INSERT INTO events (id, parent_id, schema, action) VALUES (public.next_event_id_events($1), $1, 0, 2) RETURNING id::text AS id`,
          [root.id],
        );
        expect(raw!.id > next.id).toBe(true);
        expect(await verifyChain(t.db, events, { parentId: root.id })).toEqual({ ok: true, count: 4 });
      });

      test("a role with INSERT (and SELECT) on events and no privilege on the heads table appends, by appendEvent and raw SQL", async () => {
        const [privileges] = await t.query<{ any: boolean }>(
          `SELECT has_table_privilege($1, 'events_heads', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS any`,
          [writer],
        );
        expect(privileges!.any).toBe(false);
        let root: string | undefined;
        await t.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`SET LOCAL ROLE ${writer}`));
          const first = await appendEvent(tx, events, { schema: "user", action: "insert", payload: { by: "writer" } });
          await appendEvent(tx, events, { schema: "post", action: "update", payload: [1.0], parentId: first.id });
          await tx.execute(
            sql`INSERT INTO events (id, parent_id, schema, action, payload) VALUES (public.next_event_id_events(${first.id}), ${first.id}, 0, 2, '{}')`,
          );
          root = first.id;
        });
        expect(await rowsOf(t, "events", root!)).toHaveLength(3);
        expect((await headsOf(t, "events")).get(root!)!.eventCount).toBe(3);
        await expectReference(t, "events");
        // and the heads table is out of its reach
        await expectRejects(
          t.execMigration(joinStatements([`SET LOCAL ROLE ${writer};`, `SELECT * FROM events_heads;`])),
          { sqlstate: "42501" },
        );
      });

      test("a hostile role whose search_path puts its own =, <, <=, ||, sha256, convert_to, to_char first cannot change the hashes", async () => {
        await t.execMigration(
          joinStatements([
            `SET LOCAL ROLE ${hostile};`,
            `CREATE FUNCTION evil.yes(uuid, uuid) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';`,
            `CREATE FUNCTION evil.no(uuid, uuid) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT false';`,
            `CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.yes);`,
            `CREATE OPERATOR evil.< (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.yes);`,
            `CREATE OPERATOR evil.<= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.no);`,
            `CREATE FUNCTION evil.cat(bytea, bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS 'SELECT $1';`,
            `CREATE OPERATOR evil.|| (LEFTARG = bytea, RIGHTARG = bytea, FUNCTION = evil.cat);`,
            `CREATE FUNCTION evil.tcat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1';`,
            `CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.tcat);`,
            `CREATE FUNCTION evil.sha256(bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT '\\x00'::bytea $$;`,
            `CREATE FUNCTION evil.convert_to(text, name) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT '\\x00'::bytea $$;`,
            `CREATE FUNCTION evil.to_char(timestamp, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'then' $$;`,
            `CREATE FUNCTION evil.encode(bytea, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT '00' $$;`,
            `CREATE FUNCTION evil.uuid_send(uuid) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT '\\x00'::bytea $$;`,
          ]),
        );
        const path = `SET LOCAL search_path = evil, pg_catalog, public;`;
        // the role's operators and functions are what its own statements get
        await t.execMigration(
          joinStatements([
            `SET LOCAL ROLE ${hostile};`,
            path,
            `DO $$ BEGIN
               IF NOT (gen_random_uuid() = gen_random_uuid()) OR 'a' || 'b' <> 'a' OR sha256('x') <> '\\x00'::bytea THEN
                 RAISE 'the evil operators are not in effect';
               END IF;
             END $$;`,
          ]),
        );
        const root = uuidv7();
        await t.execMigration(
          joinStatements([
            `SET LOCAL ROLE ${hostile};`,
            path,
            `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ('${root}', '${root}', 0, 1, '{"evil": true}');`,
            `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ('${uuidv7()}', '${root}', 1, 2, '{"n": 1}');`,
            // ids the database makes (int8send, uuid_send, set_byte, encode, gen_random_uuid) under the same path
            `INSERT INTO events (id, parent_id, schema, action, payload) VALUES (public.next_event_id_events('${root}'), '${root}', 1, 2, '{"n": 2}');`,
            `INSERT INTO events (id, parent_id, schema, action, payload) VALUES (public.next_event_id_events('${root}'), '${root}', 0, 3, NULL);`,
          ]),
        );
        const rows = await rowsOf(t, "events", root);
        expect(rows).toHaveLength(4);
        expect(rows.map((r) => JSON.parse(r.payload ?? "null"))).toEqual([{ evil: true }, { n: 1 }, { n: 2 }, null]);
        await expectReference(t, "events");
        // verification and chainHead under that search_path read the same (the role's `=` on uuid is always true)
        for (let i = 0; i < 3; i++)
          await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { i } });
        const roots = (await t.query<{ id: string }>(`SELECT parent_id::text AS id FROM events_heads`)).map(
          (r) => r.id,
        );
        expect(roots.length).toBeGreaterThan(3);
        const heads = await Promise.all(roots.map((id) => chainHead(t.db, events, id)));
        let verified: Awaited<ReturnType<typeof verifyChain>> | undefined;
        let underPath: ChainHead[] = [];
        let notFound: unknown;
        await t.db.transaction(async (tx) => {
          await tx.execute(sql.raw(path));
          verified = await verifyChain(tx, events, { parentId: root });
          for (const id of roots) underPath.push(await chainHead(tx, events, id));
          notFound = await verifyChain(tx, events, { parentId: uuidv7() }).catch((error: unknown) => error);
        });
        expect(verified).toEqual({ ok: true, count: 4 });
        expect(underPath).toEqual(heads);
        expect(notFound).toBeInstanceOf(SpectorRecordNotFoundError);
        expect((notFound as SpectorRecordNotFoundError).foundParentId).toBeUndefined();
        underPath = [];
      });
    });
  });

  describe("ordered appends", () => {
    test("an id not after the record's last (a clock behind) is refused with 40001 naming the record and both ids; stored ids are the ids sent", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { o: 0 } });
      const insert = (id: string, o: number) =>
        t.query<{ id: string }>(
          `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, 2, $3::text::jsonb) RETURNING id::text AS id`,
          [id, root.id, JSON.stringify({ o })],
        );
      const later = uuidv7();
      expect((await insert(later, 1))[0]!.id).toBe(later);
      const head = await chainHead(t.db, events, root.id);
      // a clock an hour behind, and an id between the record's first and its last
      for (const behind of [uuidv7({ msecs: Date.now() - 3_600_000 }), uuidPlus(root.id, 1)]) {
        await expectRejects(insert(behind, 9), {
          sqlstate: "40001",
          mentions: [
            `is not after ${later}, the last id of record ${root.id} in "public"."events"`,
            `"public"."next_event_id_events"(parent_id)`,
          ],
        });
      }
      expect(await chainHead(t.db, events, root.id)).toEqual(head); // nothing written, the head unmoved
      // next_event_id_events makes an id after the last: of the clock, or the last plus one
      const [made] = await t.query<{ id: string }>(`SELECT public.next_event_id_events($1)::text AS id`, [root.id]);
      expect(made!.id > later).toBe(true);
      expect(made!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect((await insert(made!.id, 2))[0]!.id).toBe(made!.id);
      const ahead = uuidv7({ msecs: Date.now() + 30_000 }); // a clock 30 s ahead (within the bound)
      expect((await insert(ahead, 3))[0]!.id).toBe(ahead);
      const [plusOne] = await t.query<{ id: string }>(`SELECT public.next_event_id_events($1)::text AS id`, [root.id]);
      // the clock is behind the last: the last plus 1 to 2^31, its timestamp, version and variant kept
      const step = BigInt(`0x${plusOne!.id.replace(/-/g, "")}`) - BigInt(`0x${ahead.replace(/-/g, "")}`);
      expect(step >= 1n && step <= 2n ** 31n).toBe(true);
      expect(plusOne!.id.slice(0, 20)).toBe(ahead.slice(0, 20));
      expect((await insert(plusOne!.id, 4))[0]!.id).toBe(plusOne!.id);
      // appendEvent after the clock ahead: its own id is refused, it retries with one the database makes
      const appended = await appendEvent(t.db, events, {
        schema: "post",
        action: "update",
        payload: { o: 5 },
        parentId: root.id,
      });
      expect(appended.id > plusOne!.id).toBe(true);
      // and in a transaction of the caller's (the refusal does not abort it: a savepoint)
      const inTransaction = await t.db.transaction(async (tx) => {
        await tx.execute(
          sql`INSERT INTO events (id, parent_id, schema, action, payload) VALUES (${uuidv7({ msecs: Date.now() + 50_000 })}, ${root.id}, 0, 2, '{"o": 6}')`,
        );
        return appendEvent(tx, events, { schema: "post", action: "update", payload: { o: 7 }, parentId: root.id });
      });
      const rows = await rowsOf(t, "events", root.id);
      expect(rows.map((r) => JSON.parse(r.payload!).o)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // ORDER BY id = the order of appends
      expect(rows.map((r) => r.id)).toContain(appended.id);
      expect(rows.at(-1)!.id).toBe(inTransaction.id);
      expect(hex(inTransaction.hash)).toBe(rows.at(-1)!.hash);
      rows.forEach((row, i) => {
        expect(row.hash, `event ${i}`).toBe(
          referenceHash(i === 0 ? null : rows[i - 1]!.hash, referenceDigest(row)).toString("hex"),
        );
      });
      expect(await verifyChain(t.db, events, { parentId: root.id })).toEqual({ ok: true, count: 8 });
    });

    test("a retry of the same event (same id, same content) with ON CONFLICT (id) DO NOTHING stores it once, also after later events", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { r: 0 } });
      const id = uuidv7();
      const retry = () =>
        t.query(
          `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, 2, '{"r": 1}') ON CONFLICT (id) DO NOTHING`,
          [id, root.id],
        );
      await retry();
      await retry();
      await appendEvent(t.db, events, { schema: "user", action: "update", payload: { r: 2 }, parentId: root.id });
      await retry(); // its id is now before the record's last: still the primary key's, not a refusal
      const rows = await rowsOf(t, "events", root.id);
      expect(rows.map((r) => JSON.parse(r.payload!).r)).toEqual([0, 1, 2]);
      expect(rows[1]!.id).toBe(id);
      expect(await verifyChain(t.db, events, { parentId: root.id })).toEqual({ ok: true, count: 3 });
    });

    test("an event of no record gets 23503; a second first event of a record gets 23505; nothing is written", async () => {
      const before = [await count(t, "events"), await count(t, "events_heads")];
      await expectRejects(
        t.query(`INSERT INTO events (id, parent_id, schema, action) VALUES ($1, $2, 0, 2)`, [uuidv7(), uuidv7()]),
        { sqlstate: "23503", mentions: ["its first event must be written first"] },
      );
      const root = (await appendEvent(t.db, events, { schema: "user", action: "insert", payload: null })).id;
      // the id is taken: the trigger leaves the row alone, and the primary key refuses it
      await expectRejects(t.query(`INSERT INTO events (id, parent_id, schema, action) VALUES ($1, $1, 0, 1)`, [root]), {
        sqlstate: "23505",
        mentions: ["events_pkey"],
      });
      expect([await count(t, "events"), await count(t, "events_heads")]).toEqual([before[0]! + 1, before[1]! + 1]);
    });
  });

  describe("ON CONFLICT: a row that is not written does not move the chain", () => {
    test("an idempotent retry (ON CONFLICT (id) DO NOTHING) of an event, or of a first event, writes it once", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { n: 0 } });
      const id = uuidv7();
      const insert = `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, 2, '{"n": 1}') ON CONFLICT (id) DO NOTHING`;
      await t.query(insert, [id, root.id]);
      await t.query(insert, [id, root.id]); // the retry: its id is the record's last, and is not moved
      await t.query(insert.replace("0, 2", "0, 1"), [root.id, root.id]); // the first event, again
      expect((await rowsOf(t, "events", root.id)).map((row) => row.id)).toEqual([root.id, id]);
      expect(await verifyChain(t.db, events, { parentId: root.id })).toEqual({ ok: true, count: 2 });
      expect((await chainHead(t.db, events, root.id)).eventCount).toBe(2);
      await expectReference(t, "events");
    });

    test("an id another record holds, skipped by ON CONFLICT DO NOTHING, leaves that record's head where it was", async () => {
      const a = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { a: 1 } });
      const b = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { b: 1 } });
      const taken = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: { b: 2 },
        parentId: b.id,
      });
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, 2, '{"a": 2}') ON CONFLICT (id) DO NOTHING`,
        [taken.id, a.id],
      );
      expect(await verifyChain(t.db, events, { parentId: a.id })).toEqual({ ok: true, count: 1 });
      expect(await verifyChain(t.db, events, { parentId: b.id })).toEqual({ ok: true, count: 2 });
      const next = await appendEvent(t.db, events, {
        schema: "user",
        action: "update",
        payload: { a: 3 },
        parentId: a.id,
      });
      expect(await verifyChain(t.db, events, { parentId: a.id })).toEqual({ ok: true, count: 2 });
      expect((await chainHead(t.db, events, a.id)).lastId).toBe(next.id);
    });
  });

  describe("what the review found", () => {
    test("the SECURITY DEFINER function refuses to run for a trigger on another table, and PUBLIC cannot execute it", async () => {
      const root = await appendEvent(t.db, events, { schema: "user", action: "insert", payload: { v: 1 } });
      const before = await chainHead(t.db, events, root.id);
      await t.query(
        `CREATE TABLE IF NOT EXISTS fake_events (id uuid, parent_id uuid, payload jsonb, schema int, action int, hash bytea, inserted_at timestamp)`,
      );
      await t.query(
        `CREATE OR REPLACE TRIGGER steal BEFORE INSERT ON fake_events FOR EACH ROW EXECUTE FUNCTION public.record_chain_events()`,
      );
      await expectRejects(
        t.query(`INSERT INTO fake_events VALUES ($1, $2, '{}', 0, 2, NULL, now())`, [uuidv7(), root.id]),
        { sqlstate: "42501", mentions: ["keeps the record chain of", "fake_events"] },
      );
      expect(await chainHead(t.db, events, root.id)).toEqual(before);
      const [acl] = await t.query<{ public: boolean }>(
        `SELECT has_function_privilege('public', 'public.record_chain_events()', 'EXECUTE') AS public`,
      );
      expect(acl!.public).toBe(false);
      await t.query(`DROP TABLE fake_events`);
    });

    test("an inserted_at moved to a BC year breaks the chain; an event whose parent is not a record's first is refused as such", async () => {
      const root = await appendEvent(t.db, tamper, { schema: "user", action: "insert", payload: { bc: 1 } });
      const child = await appendEvent(t.db, tamper, {
        schema: "user",
        action: "update",
        payload: { bc: 2 },
        parentId: root.id,
      });
      const at = (
        await t.query<{ at: string }>(`SELECT inserted_at::text AS at FROM tamper WHERE id = $1`, [child.id])
      )[0]!.at;
      await t.query(`UPDATE tamper SET inserted_at = ($1 || ' BC')::timestamp WHERE id = $2`, [at, child.id]);
      expect(await verifyChain(t.db, tamper, { parentId: root.id })).toMatchObject({
        ok: false,
        reason: "mismatch",
        eventId: child.id,
        expected: expectedStoredHash(await rowsOf(t, "tamper", root.id), child.id),
      });
      await expectRejects(
        t.query(`INSERT INTO tamper (id, parent_id, schema, action) VALUES ($1, $2, 0, 2)`, [uuidv7(), child.id]),
        { sqlstate: "23503", mentions: ["is not the first event of its record"] },
      );
    });
  });

  describe("tampering: verifyChain names the first thing touched", () => {
    /**
     * A fresh `tamper` table: decoy record A (3 events), record R (6 events) the case tampers with,
     * decoy record Z (3 events); R's event ids in order.
     */
    async function fresh() {
      await t.query("TRUNCATE tamper, tamper_heads");
      const write = async (n: number, tag: string) => {
        const root = await appendEvent(t.db, tamper, { schema: "user", action: "insert", payload: { tag, i: 0 } });
        const ids = [root.id];
        for (let i = 1; i < n; i++) {
          const row = await appendEvent(t.db, tamper, {
            schema: i % 2 === 0 ? "user" : "post",
            action: "update",
            payload: jsonText(`{"tag": "${tag}", "i": ${i}, "f": 1.0}`),
            parentId: root.id,
          });
          ids.push(row.id);
        }
        return ids;
      };
      const a = await write(3, "A");
      const r = await write(6, "R");
      const z = await write(3, "Z");
      expect(await verifyChain(t.db, tamper)).toEqual({ ok: true, count: 12 });
      return { a, r, z, R: r[0]! };
    }

    /** Checks both reports of a broken event against the reference, and returns the whole table's. */
    async function expectBrokenEvent(R: string, eventId: string, reason: "mismatch" | "missing") {
      const rows = await rowsOf(t, "tamper");
      const whole = firstBrokenEvent(rows);
      const one = firstBrokenEvent(rows, R);
      expect(whole, "the reference finds it").toMatchObject({ eventId, parentId: R });
      expect(one).toMatchObject({ eventId, parentId: R });
      const base = { ok: false, table: "tamper", reason };
      expect(await verifyChain(t.db, tamper)).toEqual({ ...base, ...whole });
      expect(await verifyChain(t.db, tamper, { parentId: R })).toEqual({ ...base, ...one });
      return whole!;
    }

    const edits: [string, (ids: string[]) => string][] = [
      ["an edited payload", (r) => `UPDATE tamper SET payload = '{"tag": "R", "i": 99}' WHERE id = '${r[3]}'`],
      ["an edited schema", (r) => `UPDATE tamper SET schema = 0 WHERE id = '${r[3]}'`],
      ["an edited action", (r) => `UPDATE tamper SET action = 3 WHERE id = '${r[3]}'`],
      ["an edited hash", (r) => `UPDATE tamper SET hash = sha256('x') WHERE id = '${r[3]}'`],
      [
        "an edited inserted_at",
        (r) => `UPDATE tamper SET inserted_at = inserted_at + interval '1 microsecond' WHERE id = '${r[3]}'`,
      ],
    ];
    for (const [what, edit] of edits) {
      test(what, async () => {
        const { r, R } = await fresh();
        await t.query(edit(r));
        const report = await expectBrokenEvent(R, r[3]!, "mismatch");
        expect(report.count).toBe(3 + 3);
      });
    }

    test("a NULL hash is missing, expecting the reference's hash", async () => {
      const { r, R } = await fresh();
      const [before] = await rowsOf(t, "tamper").then((rows) => rows.filter((row) => row.id === r[3]));
      await t.query(`UPDATE tamper SET hash = NULL WHERE id = $1`, [r[3]]);
      const report = await expectBrokenEvent(R, r[3]!, "missing");
      expect(report).toMatchObject({ expected: before!.hash, actual: null });
    });

    test("an edited parent_id (an event moved to another record) breaks both records", async () => {
      const { r, z, R } = await fresh();
      await t.query(`UPDATE tamper SET parent_id = $1 WHERE id = $2`, [z[0], r[3]]);
      // R, whose events come first, is reported at the event after the one that left
      await expectBrokenEvent(R, r[4]!, "mismatch");
      const rows = await rowsOf(t, "tamper");
      expect(await verifyChain(t.db, tamper, { parentId: z[0]! })).toEqual({
        ok: false,
        table: "tamper",
        reason: "mismatch",
        ...firstBrokenEvent(rows, z[0]!),
        eventId: r[3], // older than Z's events: now Z's first by id
        parentId: z[0],
      });
    });

    test("a deleted event in the middle", async () => {
      const { r, R } = await fresh();
      await t.query(`DELETE FROM tamper WHERE id = $1`, [r[3]]);
      const report = await expectBrokenEvent(R, r[4]!, "mismatch");
      expect(report.count).toBe(3 + 3);
    });

    test("two events' payloads swapped", async () => {
      const { r, R } = await fresh();
      await t.query(
        `UPDATE tamper SET payload = CASE WHEN id = $1 THEN (SELECT payload FROM tamper WHERE id = $2)
                                          ELSE (SELECT payload FROM tamper WHERE id = $1) END WHERE id IN ($1, $2)`,
        [r[2], r[3]],
      );
      await expectBrokenEvent(R, r[2]!, "mismatch");
    });

    test("two events' ids swapped", async () => {
      const { r, R } = await fresh();
      const spare = uuidv7();
      await t.execMigration(
        joinStatements([
          `UPDATE tamper SET id = '${spare}' WHERE id = '${r[2]}';`,
          `UPDATE tamper SET id = '${r[2]}' WHERE id = '${r[3]}';`,
          `UPDATE tamper SET id = '${r[3]}' WHERE id = '${spare}';`,
        ]),
      );
      const [moved] = await t.query<{ payload: string }>(`SELECT payload->>'i' AS payload FROM tamper WHERE id = $1`, [
        r[2],
      ]);
      expect(moved!.payload).toBe("3");
      await expectBrokenEvent(R, r[2]!, "mismatch");
    });

    test("a forged event inserted in the middle with the trigger disabled, hashed right: the event after it breaks", async () => {
      const { r, R } = await fresh();
      const low = BigInt(`0x${r[3]!.replace(/-/g, "")}`);
      const high = BigInt(`0x${r[4]!.replace(/-/g, "")}`);
      const forgedId = uuidPlus(r[3]!, (high - low) / 2n);
      expect(forgedId > r[3]! && forgedId < r[4]!).toBe(true);
      const [at] = await t.query<{ at: string; prev: string }>(
        `SELECT to_char(inserted_at, 'YYYY-MM-DD HH24:MI:SS.US') AS at, encode(hash, 'hex') AS prev FROM tamper WHERE id = $1`,
        [r[3]],
      );
      const forged = referenceHash(
        at!.prev,
        referenceDigest({ id: forgedId, parentId: R, schema: "0", action: "3", insertedAt: at!.at, payload: "{}" }),
      ).toString("hex");
      await t.execMigration(
        joinStatements([
          `ALTER TABLE tamper DISABLE TRIGGER record_chain_tamper;`,
          `INSERT INTO tamper (id, parent_id, schema, action, payload, inserted_at, hash)
             VALUES ('${forgedId}', '${R}', 0, 3, '{}', '${at!.at}', decode('${forged}', 'hex'));`,
          `ALTER TABLE tamper ENABLE TRIGGER record_chain_tamper;`,
        ]),
      );
      const report = await expectBrokenEvent(R, r[4]!, "mismatch");
      expect(report.count).toBe(3 + 5); // A's three, then R's first four and the forged one, which verifies
    });

    test("the last event deleted: head-mismatch, the head expecting the deleted event's hash", async () => {
      const { r, R } = await fresh();
      const before = referenceChains(await rowsOf(t, "tamper"));
      await t.query(`DELETE FROM tamper WHERE id = $1`, [r[5]]);
      const rows = await rowsOf(t, "tamper");
      expect(firstBrokenEvent(rows)).toBeUndefined(); // every event still chains
      const report = {
        ok: false,
        table: "tamper",
        parentId: R,
        eventId: r[5],
        reason: "head-mismatch",
        expected: before.hashes.get(r[5]!),
        actual: rows.find((row) => row.id === r[4])!.hash,
        head: { lastId: r[5], eventCount: 6 },
        record: { lastId: r[4], eventCount: 5 },
      };
      expect(await verifyChain(t.db, tamper)).toEqual({ ...report, count: 3 + 5 });
      expect(await verifyChain(t.db, tamper, { parentId: R })).toEqual({ ...report, count: 5 });
    });

    test("a whole record deleted: deleted", async () => {
      const { r, R } = await fresh();
      const before = referenceChains(await rowsOf(t, "tamper"));
      await t.query(`DELETE FROM tamper WHERE parent_id = $1`, [R]);
      const report = {
        ok: false,
        table: "tamper",
        parentId: R,
        eventId: r[5],
        reason: "deleted",
        expected: before.hashes.get(r[5]!),
        actual: null,
      };
      expect(await verifyChain(t.db, tamper)).toEqual({ ...report, count: 3 });
      expect(await verifyChain(t.db, tamper, { parentId: R })).toEqual({ ...report, count: 0 });
    });

    test("a record written with the trigger disabled, hashed right, has no head: headless", async () => {
      await fresh();
      const root = uuidv7();
      const ids = [root, uuidv7(), uuidv7()];
      const at = "2025-01-02 03:04:05.678901";
      let previous: Buffer | null = null;
      const values = ids.map((id, i) => {
        previous = referenceHash(
          previous,
          referenceDigest({ id, parentId: root, schema: "1", action: "2", insertedAt: at, payload: `{"h": ${i}}` }),
        );
        return `('${id}', '${root}', 1, 2, '{"h": ${i}}', '${at}', decode('${previous.toString("hex")}', 'hex'))`;
      });
      await t.execMigration(
        joinStatements([
          `ALTER TABLE tamper DISABLE TRIGGER record_chain_tamper;`,
          `INSERT INTO tamper (id, parent_id, schema, action, payload, inserted_at, hash) VALUES ${values.join(", ")};`,
          `ALTER TABLE tamper ENABLE TRIGGER record_chain_tamper;`,
        ]),
      );
      const rows = await rowsOf(t, "tamper");
      expect(firstBrokenEvent(rows)).toBeUndefined();
      const report = {
        ok: false,
        table: "tamper",
        parentId: root,
        eventId: ids[2],
        reason: "headless",
        expected: null,
        actual: previous!.toString("hex"),
      };
      expect(await verifyChain(t.db, tamper)).toEqual({ ...report, count: 15 });
      expect(await verifyChain(t.db, tamper, { parentId: root })).toEqual({ ...report, count: 3 });
      // and the trigger, back on, refuses to extend it: its events predate any head
      await expectRejects(
        t.query(`INSERT INTO tamper (id, parent_id, schema, action) VALUES ($1, $2, 0, 2)`, [uuidv7(), root]),
        { sqlstate: "55000", mentions: ["has no record chain head"] },
      );
    });

    test("an anchored head holds after more appends, and catches a consistent rewrite that plain verifyChain cannot see", async () => {
      const { r, R } = await fresh();
      const head = await chainHead(t.db, tamper, R);
      const reference = referenceChains(await rowsOf(t, "tamper"));
      expect(head).toEqual({ parentId: R, ...reference.heads.get(R)! });
      expect(head).toMatchObject({ lastId: r[5], eventCount: 6 });
      expect(await verifyChain(t.db, tamper, { parentId: R, head })).toEqual({ ok: true, count: 6 });
      // head without its parentId key is the same anchor
      const { parentId: _, ...bare } = head;
      expect(await verifyChain(t.db, tamper, { parentId: R, head: bare })).toEqual({ ok: true, count: 6 });
      for (let i = 0; i < 2; i++)
        await appendEvent(t.db, tamper, { schema: "user", action: "update", payload: { more: i }, parentId: R });
      expect(await verifyChain(t.db, tamper, { parentId: R, head })).toEqual({ ok: true, count: 8 });

      // the attacker rewrites event 2 and rehashes the record and its head consistently
      await t.query(`UPDATE tamper SET payload = '{"tag": "R", "i": "rewritten"}' WHERE id = $1`, [r[2]]);
      const rewritten = referenceChains(await rowsOf(t, "tamper", R));
      const statements = [...rewritten.hashes].map(
        ([id, hash]) => `UPDATE tamper SET hash = decode('${hash}', 'hex') WHERE id = '${id}';`,
      );
      const newHead = rewritten.heads.get(R)!;
      await t.execMigration(
        joinStatements([
          ...statements,
          `UPDATE tamper_heads SET last_hash = decode('${newHead.lastHash}', 'hex') WHERE parent_id = '${R}';`,
        ]),
      );
      await expectReference(t, "tamper");
      expect(await verifyChain(t.db, tamper)).toEqual({ ok: true, count: 14 });
      expect(await verifyChain(t.db, tamper, { parentId: R })).toEqual({ ok: true, count: 8 });
      expect(await verifyChain(t.db, tamper, { parentId: R, head })).toEqual({
        ok: false,
        count: 8,
        table: "tamper",
        parentId: R,
        eventId: head.lastId,
        reason: "anchor-mismatch",
        expected: head.lastHash,
        actual: rewritten.hashes.get(head.lastId),
        head: { lastId: head.lastId, eventCount: 6 },
        record: { lastId: head.lastId, eventCount: 6 },
      });

      // a record cut back before the anchored event, head fixed: the anchored event is gone
      const later = await chainHead(t.db, tamper, R);
      expect(later.eventCount).toBe(8);
      const kept = (await rowsOf(t, "tamper", R)).slice(0, 7);
      await t.execMigration(
        joinStatements([
          `DELETE FROM tamper WHERE id = '${later.lastId}';`,
          `UPDATE tamper_heads SET last_id = '${kept.at(-1)!.id}', last_hash = decode('${kept.at(-1)!.hash}', 'hex'), event_count = 7 WHERE parent_id = '${R}';`,
        ]),
      );
      expect(await verifyChain(t.db, tamper, { parentId: R })).toEqual({ ok: true, count: 7 });
      expect(await verifyChain(t.db, tamper, { parentId: R, head: later })).toEqual({
        ok: false,
        count: 7,
        table: "tamper",
        parentId: R,
        eventId: later.lastId,
        reason: "anchor-mismatch",
        expected: later.lastHash,
        actual: null,
        head: { lastId: later.lastId, eventCount: 8 },
      });
    });
  });

  describe("bad input", () => {
    test('hashed other than true, false or "record" is a TypeError naming hashed; schemaModules with a record chain is refused', () => {
      for (const hashed of ["recordx", 1, "true", null]) {
        expectThrows(() => spectorTables({ table: "x", hashed } as never), { option: "hashed" }, String(hashed));
        expectThrows(() => eventTable("x", { hashed } as never), { option: "hashed" }, String(hashed));
      }
      expectThrows(() => spectorTables({ table: "x", hashed: "record", schemaModules: { 0: "MyApp.User" } } as never), {
        option: "schemaModules",
        mentions: ['hashed: "record"'],
      });
      expectThrows(() => chainHeadTable(plain as never), { option: "events", mentions: ['hashed: "record"'] });
      expect(chainHeadTable(events)).toBe(events_heads);
    });

    test("chainHead, verifyChain and appendEvent refuse bad input before any SQL runs", async () => {
      const root = (await appendEvent(t.db, events, { schema: "user", action: "insert", payload: {} })).id;
      const head = await chainHead(t.db, events, root);
      const refused: [string, (db: TestDatabase["db"]) => Promise<unknown>, string, string][] = [
        ["chainHead: unhashed", (db) => chainHead(db, plain, root), "table", 'hashed: "record"'],
        ["chainHead: Spector's chain", (db) => chainHead(db, ledger, root), "table", 'hashed: "record"'],
        ["chainHead: no UUID", (db) => chainHead(db, events, "not-a-uuid"), "parentId", "UUID"],
        [
          "verify: parentId on Spector's chain",
          (db) => verifyChain(db, ledger, { parentId: root }),
          "parentId",
          "record chains",
        ],
        ["verify: head on Spector's chain", (db) => verifyChain(db, ledger, { head }), "head", "record chains"],
        ["verify: head without parentId", (db) => verifyChain(db, events, { head }), "head", "parentId"],
        ["verify: parentId no UUID", (db) => verifyChain(db, events, { parentId: "x" }), "parentId", "UUID"],
        [
          "verify: head.lastHash uppercase",
          (db) => verifyChain(db, events, { parentId: root, head: { ...head, lastHash: head.lastHash.toUpperCase() } }),
          "head.lastHash",
          "64 lowercase hex",
        ],
        [
          "verify: head.lastHash short",
          (db) => verifyChain(db, events, { parentId: root, head: { ...head, lastHash: "abcd" } }),
          "head.lastHash",
          "64 lowercase hex",
        ],
        [
          "verify: head.lastId",
          (db) => verifyChain(db, events, { parentId: root, head: { ...head, lastId: "x" } }),
          "head.lastId",
          "UUID",
        ],
        [
          "verify: head.eventCount",
          (db) => verifyChain(db, events, { parentId: root, head: { ...head, eventCount: 0 } }),
          "head.eventCount",
          "positive integer",
        ],
        [
          "verify: head of another record",
          (db) => verifyChain(db, events, { parentId: root, head: { ...head, parentId: uuidv7() } }),
          "head.parentId",
          root,
        ],
        [
          "verify: head with an unknown key",
          (db) => verifyChain(db, events, { parentId: root, head: { ...head, extra: 1 } as ChainHead }),
          "head.extra",
          "no such",
        ],
        [
          "appendEvent: a hash given",
          // @ts-expect-error the database computes every hash of a record chain
          (db) => appendEvent(db, events, { schema: "user", action: "insert", payload: {}, hash: null }),
          "event.hash",
          "database computes every hash",
        ],
      ];
      for (const [what, run, option, mention] of refused) {
        await expectRefusedBeforeSql(t, run, { option, mentions: [mention] }, what);
      }
    });

    test("chainHead and verifyChain of an id that is no record throw SpectorRecordNotFoundError and write nothing", async () => {
      const root = (await appendEvent(t.db, events, { schema: "user", action: "insert", payload: {} })).id;
      const child = (await appendEvent(t.db, events, { schema: "user", action: "update", payload: {}, parentId: root }))
        .id;
      const before = [await count(t, "events"), await count(t, "events_heads")];
      const nobody = uuidv7();
      for (const [what, run, found] of [
        ["chainHead: no event", () => chainHead(t.db, events, nobody), undefined],
        ["chainHead: not a first event", () => chainHead(t.db, events, child), root],
        ["verifyChain: no event", () => verifyChain(t.db, events, { parentId: nobody }), undefined],
        ["verifyChain: not a first event", () => verifyChain(t.db, events, { parentId: child }), root],
        [
          "appendEvent: not a first event",
          () => appendEvent(t.db, events, { schema: "user", action: "update", payload: {}, parentId: child }),
          root,
        ],
      ] as const) {
        const error = await expectRejects(run, { instanceOf: SpectorRecordNotFoundError }, what);
        expect((error as unknown as SpectorRecordNotFoundError).foundParentId, what).toBe(found);
      }
      expect([await count(t, "events"), await count(t, "events_heads")]).toEqual(before);
    });
  });

  describe("shard sets", () => {
    test("one heads table per shard, each shard's trigger keeping its own", async () => {
      expect(Object.keys(sharded).sort()).toEqual(["rc_0", "rc_0_heads", "rc_1", "rc_1_heads"]);
      const triggers = await t.query<{ table: string; fn: string; heads: boolean; other: boolean }>(
        `SELECT c.relname AS table, p.proname AS fn,
                p.prosrc LIKE '%"public"."' || c.relname || '_heads"%' AS heads,
                p.prosrc LIKE '%"public"."rc_' || (1 - right(c.relname, 1)::int) || '_heads"%' AS other
           FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
          WHERE c.relname IN ('rc_0', 'rc_1') AND NOT g.tgisinternal ORDER BY 1`,
      );
      expect(triggers).toEqual([
        { table: "rc_0", fn: "record_chain_rc_0", heads: true, other: false },
        { table: "rc_1", fn: "record_chain_rc_1", heads: true, other: false },
      ]);
      // records start in a shard chosen at random: write until each shard holds three
      const roots: string[] = [];
      let children = 0;
      for (let i = 0; (await count(t, "rc_0_heads")) < 3 || (await count(t, "rc_1_heads")) < 3; i++) {
        if (i > 200) throw new Error("new records never reached both shards");
        const root = await appendEvent(t.db, shards, { schema: "user", action: "insert", payload: { i } });
        roots.push(root.id);
        for (let j = 0; j < i % 3; j++, children++)
          await appendEvent(t.db, shards, { schema: "post", action: "update", payload: { j }, parentId: root.id });
      }
      const [n0, n1] = [await count(t, "rc_0"), await count(t, "rc_1")];
      expect(n0 + n1).toBe(roots.length + children);
      const rows0 = await expectReference(t, "rc_0");
      const rows1 = await expectReference(t, "rc_1");
      expect(await verifyChain(t.db, shards)).toEqual({ ok: true, count: n0 + n1 });
      expect(await verifyChain(t.db, sharded.rc_1)).toEqual({ ok: true, count: n1 });
      for (const root of roots) {
        const shard = rows0.some((r) => r.id === root) ? "rc_0" : "rc_1";
        const rows = (shard === "rc_0" ? rows0 : rows1).filter((r) => r.parentId === root);
        expect(await verifyChain(t.db, shards, { parentId: root })).toEqual({ ok: true, count: rows.length });
        const head = await chainHead(t.db, shards, root);
        expect(head).toEqual({ parentId: root, ...(await headsOf(t, shard)).get(root)! });
        expect(await verifyChain(t.db, shards, { parentId: root, head })).toEqual({ ok: true, count: rows.length });
      }
      // a tampered event in rc_1 is reported in rc_1, after every event of rc_0
      const victim = rows1[0]!;
      await t.query(`UPDATE rc_1 SET payload = '{"i": -1}' WHERE id = $1`, [victim.id]);
      expect(await verifyChain(t.db, shards)).toMatchObject({
        ok: false,
        table: "rc_1",
        eventId: victim.id,
        parentId: victim.parentId,
        reason: "mismatch",
        count: n0,
        expected: expectedStoredHash(await rowsOf(t, "rc_1"), victim.id),
      });
      expect(await verifyChain(t.db, shards, { parentId: victim.parentId })).toMatchObject({
        ok: false,
        table: "rc_1",
        eventId: victim.id,
        count: 0,
      });
    });
  });

  if (backend !== "pglite") describeConcurrency(t);
});

/** A session of its own (PGlite has one connection: these tests run on PostgreSQL only). */
function session(t: TestDatabase) {
  return postgres(t.url!, { max: 1, onnotice: () => undefined });
}

/** Waits until backend `pid` waits for a lock `holder` holds, as pg_locks and pg_blocking_pids show. */
async function blockedBy(t: TestDatabase, pid: number, holder: number): Promise<{ locktype: string }[]> {
  for (let i = 0; ; i++) {
    const [row] = await t.query<{ blockers: number[] }>(`SELECT pg_blocking_pids($1) AS blockers`, [pid]);
    if (row!.blockers.includes(holder)) {
      return t.query(`SELECT locktype FROM pg_locks WHERE pid = $1 AND NOT granted`, [pid]);
    }
    if (i > 2_000) throw new Error(`backend ${pid} never waited for ${holder}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function pidOf(client: postgres.Sql): Promise<number> {
  const [row] = await client`SELECT pg_backend_pid() AS pid`;
  return row!.pid as number;
}

function describeConcurrency(t: TestDatabase) {
  describe("one record never forks under concurrent writers (PostgreSQL only)", () => {
    const insertChild = (client: postgres.Sql | postgres.TransactionSql, parentId: string, payload: string) =>
      client.unsafe(
        `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, 2, $3::text::jsonb) RETURNING id::text AS id`,
        [uuidv7(), parentId, payload],
      );

    test("READ COMMITTED: a second append to the record waits for the first, then chains to its event", async () => {
      const root = (await appendEvent(t.db, events, { schema: "user", action: "insert", payload: {} })).id;
      const [a, b] = [session(t), session(t)];
      try {
        const [pa, pb] = [await pidOf(a), await pidOf(b)];
        await a.unsafe("BEGIN");
        const [first] = await insertChild(a, root, '{"by": "a"}');
        let done = false;
        const second = b
          .begin(async (tx) => {
            const rows = await tx.unsafe(
              `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, 2, '{"by": "b"}') RETURNING id::text AS id`,
              [uuidv7(), root],
            );
            return rows[0]!.id as string;
          })
          .finally(() => (done = true));
        const waiting = await blockedBy(t, pb, pa);
        expect(waiting.map((l) => l.locktype)).toContain("transactionid");
        expect(done).toBe(false);
        await a.unsafe("COMMIT");
        const secondId = await second;
        expect(secondId > first!.id).toBe(true);
        const rows = await rowsOf(t, "events", root);
        expect(rows.map((r) => r.id)).toEqual([root, first!.id, secondId]);
        expect(rows[2]!.hash).toBe(referenceHash(rows[1]!.hash, referenceDigest(rows[2]!)).toString("hex"));
        await expectReference(t, "events");
      } finally {
        await Promise.all([a.end(), b.end()]);
      }
    });

    test("an idempotent retry that overlaps its still uncommitted original waits for it, then is skipped: written once", async () => {
      const root = (await appendEvent(t.db, events, { schema: "user", action: "insert", payload: {} })).id;
      const [a, b] = [session(t), session(t)];
      const id = uuidv7();
      const insert = `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, 2, '{"pay": 100}') ON CONFLICT (id) DO NOTHING RETURNING id::text AS id`;
      try {
        const [pa, pb] = [await pidOf(a), await pidOf(b)];
        await a.unsafe("BEGIN");
        await a.unsafe(insert, [id, root]);
        const retry = b.unsafe(insert, [id, root]).execute(); // postgres.js sends a query when it is awaited or executed
        await blockedBy(t, pb, pa);
        await a.unsafe("COMMIT");
        expect(await retry).toHaveLength(0); // skipped, not moved to another id
        expect((await rowsOf(t, "events", root)).map((row) => row.id)).toEqual([root, id]);
        expect(await verifyChain(t.db, events, { parentId: root })).toEqual({ ok: true, count: 2 });
      } finally {
        await Promise.all([a.end(), b.end()]);
      }
    });

    for (const level of ["repeatable read", "serializable"] as const) {
      test(`${level.toUpperCase()}: an append that conflicts fails with 40001 (waiting, or with a stale snapshot), and a retry chains`, async () => {
        const root = (await appendEvent(t.db, events, { schema: "user", action: "insert", payload: {} })).id;
        const [a, b] = [session(t), session(t)];
        try {
          const [pa, pb] = [await pidOf(a), await pidOf(b)];
          // waiting: a holds the head; b waits, then a commits
          await a.unsafe("BEGIN");
          await insertChild(a, root, '{"by": "a"}');
          const waiting = b.begin(`isolation level ${level}`, (tx) => insertChild(tx, root, '{"by": "b"}'));
          // its refusal is handled from now on: it can arrive before COMMIT's own answer is read
          const refused = expectRejects(waiting, { sqlstate: "40001" }, "after waiting");
          await blockedBy(t, pb, pa);
          await a.unsafe("COMMIT");
          await refused;
          // a stale snapshot: b's snapshot is taken before a appends and commits
          let snapshot!: () => void;
          const taken = new Promise<void>((resolve) => (snapshot = resolve));
          let go!: () => void;
          const appended = new Promise<void>((resolve) => (go = resolve));
          const stale = b.begin(`isolation level ${level}`, async (tx) => {
            await tx.unsafe(`SELECT count(*) FROM events`);
            snapshot();
            await appended;
            return insertChild(tx, root, '{"by": "stale b"}');
          });
          await taken;
          await insertChild(a, root, '{"by": "a again"}');
          go();
          await expectRejects(stale, { sqlstate: "40001" }, "stale snapshot");
          const rows = await rowsOf(t, "events", root);
          expect(rows.map((r) => JSON.parse(r.payload!).by)).toEqual([undefined, "a", "a again"]);
          // the retry chains to a's last event
          const [retried] = await b.begin(`isolation level ${level}`, (tx) => insertChild(tx, root, '{"by": "b"}'));
          const after = await rowsOf(t, "events", root);
          expect(after.map((r) => r.id)).toEqual([...rows.map((r) => r.id), retried!.id]);
          expect(after[3]!.hash).toBe(referenceHash(after[2]!.hash, referenceDigest(after[3]!)).toString("hex"));
          expect((await headsOf(t, "events")).get(root)!.eventCount).toBe(4);
          await expectReference(t, "events");
        } finally {
          await Promise.all([a.end(), b.end()]);
        }
      });
    }

    test("two concurrent first events of one record: the second waits, then gets 23505", async () => {
      const root = uuidv7();
      const [a, b] = [session(t), session(t)];
      try {
        const [pa, pb] = [await pidOf(a), await pidOf(b)];
        const insertRoot = (client: postgres.Sql, by: string) =>
          client.unsafe(
            `INSERT INTO events (id, parent_id, schema, action, payload) VALUES ($1, $1, 0, 1, $2::text::jsonb)`,
            [root, JSON.stringify({ by })],
          );
        await a.unsafe("BEGIN");
        await insertRoot(a, "a");
        const second = insertRoot(b, "b").execute(); // postgres.js sends a query when it is awaited or executed
        second.catch(() => undefined); // handled below; it may fail before the COMMIT below has returned
        await blockedBy(t, pb, pa);
        await a.unsafe("COMMIT");
        // the id is taken once the first commits: the trigger leaves the row to the primary key
        await expectRejects(second, { sqlstate: "23505", mentions: ["events_pkey"] });
        const rows = await rowsOf(t, "events", root);
        expect(rows.map((r) => r.payload)).toEqual(['{"by": "a"}']);
        expect((await headsOf(t, "events")).get(root)!.eventCount).toBe(1);
      } finally {
        await Promise.all([a.end(), b.end()]);
      }
    });

    test("a reader polling `id > last` per record never sees an event appear behind one it saw, with 7 writers and skewed ids", async () => {
      const roots = [uuidv7(), uuidv7(), uuidv7()];
      await t.query(
        `INSERT INTO events (id, parent_id, schema, action, payload) SELECT r, r, 0, 1, '{}' FROM unnest($1::uuid[]) AS r`,
        [roots],
      );
      const writers = Array.from({ length: 7 }, () => session(t));
      const reader = session(t);
      let writing = true;
      try {
        // ids from clocks up to 5 s behind or ahead, or from next_event_id_events; a refused one (40001) is
        // retried without an id, which the trigger makes under the record's lock
        const skewed = (w: number, i: number) =>
          w % 3 === 0
            ? "function"
            : uuidv7({ msecs: Date.now() + (w % 3 === 1 ? -1 : 1) * ((w * 7919 + i * 104729) % 5_000) });
        let refused = 0;
        const write = async (client: postgres.Sql, w: number) => {
          for (let i = 0; i < 30; i++) {
            const attempt = (id: string | null) =>
              client.begin(async (tx) => {
                await tx.unsafe(
                  `INSERT INTO events (id, parent_id, schema, action, payload)
                   VALUES (CASE WHEN $4 THEN public.next_event_id_events($2) ELSE $1::uuid END, $2, 1, 2, $3::text::jsonb)`,
                  [
                    id === "function" ? null : id,
                    roots[(w + i) % roots.length]!,
                    JSON.stringify({ w, i }),
                    id === "function",
                  ],
                );
                if (i % 4 === 0) await tx.unsafe(`SELECT pg_sleep(0.002)`); // hold the head a little
              });
            for (let id: string | null = skewed(w, i); ; id = null) {
              try {
                await attempt(id);
                break;
              } catch (error) {
                if ((error as { code?: string }).code !== "40001") throw error;
                refused++;
              }
            }
          }
        };
        const seen = new Map(roots.map((root) => [root, [root]]));
        let polls = 0;
        let behind = 0;
        const poll = async () => {
          for (const root of roots) {
            const list = seen.get(root)!;
            const last = list.at(-1)!;
            const rows = await reader.unsafe(
              `SELECT id::text AS id FROM events WHERE parent_id = $1 AND id > $2 ORDER BY id`,
              [root, last],
            );
            list.push(...rows.map((r) => r.id as string));
            const [check] = await reader.unsafe(
              `SELECT count(*)::int AS n FROM events WHERE parent_id = $1 AND id <= $2`,
              [root, list.at(-1)!],
            );
            behind += (check!.n as number) - list.length;
          }
          polls++;
        };
        const reading = (async () => {
          while (writing) await poll();
        })();
        await Promise.all(writers.map((client, w) => write(client, w)));
        writing = false;
        await reading;
        await poll();
        expect(polls).toBeGreaterThan(1);
        expect(behind).toBe(0);
        const rows = await rowsOf(t, "events");
        for (const root of roots) {
          expect(seen.get(root), `record ${root}`).toEqual(rows.filter((r) => r.parentId === root).map((r) => r.id));
        }
        expect(roots.reduce((n, root) => n + seen.get(root)!.length, 0)).toBe(3 + 7 * 30);
        expect(refused).toBeGreaterThan(0); // the clocks behind were refused, and retried
        await expectReference(t, "events");
      } finally {
        writing = false;
        await Promise.all([...writers, reader].map((client) => client.end()));
      }
    });

    test("8 writers appending 500 events each, half to shared records: 4,000 events, every chain verifies, no fork", async () => {
      await t.query("TRUNCATE load, load_heads");
      const shared = [
        (await appendEvent(t.db, load, { schema: "user", action: "insert", payload: { shared: 0 } })).id,
        (await appendEvent(t.db, load, { schema: "user", action: "insert", payload: { shared: 1 } })).id,
      ];
      const clients = Array.from({ length: 8 }, () => session(t));
      try {
        const writer = async (client: postgres.Sql, w: number) => {
          const db = drizzle(client);
          let own: string | undefined;
          for (let i = 0; i < 500; i++) {
            const parentId = i % 2 === 0 ? shared[(w + i / 2) % 2]! : own;
            const row = await appendEvent(db, load, {
              schema: w % 2 === 0 ? "post" : "user",
              action: parentId === undefined ? "insert" : "update",
              payload: { w, i, f: i + 0.5, s: "ü" },
              ...(parentId === undefined ? {} : { parentId }),
            });
            if (parentId === undefined) own = row.id;
          }
        };
        await Promise.all(clients.map((client, w) => writer(client, w)));
      } finally {
        await Promise.all(clients.map((client) => client.end()));
      }
      const [counts] = await t.query<{ n: number; ids: number; hashes: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, count(DISTINCT hash)::int AS hashes FROM load`,
      );
      expect(counts).toEqual({ n: 4002, ids: 4002, hashes: 4002 });
      expect(await verifyChain(t.db, load)).toEqual({ ok: true, count: 4002 });
      const rows = await expectReference(t, "load"); // each head's count is its record's events
      const records = byRecord(rows);
      expect(records.size).toBe(2 + 8);
      expect(records.get(shared[0]!)!.length + records.get(shared[1]!)!.length).toBe(2 + 8 * 250);
      // no fork: recomputed from the rows alone, each hash is the predecessor of at most one event
      const successors = new Map<string, number>();
      for (const list of records.values()) {
        list.forEach((row, i) => {
          const previous = i === 0 ? null : list[i - 1]!.hash!;
          expect(row.hash).toBe(referenceHash(previous, referenceDigest(row)).toString("hex"));
          if (previous !== null) successors.set(previous, (successors.get(previous) ?? 0) + 1);
        });
      }
      expect(Math.max(...successors.values())).toBe(1);
      expect(successors.size).toBe(4002 - records.size);
    });
  });
}
