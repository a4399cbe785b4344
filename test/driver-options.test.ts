/**
 * `spectorDriver(db, { namedStatements })`: the read helpers prepare their statements under a name by
 * default, and without one when naming is turned off (for node-postgres behind a transaction-mode
 * pooler); the option holds in the database's transactions too, and bad options are refused. On
 * node-postgres (with DATABASE_URL) the names are read back from `pg_prepared_statements` of the one
 * connection the database uses. Through a real PgBouncer: test/drivers.test.ts.
 */
import { DrizzleQueryError } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { expect, test } from "vitest";
import {
  SpectorOptionError,
  SpectorSameParentError,
  newEventId,
  appendEvent,
  backtrace,
  listByParent,
  spectorDriver,
  spectorTables,
} from "../src/index.js";
import { driverOptions } from "../src/queries/driver.js";
import { driverError, sameParentError } from "../src/queries/violation.js";
import { getMeta, type LinkTableMeta } from "../src/tables/meta.js";
import { backends, describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";

const { notes } = spectorTables({ table: "notes", schemas: { note: 0 }, actions: {} });

describeBackends(
  "named prepared statements, or none",
  (backend) => {
    const t = useDatabase(backend, async (t) => t.execMigration(await createSql({ notes })));

    test("listByParent and backtrace read the same rows with naming on and off, in transactions too", async () => {
      const first = await appendEvent(t.db, notes, { schema: "note", action: "insert", payload: { n: 1 } });
      const second = await appendEvent(t.db, notes, {
        schema: "note",
        action: "update",
        payload: { n: 2 },
        parentId: first.id,
      });
      const named = await listByParent(t.db, notes, first.id);
      expect(named.map((row) => row.id)).toEqual([first.id, second.id]);
      const unnamed = spectorDriver(t.withSchema({}), { namedStatements: false });
      expect(driverOptions(unnamed).namedStatements).toBe(false);
      expect(await listByParent(unnamed, notes, first.id)).toEqual(named);
      expect(await backtrace(unnamed, notes, second)).toEqual(named);
      await unnamed.transaction(async (tx) => {
        expect(driverOptions(tx).namedStatements).toBe(false);
        expect(await listByParent(tx, notes, first.id)).toEqual(named);
      });
    });

    if (backend === "node-postgres") {
      test("node-postgres: a name on the connection by default, none with `namedStatements: false`", async () => {
        const [first] = await t.query<{ id: string }>(`SELECT id::text FROM notes ORDER BY id LIMIT 1`);
        const statements = async (namedStatements: boolean | undefined) => {
          const client = new pg.Client({ connectionString: t.url });
          await client.connect();
          try {
            const db = drizzleNodePg(client);
            if (namedStatements !== undefined) spectorDriver(db, { namedStatements });
            await listByParent(db, notes, first!.id);
            await db.transaction(async (tx) => {
              await backtrace(tx, notes, { id: first!.id, parentId: first!.id });
            });
            const { rows } = await client.query<{ name: string }>(
              `SELECT name FROM pg_prepared_statements ORDER BY name`,
            );
            return rows.map((row) => row.name);
          } finally {
            await client.end();
          }
        };
        const named = await statements(undefined);
        expect(named).toHaveLength(2);
        expect(named.every((name) => /^spector_(list|backtrace)_[0-9a-f]+$/.test(name))).toBe(true);
        expect(await statements(true)).toEqual(named);
        expect(await statements(false)).toEqual([]);
      });
    }
  },
  backends({ drivers: true }),
);

test("spectorDriver refuses what is no database and options that are not as documented", () => {
  expect(() => spectorDriver({} as never, {})).toThrow(SpectorOptionError);
  expect(() => spectorDriver({} as never, {})).toThrow(/expected `db` to be a Drizzle PostgreSQL database/);
  const db = drizzleNodePg.mock();
  expect(() => spectorDriver(db, { namedStatements: "no" as never })).toThrow(
    /expected `namedStatements` to be `true`, `false` or left out, got `"no"`/,
  );
  expect(() => spectorDriver(db, { named: false } as never)).toThrow(SpectorOptionError);
  expect(spectorDriver(db, {})).toBe(db);
  expect(driverOptions(db).namedStatements).toBe(true);
});

test("a Bun.SQL error (SQLSTATE in `errno`, `code` ERR_POSTGRES_SERVER_ERROR) is read as its SQLSTATE", () => {
  const { event_ancestors } = spectorTables({ table: "events", links: [["event_ancestors", "ancestor_id"]] });
  const meta = getMeta(event_ancestors) as LinkTableMeta;
  const [e, o, p, q] = [newEventId(), newEventId(), newEventId(), newEventId()];
  const message = `Link events must have the same parent_id: ${p} != ${q} (link table event_ancestors: event_id ${e}, ancestor_id ${o})`;
  // the shape of Bun's PostgresError: `code` is Bun's, `errno` PostgreSQL's SQLSTATE
  const bun = (errno: string) =>
    Object.assign(new Error(message), {
      name: "PostgresError",
      code: "ERR_POSTGRES_SERVER_ERROR",
      errno,
      severity: "ERROR",
      schema: "public",
      table: "event_ancestors",
    });
  const wrapped = new DrizzleQueryError("INSERT ...", [], bun("23514"));
  expect(driverError(wrapped)).toMatchObject({ code: "23514", message, table: "event_ancestors" });
  const error = sameParentError(wrapped, meta);
  expect(error).toBeInstanceOf(SpectorSameParentError);
  expect(error).toMatchObject({ code: "23514", eventId: e, eventParentId: p, otherId: o, otherParentId: q });
  // another SQLSTATE in `errno` is not the rule's violation
  expect(sameParentError(new DrizzleQueryError("INSERT ...", [], bun("23505")), meta)).toBeUndefined();
  // Bun's own errors (no SQLSTATE) keep their code
  expect(driverError(Object.assign(new Error("closed"), { code: "ERR_POSTGRES_CONNECTION_CLOSED" }))?.code).toBe(
    "ERR_POSTGRES_CONNECTION_CLOSED",
  );
});
