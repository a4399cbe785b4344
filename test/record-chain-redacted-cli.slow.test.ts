/**
 * `drizzle-spector verify` on a record-chained table with erased payloads (`redact`), on a scratch
 * project, on PGlite (a data folder the config names) and PostgreSQL (a fresh database): the chain
 * verifies, and each redacted event is printed with its record, when and why (and listed in `--json`).
 */
import { drizzle } from "drizzle-orm/pglite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { chainRedactionTable, redact, spectorTables } from "../src/index.js";
import type { SpectorDatabase } from "../src/queries/types.js";
import { splitStatements } from "../src/sql/statements.js";
import { describeBackends } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { INDEX, runCli, steps, useProjectDatabase, useScratchProject } from "./support/scratch-project.js";

/** The environment of a run: the config alone names the database. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "DATABASE_URL"));

/** The schema under test, in this process: the events, their heads and their redactions. */
const { events, events_heads } = spectorTables({ table: "events", hashed: "record", appendOnly: true });
const events_redactions = chainRedactionTable(events);

describeBackends("drizzle-spector verify lists the redacted events", (backend) => {
  const dir = useScratchProject();
  const step = steps();
  const { pg, credentials, inDatabase } = useProjectDatabase(backend, dir);
  const cli = (...args: string[]) => runCli(dir, args, ENV);
  const root = "0193c000-0000-7000-8000-00000000000a";
  const children = ["0193c000-0000-7000-8000-0000000000a1", "0193c000-0000-7000-8000-0000000000a2"];

  step("a record with two erased payloads verifies, and verify prints each redaction", async () => {
    writeFileSync(
      join(dir, "drizzle.config.ts"),
      `export default { dialect: "postgresql", schema: "./schema.ts", out: "./migrations", ${credentials()} };\n`,
    );
    writeFileSync(
      join(dir, "schema.ts"),
      `import { chainRedactionTable, spectorTables } from ${JSON.stringify(INDEX)};\n` +
        `export const { events, events_heads } = spectorTables({ table: "events", hashed: "record", appendOnly: true });\n` +
        `export const events_redactions = chainRedactionTable(events);\n`,
    );
    const erased = await inDatabase(async (query, client) => {
      for (const statement of splitStatements(await createSql({ events, events_heads, events_redactions })))
        await query(statement);
      for (const [id, action] of [
        [root, 1],
        [children[0]!, 2],
        [children[1]!, 2],
      ] as const) {
        await query(
          `INSERT INTO public.events (id, parent_id, schema, action, payload) VALUES ($1, $2, 0, $3, '{"name": "Ada"}')`,
          [id, root, action],
        );
      }
      const db = (pg ? pg.db : drizzle(client!)) as SpectorDatabase;
      return [
        await redact(db, events, children[1]!, { reason: "erasure request 2" }),
        await redact(db, events, children[0]!, { reason: "erasure request 1" }),
      ];
    });
    const run = cli("verify", "--table", "events");
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/\nevents: 3 events, the chain verifies \(\d+ events\/s\)\n/);
    // by record, then id
    expect(run.stdout).toContain(
      [...erased]
        .reverse()
        .map(
          (event) => `  redacted: event ${event.eventId} of record ${root}, at ${event.redactedAt} (${event.reason})\n`,
        )
        .join(""),
    );
    expect(run.status).toBe(0);
    const record = cli("verify", "--table", "events", "--record", root, "--json");
    expect(record.status).toBe(0);
    expect(JSON.parse(record.stdout)).toMatchObject({
      ok: true,
      tables: [{ ok: true, count: 3, table: "events", redacted: [...erased].reverse() }],
    });
  });
});
