/**
 * Logical replication of a record-chained log between two databases of a throwaway cluster
 * (`wal_level=logical`, which the shared server does not have): link tables have a replica identity
 * (their unique index), so a published link table takes `DELETE`; the subscriber stores what the
 * publisher sent (the chain's trigger does not fire in the apply worker), hashes and heads included, and
 * `verifyChain` passes there.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { appendEvent, link, spectorTables, verifyChain } from "../src/index.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "./support/ddl.js";
import { startThrowawayCluster, type ThrowawayCluster } from "./support/throwaway-cluster.js";

const schema = spectorTables({
  table: "orders",
  hashed: "record",
  schemas: { order: 0 },
  actions: { ship: 10 },
  links: [["order_links", "linked_id"]],
});
const { orders, order_links } = schema;

let cluster: ThrowawayCluster;
let publisher: postgres.Sql;
let subscriber: postgres.Sql;

beforeAll(async () => {
  cluster = await startThrowawayCluster({ wal_level: "logical", max_replication_slots: "4", max_wal_senders: "4" });
  const admin = postgres(cluster.url(), { max: 1, onnotice: () => undefined });
  await admin.unsafe("CREATE DATABASE pub");
  await admin.unsafe("CREATE DATABASE sub");
  await admin.end();
  publisher = postgres(cluster.url("pub"), { max: 4, onnotice: () => undefined });
  subscriber = postgres(cluster.url("sub"), { max: 2, onnotice: () => undefined });
  const ddl = splitStatements(await createSql(schema));
  for (const statement of ddl) await publisher.unsafe(statement);
  for (const statement of ddl) await subscriber.unsafe(statement);
});

afterAll(async () => {
  await subscriber?.unsafe("DROP SUBSCRIPTION IF EXISTS spector_sub").catch(() => undefined);
  await subscriber?.end();
  await publisher?.end();
  await cluster?.stop();
});

/** Rows of `table` on `sql`, with their hashes in hex, in id order. */
async function rows(sql: postgres.Sql, table: string): Promise<Record<string, unknown>[]> {
  return sql
    .unsafe(`SELECT to_jsonb(t) AS row FROM ${table} AS t`)
    .then((r) =>
      r.map((x) => x.row as Record<string, unknown>).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
}

/** Waits until `check` holds on the subscriber (the apply worker is asynchronous). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the subscriber never caught up: ${what}`);
}

test("link tables get their unique index as replica identity from the rule's migration", async () => {
  const [row] = await publisher.unsafe(
    `SELECT c.relreplident AS identity, i.relname AS index
       FROM pg_catalog.pg_class AS c
       LEFT JOIN pg_catalog.pg_index AS x ON x.indrelid = c.oid AND x.indisreplident
       LEFT JOIN pg_catalog.pg_class AS i ON i.oid = x.indexrelid
      WHERE c.oid = 'public.order_links'::regclass`,
  );
  expect(row).toEqual({ identity: "i", index: "order_links_event_id_linked_id_index" });
});

test("published and subscribed: the subscriber holds the publisher's rows, hashes and heads as sent, and verifies; a DELETE on a link table replicates", async () => {
  const db = drizzle(publisher);
  const first = await appendEvent(db, orders, { schema: "order", action: "insert", payload: { total: 1 } });
  const second = await appendEvent(db, orders, {
    parentId: first.id,
    schema: "order",
    action: "ship",
    payload: { by: "air" },
  });
  await link(db, order_links, second, first);
  await publisher.unsafe("CREATE PUBLICATION spector_pub FOR TABLE orders, orders_heads, order_links");
  // a subscription to a database of the same cluster: its slot is made beforehand (PostgreSQL's docs)
  await publisher.unsafe("SELECT pg_catalog.pg_create_logical_replication_slot('spector_sub', 'pgoutput')");
  await subscriber.unsafe(
    `CREATE SUBSCRIPTION spector_sub CONNECTION '${cluster.url("pub").replace(/^postgres:\/\/postgres@127\.0\.0\.1:(\d+)\/pub$/, "host=127.0.0.1 port=$1 dbname=pub user=postgres")}'
       PUBLICATION spector_pub WITH (create_slot = false, slot_name = 'spector_sub')`,
  );
  // written after the subscription: replicated by the apply worker, not by the initial copy
  for (let i = 0; i < 5; i++) {
    await appendEvent(db, orders, { parentId: first.id, schema: "order", action: "update", payload: { i } });
  }
  const third = await appendEvent(db, orders, { schema: "order", action: "insert", payload: { total: 3 } });
  const count = async () => Number((await subscriber.unsafe(`SELECT count(*) AS n FROM orders`))[0]!.n);
  await until(async () => (await count()) === 8, "8 events");
  await until(
    async () =>
      JSON.stringify(await rows(subscriber, "orders_heads")) === JSON.stringify(await rows(publisher, "orders_heads")),
    "the heads",
  );
  expect(await rows(subscriber, "orders")).toEqual(await rows(publisher, "orders"));
  expect(await rows(subscriber, "order_links")).toEqual(await rows(publisher, "order_links"));
  const subDb = drizzle(subscriber);
  expect(await verifyChain(subDb, orders)).toEqual({ ok: true, count: 8 });
  expect(await verifyChain(db, orders)).toEqual({ ok: true, count: 8 });
  expect(third.parentId).toBe(third.id);

  // the erasure recipe's DELETE on a published link table: refused (55000) without a replica identity
  await publisher.unsafe(`DELETE FROM order_links WHERE event_id = $1`, [second.id]);
  await until(
    async () => Number((await subscriber.unsafe(`SELECT count(*) AS n FROM order_links`))[0]!.n) === 0,
    "the link's deletion",
  );
});
