/**
 * Restoring `versioned: true` tables with `pg_dump` / `pg_restore` (PostgreSQL only), following
 * docs/state.md#restoring-record-heads: a whole database, and data only into a database built from the
 * migrations, as a superuser and as a table owner who is not one, with the heads trigger off for the
 * restore. The source holds rows whose on-disk order is not their id order (after a `CLUSTER`), on a
 * plain versioned table and on Spector's chain with heads. The copy holds exactly the source's rows and
 * heads (no head counted twice), appends at a restored version are written and a stale version
 * conflicts. With the trigger left on, a data-only restore is refused and writes nothing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { beforeAll, expect, test } from "vitest";
import {
  SpectorVersionConflictError,
  appendEvent,
  appendEvents,
  readVersion,
  spectorActions,
  spectorTables,
  verifyChain,
} from "../src/index.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { BIN, as, run, useRestoreScratch } from "./support/dump-restore.js";
import { expectRejects } from "./support/failures.js";

const chain = {
  hashed: true,
  versioned: true,
  schemas: { account: 0, note: 1 },
  actions: spectorActions(["deposit"]),
  schemaModules: { account: "Bank.Account", note: "Bank.Note" },
} as const;
const tables = {
  ...spectorTables({
    table: "orders",
    versioned: true,
    appendOnly: true,
    schemas: chain.schemas,
    actions: chain.actions,
  }),
  ...spectorTables({ table: "vledger", ...chain }),
};
const { orders, vledger } = tables;
const TRIGGERS = [
  ["orders", "record_heads_orders"],
  ["vledger", "record_heads_vledger"],
] as const;

/** Every row of both tables and of their heads, as text, in one order: what a copy must hold. */
async function contents(url: string) {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const read = async (text: string) => [...(await client.unsafe(text))];
    return {
      orders: await read(
        `SELECT id::text, parent_id::text, schema, action, payload::text, inserted_at::text FROM orders ORDER BY id`,
      ),
      ordersHeads: await read(
        `SELECT parent_id::text, last_id::text, event_count FROM orders_heads ORDER BY parent_id`,
      ),
      vledger: await read(
        `SELECT id::text, parent_id::text, payload::text, encode(hash, 'hex') AS hash, inserted_at::text FROM vledger ORDER BY id`,
      ),
      vledgerHeads: await read(
        `SELECT parent_id::text, last_id::text, event_count FROM vledger_heads ORDER BY parent_id`,
      ),
      verified: await verifyChain(drizzle(client), vledger),
    };
  } finally {
    await client.end();
  }
}

describeBackends(
  "restoring record heads (versioned: true) with pg_dump and pg_restore",
  () => {
    const t = useDatabase("postgres", async (t) => t.execMigration(await createSql(tables)));
    const { dump, owner, dumpSource, target } = useRestoreScratch(t, {
      folder: "spector-versions-restore-",
      database: "vrestore",
      migrations: () => createSql(tables),
    });

    beforeAll(async () => {
      const db = t.db;
      for (const table of ["orders", "vledger"] as const) {
        const events = (table === "orders" ? orders : vledger) as typeof vledger;
        // a record whose later event (schema 0) lies before its first (schema 1) on disk after CLUSTER
        const moved = await appendEvent(db, events, { schema: "note", action: "insert", payload: { moved: true } });
        await appendEvent(db, events, { schema: "account", action: "update", payload: { n: 1 }, parentId: moved.id });
        for (let r = 0; r < 3; r++) {
          const first = await appendEvent(db, events, { schema: "account", action: "insert", payload: { r } });
          for (let n = 0; n < 3; n++) {
            await appendEvent(db, events, {
              schema: "account",
              action: "deposit",
              payload: { r, n },
              parentId: first.id,
            });
          }
        }
        await run(t.url!, [`CLUSTER ${table} USING ${table}_schema_index`]);
      }
      await dumpSource();
    });

    /** Appends at each restored record's version (written), then again at it (a conflict), on `url`. */
    async function appendsAtRestoredVersions(url: string): Promise<void> {
      const client = postgres(url, { max: 1, onnotice: () => undefined });
      try {
        const db = drizzle(client);
        const copy = await contents(url);
        for (const [events, heads] of [
          [orders, copy.ordersHeads],
          [vledger, copy.vledgerHeads],
        ] as const) {
          const table = events as typeof vledger;
          for (const head of heads) {
            const parentId = head.parent_id as string;
            const version = { lastId: head.last_id as string, count: Number(head.event_count) };
            expect(await readVersion(db, table, parentId)).toEqual(version);
            const event = { schema: "account", action: "deposit", payload: { after: 1 } } as const;
            const written = await appendEvents(db, table, { parentId, expected: version, events: [event] });
            expect(written.version.count).toBe(version.count + 1);
            await expectRejects(appendEvents(db, table, { parentId, expected: version, events: [event] }), {
              instanceOf: SpectorVersionConflictError,
            });
          }
        }
        expect(await verifyChain(db, vledger)).toMatchObject({ ok: true });
      } finally {
        await client.end();
      }
    }

    test("the source: rows out of id order on disk, one head per record counting its rows, the chain verifies", async () => {
      const source = await contents(t.url!);
      expect(source.ordersHeads.map((head) => Number(head.event_count)).sort()).toEqual([2, 4, 4, 4]);
      expect(source.vledgerHeads.map((head) => Number(head.event_count)).sort()).toEqual([2, 4, 4, 4]);
      expect(source.verified).toEqual({ ok: true, count: 14 });
      const [order] = await t.query<{ before: boolean }>(
        `SELECT bool_or(later.ctid < first.ctid) AS before FROM orders AS later JOIN orders AS first
           ON first.id = later.parent_id AND later.id <> later.parent_id`,
      );
      expect(order!.before, "a later event lies before its record's first on disk").toBe(true);
    });

    test("a whole database (pg_restore into an empty one) holds the source's rows and heads; appends at the restored versions work", async () => {
      const url = await target(false);
      execFileSync(join(BIN, "pg_restore"), ["-d", url, dump]);
      expect(await contents(url)).toEqual(await contents(t.url!));
      await appendsAtRestoredVersions(url);
    });

    for (const role of ["the superuser", "a table owner who is not a superuser"] as const) {
      test(`data only into a database built from the migrations, as ${role}, with the heads trigger off for the restore: the source's rows and heads, none counted twice; appends at the restored versions work`, async () => {
        const user = role === "the superuser" ? undefined : owner;
        const url = await target(true, user);
        const connect = user === undefined ? url : as(url, user);
        await run(
          connect,
          TRIGGERS.map(([table, trigger]) => `ALTER TABLE public.${table} DISABLE TRIGGER ${trigger}`),
        );
        const only = ["-t", "orders", "-t", "orders_heads", "-t", "vledger", "-t", "vledger_heads"];
        execFileSync(join(BIN, "pg_restore"), ["--data-only", "--single-transaction", ...only, "-d", connect, dump]);
        await run(
          connect,
          TRIGGERS.map(([table, trigger]) => `ALTER TABLE public.${table} ENABLE TRIGGER ${trigger}`),
        );
        expect(await contents(url)).toEqual(await contents(t.url!));
        await appendsAtRestoredVersions(connect);
      });
    }

    test("data only with the heads trigger left on: refused (the heads collide, a displaced row is out of order), nothing written", async () => {
      for (const only of [
        ["-t", "orders", "-t", "orders_heads"],
        ["-t", "orders"],
      ]) {
        const url = await target(true);
        const restore = spawnSync(
          join(BIN, "pg_restore"),
          ["--data-only", "--single-transaction", "--exit-on-error", ...only, "-d", url, dump],
          { encoding: "utf8" },
        );
        expect(restore.status, only.join(" ")).not.toBe(0);
        expect(restore.stderr).toMatch(/duplicate key|drizzle-spector: (no record|event id .* is not after)/);
        const copy = await contents(url);
        expect([copy.orders, copy.ordersHeads]).toEqual([[], []]);
      }
    });
  },
  backends().filter((backend) => backend === "postgres"),
);
