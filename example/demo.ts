/**
 * `npm run demo`: the main job, end to end. Applies the committed migrations (generated from
 * example/schema.ts) to an in-process PGlite, or, with DATABASE_URL set, to a fresh database on that
 * PostgreSQL server (created for the demo and dropped afterwards, so no user data is touched); writes
 * two records' events, links events within a record, and shows the same-parent rule at work.
 */
import { PGlite } from "@electric-sql/pglite";
import { asc, count, eq, inArray } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { v7 as uuidv7 } from "uuid";
import { event_ancestors, event_links, events } from "./schema.js";

const MIGRATIONS = new URL("../migrations", import.meta.url).pathname;
const SCHEMA = { user: 0, post: 1 } as const;
const ACTION = { insert: 1, update: 2, delete: 3 } as const;
const LINK_TYPE = { mentions: 1 } as const;

type Db = PgDatabase<PgQueryResultHKT>;

interface Connection {
  db: Db;
  where: string;
  close(): Promise<void>;
}

async function connect(): Promise<Connection> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const client = new PGlite();
    const db = drizzlePglite(client);
    await migratePglite(db, { migrationsFolder: MIGRATIONS }).catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
    return { db: db as unknown as Db, where: "in-process PGlite (in memory)", close: () => client.close() };
  }
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const name = `spector_demo_${randomBytes(4).toString("hex")}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const client = postgres(target.toString(), { max: 1, onnotice: () => {} });
  const close = async () => {
    await client.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  const db = drizzlePostgres(client);
  try {
    await migratePostgres(db, { migrationsFolder: MIGRATIONS });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    db: db as unknown as Db,
    where: `PostgreSQL at ${target.host}, in a fresh database ${name} (dropped afterwards)`,
    close,
  };
}

/** The PostgreSQL error behind a Drizzle error. */
function pgError(error: unknown): { code?: string; message: string } {
  let current = error as { cause?: unknown; code?: string; message: string };
  while (current.code === undefined && current.cause) current = current.cause as typeof current;
  return current;
}

const short = (id: string) => `…${id.slice(-6)}`;

async function main(): Promise<void> {
  const started = performance.now();
  const { db, where, close } = await connect();
  try {
    console.log(`drizzle-spector demo on ${where}`);
    console.log(`migrations applied from migrations/ (tables from example/schema.ts, same-parent triggers)\n`);

    // Two records: a user, and a post with an edit. A record's first event is its own parent.
    const alice = uuidv7();
    const post = uuidv7();
    await db.insert(events).values([
      { id: alice, parentId: alice, schema: SCHEMA.user, action: ACTION.insert, payload: { name: "Alice" } },
      { id: post, parentId: post, schema: SCHEMA.post, action: ACTION.insert, payload: { title: "Hello" } },
    ]);
    const [edit] = await db
      .insert(events)
      .values({ parentId: post, schema: SCHEMA.post, action: ACTION.update, payload: { title: "Hello, world" } })
      .returning();
    const [rename] = await db
      .insert(events)
      .values({ parentId: alice, schema: SCHEMA.user, action: ACTION.update, payload: { name: "Alice B." } })
      .returning();

    for (const [label, parent] of [["user", alice], ["post", post]] as const) {
      const rows = await db.select().from(events).where(eq(events.parentId, parent)).orderBy(asc(events.id));
      console.log(`record ${label} ${short(parent)}:`);
      for (const row of rows) {
        const action = Object.entries(ACTION).find(([, v]) => v === row.action)?.[0];
        console.log(`  ${short(row.id)}  ${action?.padEnd(6)}  ${JSON.stringify(row.payload)}  at ${row.insertedAt}`);
      }
    }

    // Links inside one record are fine.
    await db.insert(event_ancestors).values({ eventId: edit!.id, ancestorId: post });
    await db.insert(event_links).values({ eventId: rename!.id, linkedId: alice, type: LINK_TYPE.mentions });
    console.log(`\nlinked within records: post edit -> post (event_ancestors), user rename -> user (event_links, typed)`);

    // A link across records is refused by the trigger, inside the statement.
    try {
      await db.insert(event_ancestors).values({ eventId: edit!.id, ancestorId: alice });
      throw new Error("the cross-record link was accepted");
    } catch (error) {
      const { code, message } = pgError(error);
      if (code !== "23514") throw error;
      console.log(`cross-record link refused: SQLSTATE ${code}\n  ${message}`);
    }

    // A multi-row insert with one bad link leaves nothing behind.
    const more = await db
      .insert(events)
      .values(Array.from({ length: 3 }, (_, i) => ({ parentId: post, schema: SCHEMA.post, action: ACTION.update, payload: { rev: i + 2 } })))
      .returning({ id: events.id });
    const batch = [
      ...more.map(({ id }) => ({ eventId: id, ancestorId: edit!.id })),
      { eventId: more[0]!.id, ancestorId: rename!.id }, // the bad one: rename belongs to the user record
    ];
    const linksOf = async () =>
      (await db.select({ n: count() }).from(event_ancestors).where(inArray(event_ancestors.eventId, more.map((m) => m.id))))[0]!.n;
    const before = await linksOf();
    try {
      await db.insert(event_ancestors).values(batch);
      throw new Error("the batch with a bad link was accepted");
    } catch (error) {
      if (pgError(error).code !== "23514") throw error;
    }
    const after = await linksOf();
    console.log(`batch of ${batch.length} links with one bad link refused: links of those events before ${before}, after ${after}`);
    await db.insert(event_ancestors).values(batch.slice(0, -1));
    console.log(`the same batch without the bad link: ${await linksOf()} links written`);

    const [{ n: total }] = (await db.select({ n: count() }).from(events)) as [{ n: number }];
    const [{ n: links }] = (await db.select({ n: count() }).from(event_ancestors)) as [{ n: number }];
    console.log(`\ndone: ${total} events in 2 records, ${links} ancestor links, in ${Math.round(performance.now() - started)} ms`);
  } finally {
    await close();
  }
}

await main();
