/**
 * The append statement of `appendEvents` is built once per table and shape (number of events, at a
 * version or at any) and then only given new parameters: on PGlite and PostgreSQL, appends of every
 * size, alternating the shapes, write what they are given and return the record's version; at any
 * version the count comes from the record's head where the table keeps heads; a record's version is
 * read from its head, and counted when it has none.
 */
import { expect, test } from "vitest";
import {
  appendEvents,
  listByParent,
  readVersion,
  spectorActions,
  spectorTables,
  type EventInput,
  type ExpectedVersion,
} from "../src/index.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";

const schemas = { order: 0, note: 1 } as const;
const actions = spectorActions([]);
const { chained, chained_heads } = spectorTables({ table: "chained", hashed: "record", schemas, actions });
const { kept, kept_heads } = spectorTables({ table: "kept", versioned: true, schemas, actions });
const { loose } = spectorTables({ table: "loose", schemas, actions });
const schema = { chained, chained_heads, kept, kept_heads, loose };

/** `n` events with totals `from`, `from + 1`, ..., a note every third one. */
const batch = (n: number, from: number): EventInput<typeof kept>[] =>
  Array.from({ length: n }, (_, i) =>
    (from + i) % 3 === 0
      ? { schema: "note", action: "update", payload: { text: `note ${from + i}`, quote: `it's "${from + i}"` } }
      : { schema: "order", action: "update", payload: { total: from + i } },
  );

describeBackends("the append statement, built once per table and shape", (backend) => {
  const t = useDatabase(backend, async (t) => {
    await t.execMigration(await createSql(schema));
  });

  for (const [name, table, heads] of [
    ['hashed: "record"', chained, true],
    ["versioned: true", kept, true],
    ["no record heads", loose, false],
  ] as const) {
    test(`${name}: appends of 1 to 12 events, at a version and at any in turn, write each event as given and return the record's version`, async () => {
      const events = table as typeof kept;
      const start = await appendEvents(t.db, events, {
        events: [{ schema: "order", action: "insert", payload: { total: 0 } }],
      });
      const parentId = start.rows[0]!.id;
      let version = start.version;
      let total = 1;
      const written: EventInput<typeof kept>[] = [{ schema: "order", action: "insert", payload: { total: 0 } }];
      for (let n = 1; n <= 12; n++) {
        for (const atVersion of heads ? [true, false] : [false]) {
          const sent = batch(n, total);
          const expected: ExpectedVersion = atVersion ? version : "any";
          const result = await appendEvents(t.db, events, { parentId, expected, events: sent });
          total += n;
          written.push(...sent);
          expect(
            result.rows.map(({ schema, action, payload, parentId }) => ({ schema, action, payload, parentId })),
          ).toEqual(sent.map((event) => ({ ...event, parentId })));
          expect(result.version).toEqual({ lastId: result.rows[n - 1]!.id, count: total });
          expect(await readVersion(t.db, events, parentId)).toEqual(result.version);
          version = result.version;
        }
      }
      const history = await listByParent(t.db, events, parentId);
      expect(history.map(({ schema, payload }) => ({ schema, payload }))).toEqual(
        written.map(({ schema, payload }) => ({ schema, payload })),
      );
    });
  }

  test("a record whose head row is missing: its version is counted from its events", async () => {
    const { rows } = await appendEvents(t.db, kept, {
      events: [{ schema: "order", action: "insert", payload: { total: 1 } }, ...batch(4, 2)],
    });
    const parentId = rows[0]!.id;
    const version = { lastId: rows[4]!.id, count: 5 };
    expect(await readVersion(t.db, kept, parentId)).toEqual(version);
    await t.query(`DELETE FROM kept_heads WHERE parent_id = $1`, [parentId]);
    expect(await readVersion(t.db, kept, parentId)).toEqual(version);
  });
});
