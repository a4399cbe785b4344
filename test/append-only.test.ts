/**
 * The append-only guard (`appendOnly: true`) on an events table and on its link tables (one from
 * `spectorTables`, one from `linkTable`): UPDATE, DELETE and TRUNCATE are refused with SQLSTATE 2F002
 * whoever runs them, no session setting lifts it (a non-owner role allowed to set
 * `session_replication_role`, and every other boolean or enum setting), only the owner can, for one
 * transaction, as the README says; with the record chain, an erasure verifies once the record's head
 * goes too. On PGlite and PostgreSQL; what needs two sessions (the lift is invisible to the others)
 * runs on PostgreSQL only (PGlite is one connection).
 */
import { eq, getTableColumns, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, test } from "vitest";
import { appendEvent, chainHead, link, linkTable, spectorTables, verifyChain } from "../src/index.js";
import { joinStatements } from "../src/sql/statements.js";
import { backends, describeBackends, describePostgres, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects, type Failure } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";

const GUARD = "2F002";

const tables = spectorTables({
  table: "events",
  hashed: "record",
  appendOnly: true,
  links: [["links", "other_id"]],
});
const { events, links } = tables;
/** A link table made apart from `spectorTables`: it is guarded as its events table is. */
const extra = linkTable(events, ["extra", "extra_id"]);
const schema = { ...tables, extra };
const GUARDED = ["events", "links", "extra"] as const;

/** The statement that runs `op` on `table`, touching every row (or, `none`, no row). */
function change(op: "UPDATE" | "DELETE" | "TRUNCATE", table: string, none = false): string {
  const where = none ? ` WHERE false` : "";
  if (op === "TRUNCATE") return `TRUNCATE public.${table} CASCADE;`;
  if (op === "DELETE") return `DELETE FROM public.${table}${where};`;
  const column = table === "events" ? "payload" : "event_id";
  return `UPDATE public.${table} SET ${column} = ${column}${where};`;
}

/** Runs `statements` in one transaction as `role`. */
function as(t: TestDatabase, role: string, statements: readonly string[]): Promise<void> {
  return t.execMigration(joinStatements([`SET LOCAL ROLE ${role};`, ...statements]));
}

/** Expects the guard's refusal of `op` on `table`: 2F002, the message, the hint. */
async function expectGuard(run: Promise<unknown>, table: string, op: string): Promise<Failure> {
  const error = await expectRejects(run, {
    sqlstate: GUARD,
    mentions: [`drizzle-spector: "public"."${table}" is append-only: ${op} is refused`],
  });
  const hint = (error as Failure & { hint?: string }).hint;
  expect(hint, `${op} on ${table}`).toContain(`ALTER TABLE "public"."${table}" DISABLE TRIGGER append_only_${table}`);
  expect(hint).toContain(`ENABLE ALWAYS TRIGGER append_only_${table} before COMMIT`);
  return error;
}

/** The rows of each guarded table, to show that a refused statement changed nothing. */
async function counts(t: TestDatabase): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [...GUARDED, "events_heads"]) {
    const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${table}`);
    out[table] = row!.n;
  }
  return out;
}

/** `pg_trigger.tgenabled` of each guard trigger. */
async function guardStates(t: { query: TestDatabase["query"] }): Promise<Record<string, string>> {
  const rows = await t.query<{ name: string; enabled: string }>(
    `SELECT tgname AS name, tgenabled::text AS enabled FROM pg_catalog.pg_trigger
      WHERE tgname LIKE 'append_only\\_%' ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.enabled]));
}

const ALL_ENABLED_ALWAYS = { append_only_events: "A", append_only_extra: "A", append_only_links: "A" };

/** Roles are shared by every database of a PostgreSQL server: random names, dropped at the end. */
function writerRole(t: TestDatabase): string {
  const writer = randomName("spector_ao_writer");
  afterAll(async () => {
    await t.execMigration(joinStatements([`DROP OWNED BY ${writer};`, `DROP ROLE ${writer};`]));
  });
  return writer;
}

/** Creates the tables and `writer`: INSERT, UPDATE, DELETE and TRUNCATE on them, and SET on `session_replication_role`. */
async function setUp(t: TestDatabase, writer: string): Promise<void> {
  await t.execMigration(await createSql(schema));
  await t.execMigration(
    joinStatements([
      `CREATE ROLE ${writer};`,
      `GRANT USAGE ON SCHEMA public TO ${writer};`,
      ...GUARDED.map((table) => `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON public.${table} TO ${writer};`),
      `GRANT SET ON PARAMETER session_replication_role TO ${writer};`,
      `CREATE SCHEMA evil AUTHORIZATION ${writer};`,
    ]),
  );
}

/** The rows of a raw query run through Drizzle, whatever the driver. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  return (Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows) as never;
}

describeBackends("the append-only guard", (backend) => {
  const t = useDatabase(backend, (t) => setUp(t, writer));
  const writer = writerRole(t);
  /** Two records: `kept`, and `erased` (erased by the owner near the end). */
  let kept: { root: string; child: string };
  let erased: { root: string; child: string };

  test("each guarded table has a BEFORE UPDATE OR DELETE OR TRUNCATE statement trigger, ENABLE ALWAYS", async () => {
    const rows = await t.query<{ table: string; name: string; enabled: string; definition: string; definer: boolean }>(
      `SELECT c.relname AS table, tg.tgname AS name, tg.tgenabled::text AS enabled,
              pg_get_triggerdef(tg.oid) AS definition, p.prosecdef AS definer
         FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_proc p ON p.oid = tg.tgfoid
        WHERE tg.tgname LIKE 'append_only\\_%' ORDER BY 1`,
    );
    expect(rows).toEqual(
      [...GUARDED].sort().map((table) => ({
        table,
        name: `append_only_${table}`,
        enabled: "A",
        definition:
          `CREATE TRIGGER append_only_${table} BEFORE DELETE OR UPDATE OR TRUNCATE ON public.${table} ` +
          `FOR EACH STATEMENT EXECUTE FUNCTION append_only_${table}()`,
        definer: false,
      })),
    );
  });

  test("INSERT, appendEvent and link still work, for the owner and for the writer role", async () => {
    const root = await appendEvent(t.db, events, { schema: 1, action: 1, payload: { name: "Ada" } });
    const child = await appendEvent(t.db, events, { schema: 1, action: 2, payload: { n: 1 }, parentId: root.id });
    await link(t.db, links, child, root);
    await link(t.db, extra, child.id, root.id);
    kept = { root: root.id, child: child.id };
    const other = await appendEvent(t.db, events, { schema: 1, action: 1, payload: { name: "Bob" } });
    const next = await appendEvent(t.db, events, { schema: 1, action: 2, payload: { n: 2 }, parentId: other.id });
    await link(t.db, links, next, other);
    erased = { root: other.id, child: next.id };
    // the writer inserts with plain SQL: a record of its own, and a link in it
    const [id, childId] = ["0193a000-0000-7000-8000-000000000001", "0193a000-0000-7000-8000-000000000002"];
    await as(t, writer, [
      `INSERT INTO public.events (id, parent_id, schema, action) VALUES ('${id}', '${id}', 1, 1);`,
      `INSERT INTO public.events (id, parent_id, schema, action) VALUES ('${childId}', '${id}', 1, 2);`,
      `INSERT INTO public.links (event_id, other_id) VALUES ('${childId}', '${id}');`,
    ]);
    expect(await counts(t)).toEqual({ events: 6, links: 3, extra: 1, events_heads: 3 });
    expect(await verifyChain(t.db, events)).toEqual({ ok: true, count: 6 });
  });

  test("UPDATE, DELETE and TRUNCATE on the events table and on both link tables are refused (2F002), even of no row", async () => {
    const before = await counts(t);
    for (const table of GUARDED) {
      for (const op of ["UPDATE", "DELETE", "TRUNCATE"] as const) {
        await expectGuard(t.execMigration(change(op, table)), table, op);
        if (op !== "TRUNCATE") await expectGuard(t.execMigration(change(op, table, true)), table, op);
        await expectGuard(as(t, writer, [change(op, table)]), table, op);
      }
    }
    expect(await counts(t)).toEqual(before);
  });

  test("a DELETE on events that would cascade to its links is refused by the link table's guard", async () => {
    const before = await counts(t);
    // the owner lifts the events table's guard only: the cascade's DELETE on links meets the links' guard
    await expectGuard(
      t.execMigration(
        joinStatements([
          `ALTER TABLE public.events DISABLE TRIGGER append_only_events;`,
          `DELETE FROM public.events WHERE parent_id = '${erased.root}';`,
        ]),
      ),
      "links",
      "DELETE",
    );
    expect(await counts(t)).toEqual(before);
    expect(await guardStates(t)).toEqual(ALL_ENABLED_ALWAYS);
  });

  test("session_replication_role = replica, which the writer may set, skips other triggers but not the guard", async () => {
    const before = await counts(t);
    // the setting takes: in a replica session the foreign keys' triggers do not fire (rolled back)
    const ghost = "0193a000-0000-7000-8000-0000000000ff";
    await expectRejects(
      as(t, writer, [
        `SET LOCAL session_replication_role = replica;`,
        `INSERT INTO public.extra (event_id, extra_id) VALUES ('${ghost}', '${ghost}');`,
        `DO $$ BEGIN
           IF current_setting('session_replication_role') = 'replica'
              AND (SELECT count(*) FROM public.extra WHERE event_id = '${ghost}') = 1 THEN
             RAISE EXCEPTION 'replica session in effect' USING ERRCODE = 'P0001';
           END IF;
         END $$;`,
      ]),
      { sqlstate: "P0001", mentions: ["replica session in effect"] },
    );
    for (const table of GUARDED) {
      for (const op of ["UPDATE", "DELETE", "TRUNCATE"] as const) {
        await expectGuard(
          as(t, writer, [`SET LOCAL session_replication_role = replica;`, change(op, table)]),
          table,
          op,
        );
        await expectGuard(as(t, writer, [`SET LOCAL session_replication_role = local;`, change(op, table)]), table, op);
      }
    }
    expect(await counts(t)).toEqual(before);
  });

  test("no boolean or enum setting the writer can set lets an UPDATE or DELETE through", async () => {
    const before = await counts(t);
    // every value of every such setting, each in a subtransaction of its own: the outcome per setting
    const sweep = `DO $$
      DECLARE
        s record;
        was_set boolean;
        outcome jsonb := '{}';
      BEGIN
        FOR s IN
          SELECT name, value FROM pg_catalog.pg_settings,
                 unnest(CASE vartype WHEN 'bool' THEN ARRAY['on', 'off'] ELSE enumvals END) AS value
           WHERE vartype IN ('bool', 'enum') AND context IN ('user', 'superuser')
             -- it makes every error end the session, the guard's refusal included: no way through either
             AND name <> 'exit_on_error'
        LOOP
          FOR op IN 1..2 LOOP
            was_set := false;
            BEGIN
              PERFORM set_config(s.name, s.value, true);
              was_set := true;
              IF op = 1 THEN UPDATE public.events SET payload = payload; ELSE DELETE FROM public.links; END IF;
              outcome := outcome || jsonb_build_object(s.name || '=' || s.value || ' op ' || op, 'BYPASSED');
              RAISE EXCEPTION 'undo' USING ERRCODE = 'P0009';
            EXCEPTION WHEN OTHERS THEN
              IF was_set AND SQLSTATE <> 'P0009' THEN
                outcome := outcome || jsonb_build_object(s.name || '=' || s.value || ' op ' || op, SQLSTATE);
              END IF;
            END;
          END LOOP;
        END LOOP;
        PERFORM set_config('spector_test.sweep', outcome::text, true);
      END $$`;
    const outcome = await t.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL ROLE ${writer}`));
      await tx.execute(sql.raw(sweep));
      const [row] = rowsOf(await tx.execute(sql.raw(`SELECT current_setting('spector_test.sweep') AS outcome`)));
      return JSON.parse(String(row!.outcome)) as Record<string, string>;
    });
    const tried = Object.keys(outcome);
    expect(tried.length, "settings the writer could set").toBeGreaterThan(100);
    expect(outcome["session_replication_role=replica op 1"]).toBe(GUARD);
    expect(outcome["session_replication_role=replica op 2"]).toBe(GUARD);
    const others = Object.entries(outcome).filter(([, state]) => state !== GUARD);
    // only a read-only transaction refuses them otherwise, before the guard
    expect(others).toEqual([
      ["transaction_read_only=on op 1", "25006"],
      ["transaction_read_only=on op 2", "25006"],
    ]);
    expect(await counts(t)).toEqual(before);
  });

  test("a search_path with look-alike functions first does not change the guard's refusal", async () => {
    await expectGuard(
      as(t, writer, [
        `CREATE FUNCTION evil.format(text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'allowed' $$;`,
        `SET LOCAL search_path = evil, pg_catalog, public;`,
        `UPDATE events SET payload = payload;`,
      ]),
      "events",
      "UPDATE",
    );
  });

  test("the writer cannot disable, re-enable for replicas, drop or replace the guard (42501)", async () => {
    for (const table of GUARDED) {
      const trigger = `append_only_${table}`;
      for (const statement of [
        `ALTER TABLE public.${table} DISABLE TRIGGER ${trigger};`,
        `ALTER TABLE public.${table} DISABLE TRIGGER ALL;`,
        `ALTER TABLE public.${table} DISABLE TRIGGER USER;`,
        `ALTER TABLE public.${table} ENABLE REPLICA TRIGGER ${trigger};`,
        `DROP TRIGGER ${trigger} ON public.${table};`,
        `DROP FUNCTION public.${trigger}() CASCADE;`,
        `CREATE OR REPLACE FUNCTION public.${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;`,
      ]) {
        await expectRejects(as(t, writer, [statement]), { sqlstate: "42501" }, statement);
      }
    }
    expect(await guardStates(t)).toEqual(ALL_ENABLED_ALWAYS);
  });

  test("the owner erases a record in one transaction, as the README says; the guard is back after it", async () => {
    await t.execMigration(
      joinStatements([
        ...GUARDED.map((table) => `ALTER TABLE public.${table} DISABLE TRIGGER append_only_${table};`),
        `DELETE FROM public.events WHERE parent_id = '${erased.root}';`,
        ...GUARDED.map((table) => `ALTER TABLE public.${table} ENABLE ALWAYS TRIGGER append_only_${table};`),
      ]),
    );
    expect(await guardStates(t)).toEqual(ALL_ENABLED_ALWAYS);
    // the record's events and (by the cascade) its link are gone; its head is left
    expect(await counts(t)).toEqual({ events: 4, links: 2, extra: 1, events_heads: 3 });
    for (const op of ["UPDATE", "DELETE", "TRUNCATE"] as const) {
      await expectGuard(t.execMigration(change(op, "events")), "events", op);
      await expectGuard(t.execMigration(change(op, "links")), "links", op);
    }
  });

  test("after the erasure verifyChain reports the record `deleted`; with its head deleted too, the table verifies", async () => {
    expect(await verifyChain(t.db, events)).toMatchObject({ ok: false, reason: "deleted", parentId: erased.root });
    expect(await verifyChain(t.db, events, { parentId: kept.root })).toEqual({ ok: true, count: 2 });
    await t.query(`DELETE FROM public.events_heads WHERE parent_id = $1`, [erased.root]);
    expect(await verifyChain(t.db, events)).toEqual({ ok: true, count: 4 });
    expect((await counts(t)).events_heads).toBe(2);
    expect(await chainHead(t.db, events, kept.root)).toMatchObject({ lastId: kept.child, eventCount: 2 });
  });

  test("updatedAt with appendOnly: the column exists, equals inserted_at, and Drizzle's update() is refused", async () => {
    expect(Object.keys(getTableColumns(events))).toContain("updatedAt");
    const [column] = await t.query<{ type: string }>(
      `SELECT data_type AS type FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'updated_at'`,
    );
    expect(column).toEqual({ type: "timestamp without time zone" });
    const [differ] = await t.query<{ n: number; all: number }>(
      `SELECT count(*) FILTER (WHERE updated_at IS DISTINCT FROM inserted_at)::int AS n, count(*)::int AS all FROM public.events`,
    );
    expect(differ).toEqual({ n: 0, all: 4 });
    await expectGuard(
      t.db
        .update(events)
        .set({ payload: { name: "Ada L." } })
        .where(eq(events.id, kept.child)),
      "events",
      "UPDATE",
    );
    await expectGuard(
      t.db.update(events).set({ updatedAt: "2030-01-01 00:00:00" }).where(eq(events.id, kept.root)),
      "events",
      "UPDATE",
    );
    const fresh = await appendEvent(t.db, events, { schema: 1, action: 2, payload: null, parentId: kept.root });
    expect(fresh.updatedAt).toBe(fresh.insertedAt);
  });
});

describePostgres(
  "the owner's lift of the guard, seen from other sessions (PostgreSQL: two sessions; PGlite has one)",
  () => {
    const t = useDatabase("postgres", (t) => setUp(t, writer));
    const writer = writerRole(t);
    const sessions: postgres.Sql[] = [];
    const session = () => {
      const client = postgres(t.url!, { max: 1, onnotice: () => {} });
      sessions.push(client);
      return client;
    };
    afterAll(async () => {
      await Promise.all(sessions.map((client) => client.end()));
    });

    /** Waits until backend `pid` waits for a lock, or `settled` says its statement ended (no time limit but the test's). */
    async function waitsForLock(watcher: postgres.Sql, pid: number, settled: () => boolean): Promise<void> {
      while (!settled()) {
        const [row] = await watcher`SELECT wait_event_type FROM pg_stat_activity WHERE pid = ${pid}`;
        if (row?.wait_event_type === "Lock") return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    test("a concurrent UPDATE (by a writer in a replica session) waits for the owner's transaction, then is refused", async () => {
      const id = "0193b000-0000-7000-8000-000000000001";
      await t.query(`INSERT INTO public.events (id, parent_id, schema, action) VALUES ($1, $1, 1, 1)`, [id]);
      const [owner, other, watcher] = [session(), session(), session()];
      const [{ pid }] = (await other`SELECT pg_backend_pid() AS pid`) as unknown as [{ pid: number }];
      const lifted = owner.begin(async (tx) => {
        await tx.unsafe(`ALTER TABLE public.events DISABLE TRIGGER append_only_events`);
        // inside the owner's transaction the guard is off; everyone else still sees it on
        expect(await guardStates({ query: (text) => tx.unsafe(text) as never })).toMatchObject({
          append_only_events: "D",
        });
        expect(await guardStates({ query: (text) => watcher.unsafe(text) as never })).toEqual(ALL_ENABLED_ALWAYS);
        const update = other.begin(async (w) => {
          await w.unsafe(`SET LOCAL ROLE ${writer}`);
          await w.unsafe(`SET LOCAL session_replication_role = replica`);
          await w.unsafe(`UPDATE public.events SET payload = '{"changed": true}' WHERE id = '${id}'`);
        });
        let done = false;
        const settled = update.then(
          () => undefined,
          (error: unknown) => error,
        );
        void settled.finally(() => (done = true));
        await waitsForLock(watcher, pid, () => done);
        expect(done, "the UPDATE waits for the owner's transaction").toBe(false);
        await tx.unsafe(`ALTER TABLE public.events ENABLE ALWAYS TRIGGER append_only_events`);
        return { settled }; // not awaited here: the UPDATE waits for this transaction's end
      });
      const error = (await (await lifted).settled) as Failure | undefined;
      expect(error, "the concurrent UPDATE must not succeed").toBeDefined();
      expect(error!.code).toBe(GUARD);
      const [row] = await t.query<{ payload: unknown }>(`SELECT payload FROM public.events WHERE id = $1`, [id]);
      expect(row!.payload).toBeNull();
      expect(await guardStates(t)).toEqual(ALL_ENABLED_ALWAYS);
    });

    test("with a lock_timeout the concurrent UPDATE fails instead (55P03); a lift rolled back leaves the guard as it was", async () => {
      const [owner, other] = [session(), session()];
      await expectRejects(
        owner.begin(async (tx) => {
          await tx.unsafe(`ALTER TABLE public.links DISABLE TRIGGER append_only_links`);
          await expectRejects(
            other.begin(async (w) => {
              await w.unsafe(`SET LOCAL ROLE ${writer}`);
              await w.unsafe(`SET LOCAL lock_timeout = '200ms'`);
              await w.unsafe(`DELETE FROM public.links`);
            }),
            { sqlstate: "55P03" },
          );
          throw Object.assign(new Error("roll back the lift"), { code: "ROLLBACK" });
        }),
        { sqlstate: "ROLLBACK" },
      );
      expect(await guardStates(t)).toEqual(ALL_ENABLED_ALWAYS);
      await expectGuard(as(t, writer, [`DELETE FROM public.links;`]), "links", "DELETE");
    });
  },
);
