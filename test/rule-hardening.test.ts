/**
 * The same-parent rule as a foreign key behaves: it sees every event whatever the writing role may
 * read, its answer does not depend on the caller's `search_path`, an end it cannot find is a
 * violation, and changing an event's `id` or `parent_id` cannot split a link. Each case runs as a role
 * of its own, on PostgreSQL and on PGlite (which has roles too).
 */
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spectorTables } from "../src/index.js";
import { joinStatements } from "../src/sql/statements.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { expectRejects } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";
import { record } from "./support/records.js";

const VIOLATION = "23514";

/** Two records of two events each, in `schema`.events, and a statement that writes them. */
function twoRecords(schema: string) {
  const [a, b] = [record(1), record(1)];
  const insert = [a, b]
    .flatMap(({ root, children }) => [root, ...children].map((id) => `('${id}', '${root}', 1, 1)`))
    .join(", ");
  return {
    a: { root: a.root, child: a.children[0]! },
    b: { root: b.root, child: b.children[0]! },
    insert: `INSERT INTO ${schema}.events (id, parent_id, schema, action) VALUES ${insert};`,
  };
}

/** Runs `statements` in one transaction as `role` (`SET LOCAL ROLE`), with `search_path` when given. */
function as(t: TestDatabase, role: string, statements: string[], searchPath?: string): Promise<void> {
  const path = searchPath === undefined ? [] : [`SET LOCAL search_path = ${searchPath};`];
  return t.execMigration(joinStatements([`SET LOCAL ROLE ${role};`, ...path, ...statements]));
}

describeBackends("the same-parent rule against hostile roles", (backend) => {
  const t = useDatabase(backend);
  // roles are shared by every database of a PostgreSQL server: random names, dropped at the end
  const writer = randomName("spector_writer");
  const owner = randomName("spector_owner");
  const schema = "hard";
  const records = twoRecords(schema);
  const { a, b } = records;
  const link = (event: string, other: string) =>
    `INSERT INTO ${schema}.links (event_id, other_id) VALUES ('${event}', '${other}');`;

  beforeAll(async () => {
    const tables = spectorTables({ table: "events", pgSchema: schema, links: [["links", "other_id"]] });
    await t.execMigration(await createSql(tables, [schema]));
    await t.execMigration(
      joinStatements([
        records.insert,
        `CREATE ROLE ${writer};`,
        `CREATE ROLE ${owner};`,
        // the writer may write (and read) links, and nothing else: no SELECT on events
        `GRANT USAGE ON SCHEMA ${schema} TO ${writer};`,
        `GRANT SELECT, INSERT, UPDATE ON ${schema}.links TO ${writer};`,
        // and owns a schema of its own, where it can define operators
        `CREATE SCHEMA evil AUTHORIZATION ${writer};`,
      ]),
    );
  });
  afterAll(async () => {
    await t.execMigration(
      joinStatements([
        `DROP SCHEMA IF EXISTS evil CASCADE;`,
        `DROP SCHEMA IF EXISTS forced CASCADE;`,
        `DROP OWNED BY ${writer}, ${owner};`,
        `DROP ROLE ${writer};`,
        `DROP ROLE ${owner};`,
      ]),
    );
  });

  describe("privileges", () => {
    test("a role with INSERT on the link table and no SELECT on events writes valid links", async () => {
      await as(t, writer, [link(a.child, a.root)]);
      const [row] = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.links WHERE event_id = $1`, [
        a.child,
      ]);
      expect(row!.n).toBe(1);
    });

    test("and gets 23514, naming both real parents, for a link across two records", async () => {
      await expectRejects(as(t, writer, [link(a.child, b.root)]), {
        sqlstate: VIOLATION,
        mentions: [`${a.root} != ${b.root}`, `event_id ${a.child}`, `other_id ${b.root}`],
      });
    });

    test("an UPDATE by that role that moves a link across records gets 23514", async () => {
      await expectRejects(
        as(t, writer, [`UPDATE ${schema}.links SET other_id = '${b.root}' WHERE event_id = '${a.child}';`]),
        { sqlstate: VIOLATION },
      );
    });
  });

  describe("row-level security on the events table", () => {
    beforeAll(async () => {
      await t.execMigration(
        joinStatements([
          `GRANT SELECT ON ${schema}.events TO ${writer};`,
          `ALTER TABLE ${schema}.events ENABLE ROW LEVEL SECURITY;`,
          // the writer sees record b only
          `CREATE POLICY only_b ON ${schema}.events FOR SELECT TO ${writer} USING (parent_id = '${b.root}');`,
        ]),
      );
    });
    afterAll(async () => {
      await t.execMigration(
        joinStatements([
          `DROP POLICY only_b ON ${schema}.events;`,
          `ALTER TABLE ${schema}.events DISABLE ROW LEVEL SECURITY;`,
          `REVOKE SELECT ON ${schema}.events FROM ${writer};`,
        ]),
      );
    });

    test("the policy hides record a from the writer", async () => {
      await t.execMigration(
        joinStatements([
          `SET LOCAL ROLE ${writer};`,
          `DO $$ BEGIN IF (SELECT count(*) FROM ${schema}.events) <> 2 THEN RAISE 'sees % events', (SELECT count(*) FROM ${schema}.events); END IF; END $$;`,
        ]),
      );
    });

    test("a valid link between events the role cannot see is accepted", async () => {
      await as(t, writer, [link(a.child, a.child)]);
    });

    test("a link across records the role cannot see (one end) or can see is refused with the real parents", async () => {
      await expectRejects(as(t, writer, [link(a.child, b.child)]), {
        sqlstate: VIOLATION,
        mentions: [`${a.root} != ${b.root}`],
      });
      await expectRejects(as(t, writer, [link(b.child, a.root)]), {
        sqlstate: VIOLATION,
        mentions: [`${b.root} != ${a.root}`],
      });
    });

    test("a cross-record link when the role sees neither end is refused", async () => {
      const c = twoRecords(schema);
      await t.execMigration(c.insert);
      // the writer sees neither c.a nor c.b: today (before the fix) both parents were NULL, hence "equal"
      await expectRejects(as(t, writer, [link(c.a.child, c.b.child)]), {
        sqlstate: VIOLATION,
        mentions: [`${c.a.root} != ${c.b.root}`],
      });
    });
  });

  describe("FORCE ROW LEVEL SECURITY on tables owned by a role without BYPASSRLS", () => {
    const forced = twoRecords("forced");
    beforeAll(async () => {
      const tables = spectorTables({ table: "events", pgSchema: "forced", links: [["links", "other_id"]] });
      await t.execMigration(`CREATE SCHEMA forced AUTHORIZATION ${owner};`);
      // the owner runs the migration, so it owns the tables and the rule's functions
      await as(t, owner, [await createSql(tables), forced.insert]);
      await as(t, owner, [
        `ALTER TABLE forced.events ENABLE ROW LEVEL SECURITY;`,
        `ALTER TABLE forced.events FORCE ROW LEVEL SECURITY;`,
        `CREATE POLICY nothing ON forced.events USING (false);`,
        `GRANT USAGE ON SCHEMA forced TO ${writer};`,
        `GRANT INSERT ON forced.links TO ${writer};`,
      ]);
    });

    test("the rule refuses to check (42501) rather than read a filtered table", async () => {
      const statement = `INSERT INTO forced.links (event_id, other_id) VALUES ('${forced.a.child}', '${forced.a.root}');`;
      // a filtered read would see no parents: the old rule accepted a cross-record link, the unknown-is-
      // a-violation rule would refuse a valid one as "no such event"; both are wrong answers
      await expectRejects(as(t, writer, [statement]), {
        sqlstate: "42501",
        mentions: ["row-level security applies to", "FORCE ROW LEVEL SECURITY"],
      });
    });
  });

  describe("search_path", () => {
    // the writer's operators: every uuid equals every other, and is >= it
    const operators = [
      `CREATE FUNCTION evil.always(uuid, uuid) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';`,
      `CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.always);`,
      `CREATE OPERATOR evil.>= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.always);`,
      `CREATE OPERATOR evil.< (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.always);`,
    ];
    beforeAll(async () => {
      await as(t, writer, operators);
    });

    test("the writer's operators work where the writer puts them first", async () => {
      await t.execMigration(
        joinStatements([
          `SET LOCAL ROLE ${writer};`,
          `SET LOCAL search_path = evil, pg_catalog;`,
          `DO $$ BEGIN IF NOT ('${a.root}'::uuid = '${b.root}'::uuid) THEN RAISE 'operator not used'; END IF; END $$;`,
        ]),
      );
    });

    test("a cross-record link is refused whatever operators the caller's search_path finds first (one row)", async () => {
      await expectRejects(as(t, writer, [link(a.child, b.root)], "evil, pg_catalog, hard"), {
        sqlstate: VIOLATION,
      });
    });

    test("and on both paths of a large statement (100 rows): hash joins, then merge joins", async () => {
      const values = Array.from({ length: 100 }, (_, i) => `('${a.child}', '${i === 99 ? b.root : a.root}', ${i})`);
      const typed = spectorTables({
        table: "events",
        pgSchema: "typedhard",
        links: [["links", "other_id", { typed: true }]],
      });
      await t.execMigration(await createSql(typed, ["typedhard"]));
      await t.execMigration(
        joinStatements([
          records.insert.replace(`${schema}.events`, "typedhard.events"),
          `GRANT USAGE ON SCHEMA typedhard TO ${writer};`,
          `GRANT INSERT ON typedhard.links TO ${writer};`,
        ]),
      );
      const insert = (rows: string[]) =>
        `INSERT INTO typedhard.links (event_id, other_id, type) VALUES ${rows.join(", ")};`;
      const paths = async () => {
        await expectRejects(as(t, writer, [insert(values)], "evil, pg_catalog, typedhard"), { sqlstate: VIOLATION });
        // the same 99 valid rows pass
        const debug = await t.messages([
          `SET LOCAL ROLE ${writer};`,
          `SET LOCAL search_path = evil, pg_catalog;`,
          insert(values.slice(0, 99)),
          "ROLLBACK",
        ]);
        return debug.filter((m) => m.startsWith("drizzle-spector:"));
      };
      // a table of one page: one read of it costs less than the lookups
      expect(await paths()).toEqual(["drizzle-spector: links checks 99 links with hash joins"]);
      // 2,000 older events (smaller ids) make the table too large for that, and the statement's part of
      // the index small: merge joins
      await t.execMigration(
        `INSERT INTO typedhard.events (id, parent_id, schema, action)
           SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, '00000000-0000-7000-8000-000000000000', 1, 1
             FROM generate_series(0, 1999) AS i;`,
      );
      await t.query(`ANALYZE typedhard.events`);
      expect(await paths()).toEqual(["drizzle-spector: links checks 99 links with merge joins"]);
      await t.execMigration(`DROP SCHEMA typedhard CASCADE;`);
    });
  });

  describe("a search_path that shadows PostgreSQL's own functions, operators and types", () => {
    // The same-parent functions have no SET search_path clause (it costs every call): they name every
    // function, operator and type by its schema. Here the writer's schema `shadow` holds, ahead of
    // pg_catalog in the path, an operator of the same name and types as each of pg_catalog's between the
    // types below (239 on PostgreSQL 15), a function of the same signature as each of pg_catalog's that
    // the rule's bodies call, an aggregate count(*), and a domain named like each type, which accepts
    // no value: every one of them raises (or fails its check) when used, so any name the functions
    // leave unqualified fails the statement.
    const shadowed = "shadowed";
    const types = [
      "uuid",
      "int8",
      "int4",
      "int2",
      "float8",
      "numeric",
      "text",
      "bool",
      "json",
      "jsonb",
      "name",
      "bytea",
    ];
    const typeArray = `ARRAY[${types.map((type) => `'${type}'`).join(", ")}]::pg_catalog.regtype[]`;
    const raise = (what: string) => `'BEGIN RAISE EXCEPTION ''shadowed ${what}''; END'`;
    const shadows = `DO $shadow$
DECLARE r record; i integer := 0; types pg_catalog.regtype[] := ${typeArray}; type_name pg_catalog.text;
BEGIN
  FOR r IN SELECT o.oprname, o.oprleft, o.oprright, o.oprresult FROM pg_catalog.pg_operator AS o
            WHERE o.oprnamespace = 'pg_catalog'::pg_catalog.regnamespace AND o.oprright = ANY (types)
              AND (o.oprleft = 0 OR o.oprleft = ANY (types)) LOOP
    i := i + 1;
    EXECUTE format('CREATE FUNCTION shadow.op_%s(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                   i, CASE WHEN r.oprleft = 0 THEN '' ELSE r.oprleft::regtype::text || ', ' END || r.oprright::regtype::text,
                   r.oprresult::regtype, ${raise("operator")});
    EXECUTE format('CREATE OPERATOR shadow.%s (%s RIGHTARG = %s, FUNCTION = shadow.op_%s)', r.oprname,
                   CASE WHEN r.oprleft = 0 THEN '' ELSE format('LEFTARG = %s,', r.oprleft::regtype) END, r.oprright::regtype, i);
  END LOOP;
  FOR r IN SELECT p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args, p.prorettype::regtype AS returns
             FROM pg_catalog.pg_proc AS p
            WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND p.prokind = 'f'
              AND p.proname IN (SELECT DISTINCT m[1] FROM pg_catalog.pg_proc AS f,
                                       regexp_matches(f.prosrc, '([a-z_][a-z0-9_]*)\\s*\\(', 'g') AS m
                                 WHERE f.proname LIKE 'check\\_link\\_same\\_parent\\_%')
              AND NOT EXISTS (SELECT FROM pg_catalog.unnest(p.proargtypes) AS a(t) JOIN pg_catalog.pg_type AS y ON y.oid = a.t WHERE y.typtype = 'p')
              AND (SELECT typtype FROM pg_catalog.pg_type WHERE oid = p.prorettype) <> 'p' LOOP
    EXECUTE format('CREATE FUNCTION shadow.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                   r.proname, r.args, r.returns, ${raise("function")});
  END LOOP;
  CREATE FUNCTION shadow.count_step(pg_catalog.int8) RETURNS pg_catalog.int8 LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'shadowed aggregate'; END$$;
  CREATE AGGREGATE shadow.count(*) (SFUNC = shadow.count_step, STYPE = pg_catalog.int8, INITCOND = '0');
  FOREACH type_name IN ARRAY ARRAY[${types.map((type) => `'${type}'`).join(", ")}] LOOP
    EXECUTE format('CREATE DOMAIN shadow.%I AS pg_catalog.%I CHECK (false)', type_name, type_name);
  END LOOP;
END
$shadow$;`;
    const path = `shadow, pg_catalog, ${shadowed}`;
    const records = twoRecords(shadowed);
    const { a, b } = records;
    const insert = (rows: readonly (readonly [string, string])[]) =>
      `INSERT INTO ${shadowed}.links (event_id, other_id) VALUES ${rows.map(([e, o]) => `('${e}', '${o}')`).join(", ")};`;
    // the writer's statements under the shadowing path, and the rule's path for each (DEBUG messages)
    const write = (statements: string[]) => as(t, writer, statements, path);
    const pathsOf = async (statement: string) =>
      (
        await t.messages([`SET LOCAL ROLE ${writer};`, `SET LOCAL search_path = ${path};`, statement, "ROLLBACK"])
      ).filter((m) => m.startsWith("drizzle-spector:"));

    beforeAll(async () => {
      const tables = spectorTables({ table: "events", pgSchema: shadowed, links: [["links", "other_id"]] });
      await t.execMigration(await createSql(tables, [shadowed]));
      await t.execMigration(
        joinStatements([
          records.insert,
          `GRANT USAGE ON SCHEMA ${shadowed} TO ${writer};`,
          `GRANT SELECT, INSERT, UPDATE ON ${shadowed}.links TO ${writer};`,
          `CREATE SCHEMA shadow AUTHORIZATION ${writer};`,
        ]),
      );
      await as(t, writer, [shadows]);
    });
    afterAll(async () => {
      await t.execMigration(joinStatements([`DROP SCHEMA shadow CASCADE;`, `DROP SCHEMA ${shadowed} CASCADE;`]));
    });

    test("the shadows are what an unqualified name finds on that path", async () => {
      const [shadowedOperators] = await t.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_catalog.pg_operator WHERE oprnamespace = 'shadow'::regnamespace`,
      );
      expect(Number(shadowedOperators!.n)).toBeGreaterThan(200);
      for (const [expression, what] of [
        [`'${a.root}'::pg_catalog.uuid = '${b.root}'::pg_catalog.uuid`, "shadowed operator"],
        [`(SELECT count(*) FROM (VALUES (1)) AS v) IS NULL`, "shadowed aggregate"],
        [`current_setting('work_mem') IS NULL`, "shadowed function"],
        [`'${a.root}'::uuid IS NULL`, "value for domain uuid violates check constraint"],
      ] as const)
        await expectRejects(write([`SELECT ${expression};`]), { mentions: [what] }, expression);
    });

    test("the rule's functions call nothing unqualified: every call and cast names pg_catalog (read from pg_proc)", async () => {
      const bodies = await t.query<{ proname: string; prosrc: string }>(
        `SELECT proname, prosrc FROM pg_catalog.pg_proc
          WHERE pronamespace = '${shadowed}'::regnamespace AND proname LIKE 'check_link_same_parent_%' ORDER BY proname`,
      );
      expect(bodies.map((row) => row.proname)).toEqual([
        "check_link_same_parent_links",
        "check_link_same_parent_links_events",
        "check_link_same_parent_links_large",
        "check_link_same_parent_links_update",
      ]);
      const catalog = new Set(
        (await t.query<{ proname: string }>(`SELECT DISTINCT proname FROM pg_catalog.pg_proc`)).map((r) => r.proname),
      );
      for (const { proname, prosrc } of bodies) {
        const calls = [...prosrc.matchAll(/(?<![\w."])([a-z_][a-z0-9_]*)\s*\(/g)].map((m) => m[1]!);
        // coalesce and least are SQL syntax, not functions a search_path can reach
        expect(
          calls.filter((name) => catalog.has(name) && !["coalesce", "least"].includes(name)),
          proname,
        ).toEqual([]);
        expect(prosrc.match(/::(?!pg_catalog\.)/g) ?? [], proname).toEqual([]);
      }
    });

    test("one link: a valid one is written, one across records gets 23514 with both parents", async () => {
      await write([insert([[a.child, a.root]])]);
      await expectRejects(write([insert([[a.child, b.root]])]), {
        sqlstate: VIOLATION,
        mentions: [`${a.root} != ${b.root}`],
      });
    });

    test("a large statement, on each of its paths: valid rows are written, one cross-record row is refused", async () => {
      // 99 more events of record a, each linked to its root
      const events = Array.from({ length: 99 }, () => uuidv7());
      await t.execMigration(
        `INSERT INTO ${shadowed}.events (id, parent_id, schema, action) VALUES ${events.map((id) => `('${id}', '${a.root}', 1, 2)`).join(", ")};`,
      );
      const rows = events.map((id) => [id, a.root] as const);
      const crossing = [...rows.slice(0, 98), [events[98]!, b.root] as const];
      const refused = (statement: string, parents: string) =>
        expectRejects(write([statement]), { sqlstate: VIOLATION, mentions: [parents] });
      // a table of a few pages: hash joins
      expect(await pathsOf(insert(rows))).toEqual(["drizzle-spector: links checks 99 links with hash joins"]);
      await refused(insert(crossing), `${a.root} != ${b.root}`);
      // 3,000 older events (smaller ids) in a record of their own: merge joins for links among the
      // newest events; primary-key lookups for links among the oldest, since the index from the
      // smallest id on holds far more than 8 entries per link
      const oldRoot = "00000000-0000-7000-8000-000000000000";
      await t.execMigration(
        `INSERT INTO ${shadowed}.events (id, parent_id, schema, action)
           SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, '${oldRoot}', 1, 1
             FROM generate_series(0, 2999) AS i;`,
      );
      await t.query(`ANALYZE ${shadowed}.events`);
      expect(await pathsOf(insert(rows))).toEqual(["drizzle-spector: links checks 99 links with merge joins"]);
      await refused(insert(crossing), `${a.root} != ${b.root}`);
      const oldRows = (
        await t.query<{ id: string }>(
          `SELECT id::text FROM ${shadowed}.events WHERE parent_id = '${oldRoot}' AND id <> parent_id ORDER BY id LIMIT 99`,
        )
      ).map(({ id }) => [id, oldRoot] as const);
      expect(await pathsOf(insert(oldRows))).toEqual([
        "drizzle-spector: links checks 99 links with primary-key lookups",
      ]);
      await refused(insert([...oldRows.slice(0, 98), [oldRows[98]![0], a.root]]), `${oldRoot} != ${a.root}`);
    });

    test("an UPDATE that moves a link across records, and one of an event that splits a link, get 23514", async () => {
      const c = twoRecords(shadowed);
      await t.execMigration(joinStatements([c.insert, insert([[c.a.child, c.a.root]])]));
      await expectRejects(
        // (the statements' own comparisons name pg_catalog's operator: the shadow would refuse them)
        write([
          `UPDATE ${shadowed}.links SET other_id = '${c.b.root}' WHERE event_id OPERATOR(pg_catalog.=) '${c.a.child}';`,
        ]),
        { sqlstate: VIOLATION, mentions: [`${c.a.root} != ${c.b.root}`] },
      );
      // the owner, tricked into the writer's path, updates an event: the events function runs under it
      await expectRejects(
        t.execMigration(
          joinStatements([
            `SET LOCAL search_path = ${path};`,
            `UPDATE ${shadowed}.events SET parent_id = '${c.b.root}' WHERE id OPERATOR(pg_catalog.=) '${c.a.child}';`,
          ]),
        ),
        { sqlstate: VIOLATION, mentions: [`${c.b.root} != ${c.a.root}`] },
      );
    });
  });

  describe("changes to events", () => {
    test("an UPDATE of an event's parent_id that splits a link fails with 23514", async () => {
      const c = twoRecords(schema);
      await t.execMigration(joinStatements([c.insert, link(c.a.child, c.a.root)]));
      await expectRejects(
        t.execMigration(`UPDATE ${schema}.events SET parent_id = '${c.b.root}' WHERE id = '${c.a.child}';`),
        { sqlstate: VIOLATION, mentions: [`${c.b.root} != ${c.a.root}`] },
      );
    });

    test("passing an id on to another record's event in one statement, which splits a link, fails with 23514", async () => {
      const c = twoRecords(schema);
      await t.execMigration(joinStatements([c.insert, link(c.a.child, c.a.root)]));
      // a.child takes a new id and b.child takes a.child's (rows in that order, so the primary key holds
      // at every row): the foreign keys are satisfied as the statement ends, since a.child still exists,
      // but the link's end now belongs to record b; only the rule can see that
      const pass =
        `UPDATE ${schema}.events SET id = CASE id WHEN '${c.a.child}' THEN '${uuidv7()}'::uuid ELSE '${c.a.child}'::uuid END ` +
        `WHERE id IN ('${c.a.child}', '${c.b.child}');`;
      await expectRejects(t.execMigration(pass), { sqlstate: VIOLATION, mentions: [`${c.b.root} != ${c.a.root}`] });
    });

    test("moving a whole record keeps its links in one record and is accepted; payload updates are not checked", async () => {
      const c = twoRecords(schema);
      await t.execMigration(joinStatements([c.insert, link(c.a.child, c.a.root)]));
      await t.execMigration(
        joinStatements([
          `UPDATE ${schema}.events SET parent_id = '${c.b.root}' WHERE parent_id = '${c.a.root}';`,
          `UPDATE ${schema}.events SET payload = '{"x": 1}' WHERE id = '${c.a.child}';`,
        ]),
      );
      const rows = await t.query<{ parent_id: string }>(
        `SELECT DISTINCT parent_id::text FROM ${schema}.events WHERE id IN ($1, $2)`,
        [c.a.child, c.a.root],
      );
      expect(rows).toEqual([{ parent_id: c.b.root }]);
    });
  });

  describe("deferred foreign keys", () => {
    beforeAll(async () => {
      await t.execMigration(
        joinStatements(
          ["links_event_id_fkey", "links_other_id_fkey"].map(
            (fk) => `ALTER TABLE ${schema}.links ALTER CONSTRAINT ${fk} DEFERRABLE INITIALLY DEFERRED;`,
          ),
        ),
      );
    });

    test("a cross-record link written before its events fails", async () => {
      const c = twoRecords(schema);
      await expectRejects(t.execMigration(joinStatements([link(c.a.child, c.b.child), c.insert])), {
        sqlstate: VIOLATION,
        mentions: ["none (no such event) != none (no such event)"],
      });
    });

    test("any link written before its events fails: an end that cannot be found is a violation", async () => {
      const c = twoRecords(schema);
      await expectRejects(t.execMigration(joinStatements([link(c.a.child, c.a.root), c.insert])), {
        sqlstate: VIOLATION,
      });
      // written after its events, in the same transaction, it is accepted
      await t.execMigration(joinStatements([c.insert, link(c.a.child, c.a.root)]));
    });
  });
});
