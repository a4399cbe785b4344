/**
 * The values a materialized table's rows hold, on PGlite and PostgreSQL: the inline path and `rebuild`
 * write rows through one JSON parameter (`jsonb_populate_recordset`), and must store exactly what
 * Drizzle's own insert stores for the same row, for every kind of column (JSON values, timestamps,
 * numerics, arrays, bigints, booleans, quotes and non-ASCII text, `NULL`), and for a row that leaves a
 * column with a default `undefined` (written through Drizzle's insert, which fills the default).
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uuid,
  type PgTableWithColumns,
} from "drizzle-orm/pg-core";
import { expect, test } from "vitest";
import { appendEvents, materialized, payloadType, spectorTables } from "../src/index.js";
import { describeBackends, useDatabase, type TestDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";

type Payloads = { thing: { n: number; label?: string } };
const { vlog, vlog_heads } = spectorTables({
  table: "vlog",
  versioned: true,
  schemas: { thing: 0 },
  actions: {},
  payloads: payloadType<Payloads>(),
});

const columns = () => ({
  id: uuid("id").primaryKey(),
  n: integer("n").notNull(),
  doc: jsonb("doc"),
  at: timestamp("at", { mode: "date", precision: 3 }),
  atText: timestamp("at_text", { mode: "string", withTimezone: true }),
  day: date("day"),
  amount: numeric("amount", { precision: 12, scale: 4 }),
  tags: text("tags").array(),
  counts: integer("counts").array(),
  big: bigint("big", { mode: "bigint" }),
  flag: boolean("flag"),
  label: text("label"),
  note: text("note").notNull().default("none"),
});
const valueRows = pgTable("value_rows", columns());
const drizzleRows = pgTable("drizzle_rows", columns());
type Row = typeof valueRows.$inferSelect;

/** A row of every kind of value, from a record's id and a number (999 leaves `note` to its default). */
function rowOf(id: string, n: number, label: string | undefined): Row {
  const row = {
    id,
    n,
    doc: n % 3 === 0 ? "just a string" : { n, nested: { list: [1, "two", null, true] }, text: `it's "${label}"` },
    at: new Date(Date.UTC(2026, 0, 1 + n, 12, 30, 15, 123)),
    atText: "2026-02-03 04:05:06.789+00",
    day: `2026-03-${String(1 + (n % 28)).padStart(2, "0")}`,
    amount: `${n}.0625`,
    tags: [`a,b "${n}"`, "ü ∑ 😀", "{braces}", "back\\slash"],
    counts: [n, -n, 0],
    big: 9_007_199_254_740_993n + BigInt(n),
    flag: n % 2 === 0,
    label: label ?? null,
    note: `note ${n}`,
  } as Row;
  if (n === 999) delete (row as Partial<Row>).note;
  return row;
}

const evolve = (_row: Row | undefined, event: { parentId: string; payload: Payloads["thing"] | null }) =>
  rowOf(event.parentId, event.payload!.n, event.payload!.label);
const things = materialized(valueRows, { events: vlog, schema: "thing", evolve });

/** Every row of `table` as PostgreSQL prints it, by id: what is stored, whatever the driver decodes. */
async function stored(t: TestDatabase, table: string): Promise<string[]> {
  const rows = await t.query(`SELECT id::text, (r.*)::text AS row FROM ${table} AS r ORDER BY id`);
  return rows.map((row) => String(row.row).replace(String(row.id), "<id>"));
}

describeBackends("materialized table values", (backend) => {
  const t = useDatabase(backend, async (t) =>
    t.execMigration(await createSql({ vlog, vlog_heads, valueRows, drizzleRows })),
  );

  test("the inline path and rebuild store what Drizzle's insert stores, for every kind of column and a default left out", async () => {
    const ids: string[] = [];
    // records 1 to 11 hold every value; record 12's update leaves `note` out (the batch goes through Drizzle)
    for (let n = 1; n <= 12; n++) {
      const label = n % 4 === 0 ? undefined : `l'${n}`;
      const { rows } = await appendEvents(t.db, vlog, {
        events: [
          { schema: "thing", action: "insert", payload: { n: n * 10, ...(label === undefined ? {} : { label }) } },
        ],
        materialize: [things],
      });
      const id = rows[0]!.id;
      ids.push(id);
      const updated = n === 12 ? 999 : n * 10 + 1;
      if (n % 2 === 0) {
        await appendEvents(t.db, vlog, {
          parentId: id,
          events: [{ schema: "thing", action: "update", payload: { n: updated, label: `upd "${n}"` } }],
          materialize: [things],
        });
      }
      // the same final row, through Drizzle's insert
      const last = n % 2 === 0 ? rowOf(id, updated, `upd "${n}"`) : rowOf(id, n * 10, label);
      await t.db.insert(drizzleRows as PgTableWithColumns<any>).values(last);
    }
    const inline = await stored(t, "value_rows");
    const expected = await stored(t, "drizzle_rows");
    expect(inline).toEqual(expected);
    // the default filled in where the row left `note` out, the given value elsewhere
    const notes = await t.query("SELECT note FROM value_rows ORDER BY id");
    expect(new Set(notes.map((row) => row.note))).toContain("none");
    // rebuild, whole and in batches of 5 (the first two through the JSON parameter), stores the same
    await t.db.execute(sql`DELETE FROM value_rows`);
    expect(await things.rebuild(t.db)).toMatchObject({ records: 12, upserted: 12, deleted: 0 });
    expect(await stored(t, "value_rows")).toEqual(expected);
    await t.db.execute(sql`UPDATE value_rows SET n = -1, doc = NULL, tags = NULL`);
    await things.rebuild(t.db, { batchSize: 5 });
    expect(await stored(t, "value_rows")).toEqual(expected);
    // and the driver reads back what evolve returned
    const [one] = await t.db
      .select()
      .from(valueRows)
      .where(sql`${valueRows.id} = ${ids[1]!}::uuid`);
    expect(one).toEqual({ ...rowOf(ids[1]!, 21, 'upd "2"') });
  });
});
