/**
 * The driver matrix: every helper (appendEvent, appendEvents at an expected version, listByParent,
 * backtrace, link, linked, verifyChain) and eight concurrent writers on a plain, a `hashed: true` and a `hashed: "record"` table, with every chain
 * verified afterwards, then a log (`positions: true`) read by `readAll` and followed by a consumer, on each Drizzle PostgreSQL driver: PGlite, postgres.js (default and
 * `prepare: false`), node-postgres, `@neondatabase/serverless` Pool and Client (through a local
 * WebSocket-to-TCP proxy), neon-http (a local emulation of Neon's HTTP endpoint) and `pg-proxy` (a local
 * HTTP endpoint), and each TCP driver through PgBouncer in transaction mode (started by the test on a
 * free port). The cells that cannot work are asserted to fail, by name, with the SQLSTATE they fail with.
 * Needs PostgreSQL (`DATABASE_URL`) and the `pgbouncer` binary: fails, never skips, without them.
 */
import { PGlite } from "@electric-sql/pglite";
import { asc, eq, sql } from "drizzle-orm";
import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { Client as NeonClient, Pool as NeonPool, neon, neonConfig } from "@neondatabase/serverless";
import { drizzle as drizzleNeonHttp } from "drizzle-orm/neon-http";
import { drizzle as drizzleNeon } from "drizzle-orm/neon-serverless";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import pg from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import ws from "ws";
import {
  SpectorOptionError,
  SpectorVersionConflictError,
  appendEvent,
  consumer,
  consumerTable,
  readAll,
  appendEvents,
  backtrace,
  link,
  linked,
  listByParent,
  readVersion,
  spectorDriver,
  spectorTables,
  verifyChain,
  type SpectorDatabase,
} from "../src/index.js";
import { httpDriver } from "../src/queries/driver.js";
import { rowQuery } from "../src/queries/rows.js";
import { driverError } from "../src/queries/violation.js";
import { splitStatements } from "../src/sql/statements.js";
import { createSql } from "./support/ddl.js";
import { createFreshDatabase, type FreshDatabase } from "./support/fresh-database.js";
import {
  pgProxyDatabase,
  startNeonHttpEndpoint,
  startPgProxyEndpoint,
  type HttpEndpoint,
} from "./support/http-endpoint.js";
import { startPgBouncer, type PgBouncer } from "./support/pgbouncer.js";
import { startWsProxy, type WsProxy } from "./support/ws-proxy.js";

const plainTables = spectorTables({
  table: "plain",
  schemas: { note: 0 },
  actions: {},
  links: [["plain_links", "other_id"]],
});
const chainTables = spectorTables({
  table: "chained",
  hashed: true,
  schemas: { note: 0 },
  schemaModules: { note: "MyApp.Note" },
  actions: {},
});
const recordTables = spectorTables({ table: "records", hashed: "record", schemas: { note: 0 }, actions: {} });
const logTables = spectorTables({ table: "feed", positions: true, schemas: { note: 0 }, actions: {} });
const checkpoints = consumerTable("checkpoints");
const received = pgTable("received", {
  consumer: text("consumer").notNull(),
  id: uuid("id").notNull(),
  n: integer("n").notNull(),
});
const schema = { ...plainTables, ...chainTables, ...recordTables, ...logTables, checkpoints, received };
const { plain, plain_links, chained, records, feed } = schema;

/** One cell of the matrix: a driver, maybe through PgBouncer. */
interface Cell {
  readonly name: string;
  open(): Promise<{ db: SpectorDatabase; close(): Promise<void> }>;
  /** Why the cell cannot work, and the SQLSTATEs it fails with. */
  readonly broken?: { readonly why: string; readonly sqlstates: readonly string[] };
}

let fresh: FreshDatabase;
let admin: postgres.Sql;
let bouncer: PgBouncer;
let wsProxy: WsProxy;
let proxyEndpoint: HttpEndpoint;
let neonEndpoint: HttpEndpoint;

beforeAll(async () => {
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error("the driver matrix needs PostgreSQL: set DATABASE_URL (.ci/run does)");
  fresh = await createFreshDatabase(server, "spector_drivers");
  admin = postgres(fresh.url, { max: 2, onnotice: () => undefined });
  for (const statement of splitStatements(await createSql(schema))) await admin.unsafe(statement);
  bouncer = await startPgBouncer(server, 4);
  wsProxy = await startWsProxy();
  proxyEndpoint = await startPgProxyEndpoint(fresh.url);
  neonEndpoint = await startNeonHttpEndpoint(fresh.url);
  neonConfig.webSocketConstructor = ws;
  neonConfig.wsProxy = (host, port) => `127.0.0.1:${wsProxy.port}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.fetchEndpoint = () => neonEndpoint.url;
});

afterAll(async () => {
  await neonEndpoint?.close();
  await proxyEndpoint?.close();
  await wsProxy?.close();
  await bouncer?.stop();
  await admin?.end();
  await fresh?.drop();
});

const direct = () => fresh.url;
const pooled = () => bouncer.through(fresh.url);

const postgresJs =
  (url: () => string, options: postgres.Options<{}> = {}) =>
  async () => {
    const client = postgres(url(), { max: 8, onnotice: () => undefined, ...options });
    return { db: drizzlePostgres(client), close: () => client.end() };
  };
const nodePg = (url: () => string, namedStatements: boolean) => async () => {
  const pool = new pg.Pool({ connectionString: url(), max: 8 });
  return { db: spectorDriver(drizzleNodePg(pool), { namedStatements }), close: () => pool.end() };
};
const neonPool = (url: () => string, namedStatements: boolean) => async () => {
  const pool = new NeonPool({ connectionString: url(), max: 8 });
  return { db: spectorDriver(drizzleNeon({ client: pool }), { namedStatements }), close: () => pool.end() };
};
const neonClient = (url: () => string, namedStatements: boolean) => async () => {
  const client = new NeonClient({ connectionString: url() });
  await client.connect();
  return { db: spectorDriver(drizzleNeon({ client }), { namedStatements }), close: () => client.end() };
};

const NAMED_BEHIND_POOLER = {
  why: "named prepared statements live on one server connection, and a transaction pooler hands the client another",
  sqlstates: ["26000", "42P05"],
};

const CELLS: readonly Cell[] = [
  {
    name: "PGlite",
    async open() {
      const client = new PGlite();
      for (const statement of splitStatements(await createSql(schema))) await client.exec(statement);
      return { db: drizzlePglite(client), close: () => client.close() };
    },
  },
  { name: "postgres.js", open: postgresJs(direct) },
  { name: "postgres.js, prepare: false", open: postgresJs(direct, { prepare: false }) },
  { name: "node-postgres Pool", open: nodePg(direct, true) },
  { name: "neon-serverless Pool (WebSocket)", open: neonPool(direct, true) },
  { name: "neon-serverless Client (WebSocket)", open: neonClient(direct, true) },
  {
    name: "neon-http (HTTP)",
    async open() {
      return { db: drizzleNeonHttp(neon(fresh.url)), close: async () => undefined };
    },
  },
  {
    name: "pg-proxy (HTTP)",
    async open() {
      return { db: pgProxyDatabase(proxyEndpoint), close: async () => undefined };
    },
  },
  { name: "postgres.js, prepare: false, through PgBouncer", open: postgresJs(pooled, { prepare: false }) },
  { name: "node-postgres Pool, namedStatements: false, through PgBouncer", open: nodePg(pooled, false) },
  {
    name: "neon-serverless Pool (WebSocket), namedStatements: false, through PgBouncer",
    open: neonPool(pooled, false),
  },
  {
    name: "neon-serverless Client (WebSocket), namedStatements: false, through PgBouncer",
    open: neonClient(pooled, false),
  },
  { name: "postgres.js (default), through PgBouncer", open: postgresJs(pooled) },
  { name: "node-postgres Pool (named), through PgBouncer", open: nodePg(pooled, true), broken: NAMED_BEHIND_POOLER },
];

/** The events, links and records one cell's run wrote, to check afterwards. */
async function exercise(db: SpectorDatabase, cell: Cell): Promise<void> {
  for (const table of [plain, chained, records] as const) {
    const shared = await appendEvent(db, table as typeof plain, {
      schema: "note",
      action: "insert",
      payload: { shared: true },
    });
    expect(Buffer.isBuffer((shared as { hash?: unknown }).hash ?? Buffer.alloc(0)), cell.name).toBe(true);
    const writer = async (w: number) => {
      const own = await appendEvent(db, table as typeof plain, { schema: "note", action: "insert", payload: { w } });
      const written = [own];
      for (let i = 0; i < 5; i++) {
        const parentId = i % 2 === 0 ? own.id : shared.id;
        written.push(
          await appendEvent(db, table as typeof plain, {
            schema: "note",
            action: "update",
            payload: { w, i },
            parentId,
          }),
        );
      }
      return written;
    };
    const written = (await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)))).flat();
    // every record reads back in id order, and each event's backtrace ends with it
    const own = written.filter((row) => row.parentId === row.id);
    const reads = await Promise.all(own.map((row) => listByParent(db, table as typeof plain, row.id)));
    for (const [i, events] of reads.entries()) {
      expect(
        events.map((event) => event.parentId),
        cell.name,
      ).toEqual(events.map(() => own[i]!.id));
      expect(events).toHaveLength(4); // its first event and i = 0, 2, 4
      const upTo = await backtrace(db, table as typeof plain, events[2]!);
      expect(upTo.map((event) => event.id)).toEqual(events.slice(0, 3).map((event) => event.id));
    }
    const sharedEvents = await listByParent(db, table as typeof plain, shared.id);
    expect(sharedEvents).toHaveLength(1 + 8 * 2);
    if (table === records) {
      // appends at an expected version (the statement kept per table and size), several sizes, and a stale one refused
      await Promise.all(
        own.map(async (row, w) => {
          let version = (await readVersion(db, records, row.id))!;
          for (let n = 1; n <= 3; n++) {
            const events = Array.from({ length: n }, (_, i) => ({
              schema: "note" as const,
              action: "update" as const,
              payload: { w, n, i },
            }));
            const next = await appendEvents(db, records, { parentId: row.id, expected: version, events });
            expect(next.version.count, cell.name).toBe(version.count + n);
            version = next.version;
          }
          const stale = { lastId: version.lastId, count: version.count - 1 };
          const refused = await appendEvents(db, records, {
            parentId: row.id,
            expected: stale,
            events: [{ schema: "note", action: "update", payload: { stale: true } }],
          }).catch((error: unknown) => error);
          expect(refused, cell.name).toBeInstanceOf(SpectorVersionConflictError);
          expect(await readVersion(db, records, row.id), cell.name).toEqual(version);
        }),
      );
    }
    if (table === plain) {
      const [first, second] = reads[0]!;
      await link(db, plain_links, second!, first!);
      const found = await linked(db, plain_links, second!);
      expect(found.map((row) => row.event.id)).toEqual([first!.id]);
    }
  }
  expect(await verifyChain(db, chained)).toMatchObject({ ok: true, count: await countRows(db, chained) });
  expect(await verifyChain(db, records)).toMatchObject({ ok: true, count: await countRows(db, records) });
  await followLog(db, cell);
}

/**
 * Four concurrent writers append to a log (`positions: true`); `readAll` reads it all, each event once;
 * then, on a driver with transactions, a consumer whose handler writes what it gets in its batches'
 * transactions gets the same events, once each, in readAll's order, its last batch's writes in the
 * checkpoint's transaction (on neon-http and pg-proxy it is refused before any SQL).
 */
async function followLog(db: SpectorDatabase, cell: Cell): Promise<void> {
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 6; i++) await appendEvent(db, feed, { schema: "note", action: "insert", payload: { w, i } });
    }),
  );
  const order: string[] = [];
  for (let after: string | undefined, done = false; !done;) {
    const { events, next } = await readAll(db, feed, { after, limit: 5 });
    order.push(...events.map((event) => event.id));
    [after, done] = [next, events.length === 0];
  }
  expect(new Set(order).size, cell.name).toBe(order.length);
  expect(order.length, cell.name).toBe(await countRows(db, feed));
  const name = cell.name;
  let n = 0;
  const follow = () =>
    consumer(db as PgliteDatabase, feed, {
      name,
      checkpoints,
      batchSize: 7,
      handle: async (events, tx) => {
        for (const event of events) await tx.insert(received).values({ consumer: name, id: event.id, n: n++ });
      },
    });
  if (httpDriver(db) !== undefined) {
    expect(follow, cell.name).toThrow(SpectorOptionError);
    return;
  }
  const c = follow();
  while ((await c.runOnce()) > 0);
  const got = await db
    .select({ id: received.id })
    .from(received)
    .where(eq(received.consumer, name))
    .orderBy(asc(received.n));
  expect(
    got.map((row) => row.id),
    cell.name,
  ).toEqual(order);
  // the last batch's writes and the checkpoint committed together (one transaction id)
  const [last] = await rowQuery(db)(
    `SELECT (SELECT r.xmin::text FROM received AS r WHERE r.consumer = $1 ORDER BY r.n DESC LIMIT 1)
          = (SELECT c.xmin::text FROM checkpoints AS c WHERE c.name = $1) AS same`,
    [name],
  );
  expect(last?.same, cell.name).toBe(true);
}

/** The rows of `table`, read through the cell's own database. */
async function countRows(db: SpectorDatabase, table: typeof chained | typeof records | typeof feed): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(table);
  return row!.n;
}

describe("the driver matrix", () => {
  test("postgres.js (default), through PgBouncer: its own transactions lose appends (a postgres.js defect); with `prepare: false` none is lost", async () => {
    const lost = async (options: postgres.Options<{}>) => {
      const { db, close } = await postgresJs(pooled, options)();
      try {
        const ids = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            (db as ReturnType<typeof drizzlePostgres>).transaction(async (tx) => {
              const row = await appendEvent(tx, plain, { schema: "note", action: "insert", payload: { tx: i } });
              return row.id;
            }),
          ),
        );
        const [found] = await admin.unsafe<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM plain WHERE id = ANY($1::uuid[])`,
          [ids],
        );
        return ids.length - found!.n; // each transaction resolved with its row: those not in the table are lost
      } finally {
        await close();
      }
    };
    expect(await lost({})).toBeGreaterThan(0);
    expect(await lost({ prepare: false })).toBe(0);
  });

  for (const cell of CELLS) {
    if (cell.broken) {
      test(`${cell.name}: cannot work (${cell.broken.why})`, async () => {
        const { db, close } = await cell.open();
        try {
          const failure = await exercise(db, cell).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(failure, `${cell.name} was expected to fail`).toBeDefined();
          expect(cell.broken!.sqlstates, String(failure)).toContain(String(driverError(failure)?.code));
        } finally {
          await close();
        }
      });
      continue;
    }
    test(`${cell.name}: every helper, 8 concurrent writers per table, every chain verified, a log followed`, async () => {
      const { db, close } = await cell.open();
      try {
        await exercise(db, cell);
      } finally {
        await close();
      }
    });
  }
});
