/**
 * `chain_append_<table>(...)`, the function Spector's chain (`hashed: true`) appends through: the
 * migration installs it, `drizzle-spector check` compares it (missing, changed, stale) and
 * `spectorDownSql` drops it.
 */
import { expect } from "vitest";
import { differenceLine } from "../src/check/differences.js";
import { compareRules } from "../src/check/rules.js";
import { spectorDownSql, spectorTables, spectorTriggerSql } from "../src/index.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { createSql } from "./support/ddl.js";
import { steps } from "./support/scratch-project.js";

const options = { table: "ledger", hashed: true, schemaModules: { 0: "MyApp.User" } } as const;
const hashed = spectorTables(options);
const unhashed = spectorTables({ table: "ledger" });
const FUNCTION = "function public.chain_append_ledger()";

describeBackends("chain_append_<table>(...) in the migration, check and down SQL", (backend) => {
  const db = useDatabase(backend);
  const step = steps();
  const differences = async (schema: Record<string, unknown>) =>
    (await compareRules(db.query, schema)).differences.map(differenceLine);
  const functions = async () =>
    (
      await db.query<{ name: string; args: string }>(
        `SELECT proname AS name, pg_get_function_identity_arguments(oid) AS args FROM pg_proc WHERE proname LIKE 'chain_append_%'`,
      )
    ).map((row) => `${row.name}(${row.args})`);

  step("the migration installs it, and check finds it up to date", async () => {
    await db.execMigration(await createSql(hashed));
    expect(await functions()).toEqual([
      "chain_append_ledger(event_id uuid, record_id uuid, event_schema integer, event_action integer, event_payload jsonb, hash_tail bytea)",
    ]);
    expect(await differences(hashed)).toEqual([]);
  });

  step("a changed body or a dropped function is reported", async () => {
    const args = "uuid, uuid, integer, integer, jsonb, bytea";
    await db.query(
      `CREATE OR REPLACE FUNCTION chain_append_ledger(event_id uuid, record_id uuid, event_schema integer, event_action integer, event_payload jsonb, hash_tail bytea)
         RETURNS SETOF ledger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$ BEGIN END $$`,
    );
    expect(await differences(hashed)).toEqual([`${FUNCTION}: body differs from this version's`]);
    await db.query(`DROP FUNCTION chain_append_ledger(${args})`);
    expect(await differences(hashed)).toEqual([`${FUNCTION}: missing`]);
    await db.execMigration(spectorTriggerSql(hashed));
    expect(await differences(hashed)).toEqual([]);
  });

  step("on a table that is no longer hashed it is stale", async () => {
    const found = await differences(unhashed);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^function public\.chain_append_ledger\(\): stale: the spector-chain rule of public\.ledger/,
    );
  });

  step("spectorDownSql drops it with the table", async () => {
    await db.execMigration(spectorDownSql(options));
    expect(await functions()).toEqual([]);
  });
});
