/**
 * `drizzle-spector check`'s comparison of a live database with the schema's rules, on every backend,
 * in-process (the command itself, run as a subprocess, is `check.test.ts`, a slow suite).
 */
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { expect } from "vitest";
import { differenceLine } from "../src/check/differences.js";
import { compareRules } from "../src/check/rules.js";
import { spectorTables, spectorTriggerSql } from "../src/index.js";
import { dropRuleStatements, sameParentRule } from "../src/sql/rules.js";
import type { RuleTrigger } from "../src/sql/rule-objects.js";
import { joinStatements } from "../src/sql/statements.js";
import { getMeta, type LinkTableMeta } from "../src/tables/meta.js";
import { describeBackends, useDatabase } from "./support/backends.js";
import { spectorRowTrigger } from "./support/spector-ddl.js";
import { steps } from "./support/scratch-project.js";

const tables = spectorTables({
  table: "events",
  links: [
    ["links", "other_id"],
    ["loose", "loose_id", { constrained: false }],
  ],
});

/** The trigger `name` as this version's same-parent rule on `links` describes it. */
function ruleTrigger(name: string): RuleTrigger {
  const objects = sameParentRule.objects(getMeta(tables.links) as LinkTableMeta);
  return objects.triggers.find((trigger) => trigger.name === name)!;
}

/** The SQL drizzle-kit writes for the tables alone (what `drizzle-kit push` makes). */
async function tablesOnlySql(schema: Record<string, unknown>): Promise<string> {
  return joinStatements(await generateMigration(generateDrizzleJson({}), generateDrizzleJson(schema)));
}

describeBackends("drizzle-spector check's comparison of a database with the schema's rules", (backend) => {
  const db = useDatabase(backend);
  const step = steps();
  const differences = async () => (await compareRules(db.query, tables)).differences.map(differenceLine);
  const repair = () => db.execMigration(spectorTriggerSql(tables));

  step("an empty database lacks the tables, reported once each without their rule's objects", async () => {
    expect(await differences()).toEqual(["table public.links: missing", "table public.events: missing"]);
  });

  step("a database with the tables only (as drizzle-kit push makes it) lacks every function and trigger", async () => {
    await db.execMigration(await tablesOnlySql(tables));
    expect(await differences()).toEqual([
      "function public.check_link_same_parent_links_large(): missing",
      "function public.check_link_same_parent_links(): missing",
      "function public.check_link_same_parent_links_update(): missing",
      "function public.check_link_same_parent_links_events(): missing",
      "trigger enforce_same_parent_links on public.links: missing",
      "trigger enforce_same_parent_links_update on public.links: missing",
      "trigger enforce_same_parent_links_events on public.events: missing",
    ]);
  });

  step("with spectorTriggerSql applied, nothing differs", async () => {
    await repair();
    expect(await differences()).toEqual([]);
    expect((await compareRules(db.query, tables)).expected).toEqual({
      rules: 1,
      functions: sameParentRule.objects(getMeta(tables.links) as LinkTableMeta).functions.length,
      triggers: sameParentRule.objects(getMeta(tables.links) as LinkTableMeta).triggers.length,
    });
  });

  step("a trigger dropped by hand is reported missing", async () => {
    await db.query(`DROP TRIGGER enforce_same_parent_links_update ON public.links`);
    expect(await differences()).toEqual(["trigger enforce_same_parent_links_update on public.links: missing"]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step("a function replaced with another body (same settings) is reported for its body only", async () => {
    await db.query(
      `CREATE OR REPLACE FUNCTION public.check_link_same_parent_links() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
         AS $$BEGIN RETURN NULL; END$$`,
    );
    expect(await differences()).toEqual([
      "function public.check_link_same_parent_links(): body differs from this version's",
    ]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step("a function's settings changed by hand are reported", async () => {
    // the same-parent functions have no settings (they name everything by its schema): a SET is stale
    expect(sameParentRule.objects(getMeta(tables.links) as LinkTableMeta).functions[2]!.config).toEqual([]);
    await db.query(
      `ALTER FUNCTION public.check_link_same_parent_links_events() SECURITY INVOKER SET search_path = public`,
    );
    expect(await differences()).toEqual([
      `function public.check_link_same_parent_links_events(): not SECURITY DEFINER; settings ["search_path=public"], expected none`,
    ]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step("a disabled trigger is reported, and one enabled for replica sessions only", async () => {
    await db.query(`ALTER TABLE public.events DISABLE TRIGGER enforce_same_parent_links_events`);
    await db.query(`ALTER TABLE public.links ENABLE REPLICA TRIGGER enforce_same_parent_links`);
    expect(await differences()).toEqual([
      "trigger enforce_same_parent_links on public.links: fires only in replica sessions (ENABLE REPLICA)",
      "trigger enforce_same_parent_links_events on public.events: disabled",
    ]);
    await repair(); // CREATE OR REPLACE TRIGGER enables them again
    expect(await differences()).toEqual([]);
  });

  step("a trigger that fires on other events, with another WHEN, or calls another function is reported", async () => {
    const events = ruleTrigger("enforce_same_parent_links_events");
    await db.query(
      `CREATE OR REPLACE TRIGGER enforce_same_parent_links_events AFTER UPDATE OF id ON public.events
         FOR EACH ROW WHEN (OLD.id <> NEW.id) EXECUTE FUNCTION public.check_link_same_parent_links_events()`,
    );
    await db.query(
      `CREATE OR REPLACE TRIGGER enforce_same_parent_links AFTER INSERT ON public.links
         REFERENCING NEW TABLE AS spector_new_links FOR EACH STATEMENT
         EXECUTE FUNCTION public.check_link_same_parent_links_update()`,
    );
    expect(await differences()).toEqual([
      "trigger enforce_same_parent_links on public.links: calls public.check_link_same_parent_links_update(), " +
        "expected public.check_link_same_parent_links()",
      `trigger enforce_same_parent_links_events on public.events: fires AFTER UPDATE OF "id" FOR EACH ROW, ` +
        `expected ${events.event} FOR EACH ROW; has WHEN ((old.id <> new.id)), expected WHEN (${events.when})`,
    ]);
    await repair();
    expect(await differences()).toEqual([]);
  });

  step(
    "Spector's own function and row trigger under the rule's names differ (the migration replaces them)",
    async () => {
      await db.query(`DROP FUNCTION public.check_link_same_parent_links() CASCADE`);
      for (const statement of spectorRowTrigger(`"public"`, "events", "links", "other_id")) await db.query(statement);
      expect(await differences()).toEqual([
        `function public.check_link_same_parent_links(): body differs from this version's; not SECURITY DEFINER`,
        `trigger enforce_same_parent_links on public.links: fires BEFORE INSERT FOR EACH ROW, expected AFTER INSERT REFERENCING NEW TABLE AS "spector_new_links" FOR EACH STATEMENT`,
      ]);
      await repair();
      expect(await differences()).toEqual([]);
    },
  );

  step("a rule left on a table that is no longer constrained is stale, each of its objects", async () => {
    const constrained = spectorTables({ table: "events", links: [["loose", "loose_id"]] });
    await db.execMigration(spectorTriggerSql(constrained));
    const stale = "stale: the same-parent rule of public.loose, which the schema does not ask for";
    expect(await differences()).toEqual([
      `function public.check_link_same_parent_loose(): ${stale}`,
      `function public.check_link_same_parent_loose_events(): ${stale}`,
      `function public.check_link_same_parent_loose_large(): ${stale}`,
      `function public.check_link_same_parent_loose_update(): ${stale}`,
      `trigger enforce_same_parent_loose_events on public.events: ${stale}`,
      `trigger enforce_same_parent_loose on public.loose: ${stale}`,
      `trigger enforce_same_parent_loose_update on public.loose: ${stale}`,
    ]);
    await db.execMigration(joinStatements(dropRuleStatements(sameParentRule, { pgSchema: undefined, name: "loose" })));
    expect(await differences()).toEqual([]);
  });

  step("the rule of a link table dropped by hand is stale, what is left of it", async () => {
    const gone = spectorTables({ table: "events", links: [["gone", "gone_id"]] });
    await db.query(
      `CREATE TABLE public.gone (event_id uuid NOT NULL REFERENCES public.events (id), gone_id uuid NOT NULL REFERENCES public.events (id))`,
    );
    // the unique index the rule makes the table's replica identity
    await db.query(`CREATE UNIQUE INDEX gone_event_id_gone_id_index ON public.gone (event_id, gone_id)`);
    await db.execMigration(spectorTriggerSql(gone));
    await db.query(`DROP TABLE public.gone`);
    const stale = "stale: the same-parent rule of public.gone, which the schema does not ask for";
    expect(await differences()).toEqual([
      `function public.check_link_same_parent_gone(): ${stale}`,
      `function public.check_link_same_parent_gone_events(): ${stale}`,
      `function public.check_link_same_parent_gone_large(): ${stale}`,
      `function public.check_link_same_parent_gone_update(): ${stale}`,
      `trigger enforce_same_parent_gone_events on public.events: ${stale}`,
    ]);
    await db.execMigration(joinStatements(dropRuleStatements(sameParentRule, { pgSchema: undefined, name: "gone" })));
    expect(await differences()).toEqual([]);
  });

  step("a rule function in a schema the schema's tables are not in is not looked at", async () => {
    await db.query(`CREATE SCHEMA elsewhere`);
    await db.query(
      `CREATE FUNCTION elsewhere.check_link_same_parent_other() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$`,
    );
    expect(await differences()).toEqual([]);
  });

  step("a link table dropped by hand is reported missing, without its rule's objects", async () => {
    await db.query(`DROP TABLE public.links`);
    expect(await differences()).toEqual(["table public.links: missing"]);
  });
});
