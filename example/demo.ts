/**
 * `npm run demo`: the main job, end to end. Applies the committed migrations (generated from
 * example/schema.ts) to an in-process PGlite, or, with DATABASE_URL set, to a fresh database on that
 * PostgreSQL server (created for the demo and dropped afterwards, so no user data is touched); appends
 * two records' events with the typed helpers, links events within a record, shows the same-parent rule
 * at work, walks the links and loads a record with Drizzle's relational queries; verifies Spector's hash
 * chain, then keeps a ledger with record chains (hashed by the database) and an append-only guard;
 * folds an account's state (a stale write refused, `decide` declining an overdraft) and rebuilds a
 * materialized table of balances from the ledger, then keeps it inline.
 */
import { PGlite } from "@electric-sql/pglite";
import {
  TransactionRollbackError,
  and,
  count,
  eq,
  inArray,
  isNotNull,
  sql,
  type ExtractTablesWithRelations,
} from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import postgres from "postgres";
import {
  SpectorOptionError,
  SpectorSameParentError,
  verifyChain,
  chainHead,
  newEventId,
  ancestors,
  appendEvent,
  backtrace,
  link,
  listByParent,
  aggregate,
  appendEvents,
  decide,
  SpectorVersionConflictError,
  materialized,
  redact,
  type EventRow,
} from "../src/index.js";
import { createFreshDatabase } from "../test/support/fresh-database.js";
import { followLedger, signed } from "./demo-consumer.js";
import * as schema from "./schema.js";
import { account_balances, event_ancestors, event_links, events, ledger } from "./schema.js";

const MIGRATIONS = new URL("../migrations", import.meta.url).pathname;
const LINK_TYPE = { mentions: 1 } as const;

/** A Drizzle database with the example schema's tables and relations (`db.query.events`). */
type Db = PgDatabase<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

interface Connection {
  db: Db;
  where: string;
  close(): Promise<void>;
}

async function connect(): Promise<Connection> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const client = new PGlite();
    const db = drizzlePglite(client, { schema });
    await migratePglite(db, { migrationsFolder: MIGRATIONS }).catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
    return { db: db as unknown as Db, where: "in-process PGlite (in memory)", close: () => client.close() };
  }
  const fresh = await createFreshDatabase(url, "spector_demo");
  const client = postgres(fresh.url, { max: 1, onnotice: () => {} });
  const close = async () => {
    await client.end();
    await fresh.drop();
  };
  const db = drizzlePostgres(client, { schema });
  try {
    await migratePostgres(db, { migrationsFolder: MIGRATIONS });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    db: db as unknown as Db,
    where: `PostgreSQL at ${new URL(fresh.url).host}, in a fresh database ${fresh.name} (dropped afterwards)`,
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

/**
 * Erasure that keeps the proof: redact erases an entry's payload, keeps its digest (which the record
 * chain covers) in ledger_redactions, and the account still verifies, reporting the entry as redacted.
 */
async function eraseEntry(db: Db, accountId: string): Promise<void> {
  const entry = (await listByParent(db, ledger, accountId)).at(-1);
  const erased = await redact(db, ledger, entry!.id, { reason: "erasure request 118" });
  const verified = await verifyChain(db, ledger, { parentId: accountId });
  const reported = verified.ok
    ? (verified.redacted ?? []).map((event) => `${short(event.eventId)} (${event.reason})`)
    : [];
  console.log(
    `\nredaction (ledger): entry ${short(erased.eventId)} of account ${short(accountId)} erased; ` +
      `the account ${verified.ok ? `still verifies, ${verified.count} entries, redacted: ${reported.join(", ")}` : `is broken: ${verified.reason}`}`,
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const { db, where, close } = await connect();
  try {
    console.log(`drizzle-spector demo on ${where}`);
    console.log(`migrations applied from migrations/ (tables from example/schema.ts, same-parent triggers)\n`);

    // Two records: a user, and a post with an edit. A record's first event is its own parent.
    const alice = await appendEvent(db, events, { schema: "user", action: "insert", payload: { name: "Alice" } });
    const post = await appendEvent(db, events, { schema: "post", action: "insert", payload: { title: "Hello" } });
    const edit = await appendEvent(db, events, {
      schema: "post",
      action: "update",
      payload: { title: "Hello, world" },
      parentId: post.id,
    });
    const rename = await appendEvent(db, events, {
      schema: "user",
      action: "update",
      payload: { name: "Alice B." },
      parentId: alice.id,
    });

    for (const record of [alice, post]) {
      console.log(`record ${record.schema} ${short(record.id)}:`);
      for (const event of await listByParent(db, events, record.id)) {
        console.log(
          `  ${short(event.id)}  ${event.action.padEnd(6)}  ${JSON.stringify(event.payload)}  at ${event.insertedAt}`,
        );
      }
    }

    // Links inside one record are fine.
    await link(db, event_ancestors, edit, post);
    await link(db, event_links, rename, alice, { type: LINK_TYPE.mentions });
    console.log(
      `\nlinked within records: post edit -> post (event_ancestors), user rename -> user (event_links, typed)`,
    );

    // A link across records: refused before any SQL when the helper sees both events...
    try {
      await link(db, event_ancestors, edit, alice);
      throw new Error("the cross-record link was accepted");
    } catch (error) {
      if (!(error instanceof SpectorOptionError)) throw error;
      console.log(`cross-record link refused by link() before any SQL:\n  ${error.message}`);
    }
    // ... and, given bare ids, by the trigger, inside the statement.
    try {
      await link(db, event_ancestors, edit.id, alice.id);
      throw new Error("the cross-record link was accepted");
    } catch (error) {
      // link() throws a named error for it; a plain Drizzle insert throws Drizzle's, code on error.cause.code
      if (!(error instanceof SpectorSameParentError)) throw error;
      console.log(`cross-record link refused: SQLSTATE ${error.code} (${error.name})\n  ${error.message}`);
      console.log(`  the database said: ${pgError(error.cause).message}`);
    }

    // A multi-row insert with one bad link leaves nothing behind.
    const more: EventRow<typeof events>[] = [];
    for (const rev of [2, 3, 4]) {
      more.push(
        await appendEvent(db, events, {
          schema: "post",
          action: "update",
          payload: { title: "Hello, world", rev },
          parentId: post.id,
        }),
      );
    }
    const batch = [
      ...more.map(({ id }) => ({ eventId: id, ancestorId: edit.id })),
      { eventId: more[0]!.id, ancestorId: rename.id }, // the bad one: rename belongs to the user record
    ];
    const linksOf = async () =>
      (
        await db
          .select({ n: count() })
          .from(event_ancestors)
          .where(
            inArray(
              event_ancestors.eventId,
              more.map((m) => m.id),
            ),
          )
      )[0]!.n;
    const before = await linksOf();
    try {
      await db.insert(event_ancestors).values(batch);
      throw new Error("the batch with a bad link was accepted");
    } catch (error) {
      if (pgError(error).code !== "23514") throw error;
    }
    const after = await linksOf();
    console.log(
      `batch of ${batch.length} links with one bad link refused: links of those events before ${before}, after ${after}`,
    );
    await db.insert(event_ancestors).values(batch.slice(0, -1));
    console.log(`the same batch without the bad link: ${await linksOf()} links written`);

    // Walking links, reading history, and relational queries.
    const walk = await ancestors(db, event_ancestors, more[2]!);
    console.log(
      `\nancestors of the last revision: ${walk.map(({ event, depth }) => `${short(event.id)} (${event.action}, depth ${depth})`).join(", ")}`,
    );
    const history = await backtrace(db, events, edit);
    console.log(`backtrace of the edit: ${history.map((event) => `${event.action} ${short(event.id)}`).join(" -> ")}`);
    const loaded = await db.query.events.findFirst({
      where: (e, { eq }) => eq(e.id, post.id),
      with: { children: { columns: { id: true }, with: { eventAncestors: { columns: { ancestorId: true } } } } },
    });
    const linked = loaded?.children.filter((child) => child.eventAncestors.length > 0).length;
    console.log(
      `db.query.events with children and their links: ${loaded?.children.length} events in the post record, ${linked} with ancestor links`,
    );

    // Spector's hash chain: every append above extended it; verifyChain recomputes it, and finds an edit.
    const chain = await verifyChain(db, events);
    console.log(`\nSpector's hash chain: ${chain.ok ? `${chain.count} events, verified` : `broken: ${chain.reason}`}`);
    await db
      .transaction(async (tx) => {
        await tx
          .update(events)
          .set({ payload: { title: "Hello, tampered" } })
          .where(eq(events.id, edit.id));
        const tampered = await verifyChain(tx, events);
        if (tampered.ok) throw new Error("the edited event was not found");
        console.log(
          `  after an UPDATE of one payload: broken at ${short(tampered.eventId)} (${tampered.reason}), after ${tampered.count} events that verify`,
        );
        tx.rollback(); // the demo's log stays intact
      })
      .catch((error: unknown) => {
        if (!(error instanceof TransactionRollbackError)) throw error;
      });

    // A record chain: the database hashes every ledger entry, per account, and refuses changes.
    const account = await appendEvent(db, ledger, { schema: "account", action: "insert", payload: { amount: 0 } });
    await appendEvent(db, ledger, {
      schema: "account",
      action: "deposit",
      payload: { amount: 120 },
      parentId: account.id,
    });
    const other = await appendEvent(db, ledger, { schema: "account", action: "insert", payload: { amount: 0 } });
    // a raw SQL writer is chained too: the trigger fills the hash
    await db.execute(
      sql`insert into ledger (id, parent_id, schema, action, payload) values (${newEventId()}, ${other.id}, 0, 10, '{"amount": 75}')`,
    );
    const withdrawal = await appendEvent(db, ledger, {
      schema: "account",
      action: "withdraw",
      payload: { amount: 20 },
      parentId: account.id,
    });
    const head = await chainHead(db, ledger, account.id);
    const [{ n: rawHashed }] = (await db
      .select({ n: count() })
      .from(ledger)
      .where(and(eq(ledger.parentId, other.id), isNotNull(ledger.hash)))) as [{ n: number }];
    const ledgerChains = await verifyChain(db, ledger);
    console.log(
      `\nrecord chains (ledger): ${ledgerChains.ok ? `${ledgerChains.count} entries in 2 accounts, verified in the database` : `broken: ${ledgerChains.reason}`}; ` +
        `the raw SQL entry hashed too: ${rawHashed === 2 ? "yes" : "no"}`,
    );
    console.log(
      `  head of account ${short(account.id)}: ${head.eventCount} entries, last ${short(head.lastId)}, hash ${head.lastHash.slice(0, 12)}…`,
    );
    const refused = await db
      .update(ledger)
      .set({ payload: { amount: 2000 } })
      .where(eq(ledger.id, withdrawal.id))
      .then(
        () => "accepted",
        (error: unknown) => `refused: SQLSTATE ${(error as { cause?: { code?: string } }).cause?.code}`,
      );
    console.log(`  an UPDATE of an entry (appendOnly): ${refused}`);
    await db
      .transaction(async (tx) => {
        // the table's owner can lift the guard, inside one transaction; the chain still shows the edit
        await tx.execute(sql`alter table ledger disable trigger append_only_ledger`);
        await tx
          .update(ledger)
          .set({ payload: { amount: 2 } })
          .where(eq(ledger.id, withdrawal.id));
        const tampered = await verifyChain(tx, ledger, { parentId: account.id, head });
        if (tampered.ok) throw new Error("the edited entry was not found");
        console.log(
          `  after the owner lifts the guard and edits it: broken at ${short(tampered.eventId)} (${tampered.reason})`,
        );
        tx.rollback(); // the demo's ledger stays intact
      })
      .catch((error: unknown) => {
        if (!(error instanceof TransactionRollbackError)) throw error;
      });

    // State from events: the balance is a fold of the account's entries; appends at an expected
    // version never lose an update (the ledger's heads row is the record's version)
    const balance = { initial: 0, evolve: (sum: number, entry: EventRow<typeof ledger>) => sum + signed(entry) };
    const read = await aggregate(db, ledger, account.id, balance);
    console.log(`\nstate (ledger): account ${short(account.id)} has ${read.state} after ${read.version.count} entries`);
    // another request appends first; an append at the version read before it is refused, nothing written
    await appendEvents(db, ledger, {
      parentId: account.id,
      expected: read.version,
      events: [{ schema: "account", action: "withdraw", payload: { amount: 60 } }],
    });
    const stale = await appendEvents(db, ledger, {
      parentId: account.id,
      expected: read.version,
      events: [{ schema: "account", action: "withdraw", payload: { amount: 60 } }],
    }).then(
      () => "accepted",
      (error: unknown) => (error instanceof SpectorVersionConflictError ? `refused (${error.name})` : String(error)),
    );
    console.log(`  a second withdrawal of 60 at the version read before the first: ${stale}`);
    // decide reads, decides and appends at the version it read, retrying on a conflict
    const overdraw = await decide(db, ledger, account.id, balance, (sum) =>
      sum >= 60 ? [{ schema: "account", action: "withdraw", payload: { amount: 60 } }] : [],
    );
    console.log(
      `  decide: withdraw 60 if the balance allows: ${overdraw.rows.length === 0 ? "declined" : "withdrawn"}, balance ${overdraw.state}`,
    );

    await showBalances(db);
    await followLedger(db, account.id);
    await eraseEntry(db, other.id);

    const [{ n: total }] = (await db.select({ n: count() }).from(events)) as [{ n: number }];
    const [{ n: links }] = (await db.select({ n: count() }).from(event_ancestors)) as [{ n: number }];
    console.log(
      `\ndone: ${total} events in 2 records, ${links} ancestor links, in ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    await close();
  }
}

/** `account_balances` as Spector's record tables: each row is the fold of its account's entries. */
const balances = materialized(account_balances, {
  events: ledger,
  schema: "account",
  evolve: (row, entry) => ({
    id: entry.parentId,
    balance: (row?.balance ?? 0) + signed(entry),
    entries: (row?.entries ?? 0) + 1,
  }),
});

/**
 * A materialized table: rebuilt from the log (the entries above were written without it), then kept
 * inline (`appendEvents` with `materialize` writes the entry and the row in one transaction).
 */
async function showBalances(db: Db): Promise<void> {
  const rebuilt = await balances.rebuild(db);
  const rows = await db.select().from(account_balances).orderBy(account_balances.balance);
  console.log(
    `
materialized table (account_balances): rebuilt from ${rebuilt.events} entries of ${rebuilt.records} accounts: ` +
      rows.map((row) => `…${row.id.slice(-6)} ${row.balance} (${row.entries} entries)`).join(", "),
  );
  const richest = rows[rows.length - 1]!;
  await appendEvents(db, ledger, {
    parentId: richest.id,
    events: [{ schema: "account", action: "deposit", payload: { amount: 5 } }],
    materialize: [balances],
  });
  const after = await balances.get(db, richest.id);
  console.log(
    `  a deposit of 5 with materialize: …${richest.id.slice(-6)} ${after?.balance} (${after?.entries} entries)`,
  );
}

await main();
