/**
 * Restoring a record-chained table with `pg_dump` / `pg_restore` (PostgreSQL only): a whole database,
 * and data only into a database built from the migrations, as a superuser and as a table owner who is
 * not one, following docs/record-chains.md#restoring. The restored copy holds exactly the source's rows
 * and heads, and `verifyChain` gives the same answer on both, for a source tampered with (an erasure by
 * `UPDATE` under the lifted guard) and holding rows whose on-disk order is not their id order (after a
 * `CLUSTER`). With the
 * chain's trigger left on, a data-only restore of the tampered source is refused, never rewritten.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { beforeAll, expect, test } from "vitest";
import { appendEvent, link, spectorTables, verifyChain } from "../src/index.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { BIN, as, run, useRestoreScratch } from "./support/dump-restore.js";

const tables = spectorTables({
  table: "events",
  hashed: "record",
  appendOnly: true,
  links: [["event_ancestors", "ancestor_id"]],
});
const { events, event_ancestors } = tables;

/** Every row of the events, the heads and the links, as text, in one order: what a copy must hold. */
async function contents(url: string) {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const rows = await client.unsafe(
      `SELECT id::text, parent_id::text, schema, action, payload::text, encode(hash, 'hex') AS hash,
              inserted_at::text, updated_at::text FROM events ORDER BY id`,
    );
    const heads = await client.unsafe(
      `SELECT parent_id::text, last_id::text, encode(last_hash, 'hex') AS hash, event_count FROM events_heads ORDER BY parent_id`,
    );
    const links = await client.unsafe(`SELECT event_id::text, ancestor_id::text FROM event_ancestors ORDER BY 1, 2`);
    const verified = await verifyChain(drizzle(client), events);
    return { rows: [...rows], heads: [...heads], links: [...links], verified };
  } finally {
    await client.end();
  }
}

describeBackends(
  "restoring a record chain with pg_dump and pg_restore",
  () => {
    const t = useDatabase("postgres", async (t) => t.execMigration(await createSql(tables)));
    const { dump, owner, dumpSource, target } = useRestoreScratch(t, {
      folder: "spector-restore-",
      database: "restore",
      migrations: () => createSql(tables),
    });
    let tampered = "";
    let displaced = "";

    beforeAll(async () => {
      const db = t.db;
      // rows whose on-disk order is not their id order: CLUSTER (as VACUUM FULL or pg_repack could) by
      // the schema index puts a record's later event (schema 0) before its first (schema 1)
      const moved = await appendEvent(db, events, { schema: 1, action: 1, payload: { record: "moved" } });
      displaced = (await appendEvent(db, events, { schema: 0, action: 2, payload: { n: 1 }, parentId: moved.id })).id;
      await run(t.url!, [`CLUSTER events USING events_schema_index`]);
      const [order] = await t.query<{ before: boolean }>(
        `SELECT (SELECT ctid FROM events WHERE id = $1) < (SELECT ctid FROM events WHERE id = $2) AS before`,
        [displaced, moved.id],
      );
      expect(order!.before, "the later event lies before its record's first on disk").toBe(true);
      // three more records, linked within each, then the README's erasure by UPDATE under the lifted guard
      for (let r = 0; r < 3; r++) {
        const first = await appendEvent(db, events, { schema: 0, action: 1, payload: { r } });
        let previous = first.id;
        for (let n = 0; n < 3; n++) {
          const next = await appendEvent(db, events, { schema: 0, action: 2, payload: { r, n }, parentId: first.id });
          await link(db, event_ancestors, next.id, previous);
          previous = next.id;
          if (r === 1 && n === 1) tampered = next.id;
        }
      }
      await run(t.url!, [
        `BEGIN`,
        `ALTER TABLE events DISABLE TRIGGER append_only_events`,
        `UPDATE events SET payload = NULL WHERE id = '${tampered}'`,
        `ALTER TABLE events ENABLE ALWAYS TRIGGER append_only_events`,
        `COMMIT`,
      ]);
      await dumpSource();
    });

    test("the source is tampered with and holds rows out of id order on disk: verify names the erased event", async () => {
      const source = await contents(t.url!);
      expect(source.verified).toMatchObject({ ok: false, reason: "mismatch", eventId: tampered });
      expect(source.rows.map((row) => row.id)).toContain(displaced);
    });

    test("a whole database (pg_restore into an empty one) holds the source's rows and heads; verify answers the same", async () => {
      const url = await target(false);
      execFileSync(join(BIN, "pg_restore"), ["-d", url, dump]);
      expect(await contents(url)).toEqual(await contents(t.url!));
    });

    for (const role of ["the superuser", "a table owner who is not a superuser"] as const) {
      test(`data only into a database built from the migrations, as ${role}, with the chain's trigger off for the restore: the source's rows and heads; verify answers the same`, async () => {
        const user = role === "the superuser" ? undefined : owner;
        const url = await target(true, user);
        const connect = user === undefined ? url : as(url, user);
        await run(connect, [`ALTER TABLE public.events DISABLE TRIGGER record_chain_events`]);
        // the events and their heads first, then the link tables (pg_dump does not order a self-referencing table's data)
        for (const only of [
          ["-t", "events", "-t", "events_heads"],
          ["-t", "event_ancestors"],
        ]) {
          execFileSync(join(BIN, "pg_restore"), ["--data-only", "--single-transaction", ...only, "-d", connect, dump]);
        }
        await run(connect, [`ALTER TABLE public.events ENABLE TRIGGER record_chain_events`]);
        expect(await contents(url)).toEqual(await contents(t.url!));
        // the copy takes new events, chained to the restored heads
        const client = postgres(connect, { max: 1, onnotice: () => undefined });
        try {
          const record = (await contents(url)).heads.find((head) => head.parent_id !== undefined)!;
          await appendEvent(drizzle(client), events, {
            schema: 0,
            action: 2,
            payload: { after: 1 },
            parentId: record.parent_id as string,
          });
        } finally {
          await client.end();
        }
      });
    }

    test("data only with the chain's trigger left on: the tampered or displaced rows are refused, nothing is rewritten", async () => {
      const url = await target(true);
      const restore = spawnSync(
        join(BIN, "pg_restore"),
        ["--data-only", "--single-transaction", "--exit-on-error", "-t", "events", "-d", url, dump],
        {
          encoding: "utf8",
        },
      );
      expect(restore.status).not.toBe(0);
      expect(restore.stderr).toMatch(/drizzle-spector: (event .* arrives with a hash that is not the one|no record )/);
      const copy = await contents(url);
      expect([copy.rows, copy.heads]).toEqual([[], []]);
    });
  },
  backends().filter((backend) => backend === "postgres"),
);
