/**
 * Which rules `drizzle-spector generate` creates or drops, and where their statements go: the pure
 * decision (`planRules`, `placeStatements`) and the reading of a migrations folder's markers
 * (`readRuleState`), without drizzle-kit or a database.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  checkMigrationFiles,
  readJournal,
  readRuleState,
  type RuleRecord,
  type RuleState,
} from "../src/cli/migrations.js";
import { placeStatements, planRules } from "../src/cli/rule-plan.js";
import { GenerateError } from "../src/errors.js";
import { spectorTables } from "../src/index.js";
import {
  createRuleStatements,
  dropRuleStatements,
  ruleFingerprint,
  ruleKey,
  ruleTargets,
  sameParentRule,
} from "../src/sql/rules.js";
import { expectThrows } from "./support/failures.js";
import { randomName } from "./support/fresh-database.js";

const targets = ruleTargets(
  spectorTables({
    table: "events",
    links: [
      ["ancestors", "ancestor_id"],
      ["loose", "other_id", { constrained: false }],
    ],
  }),
);
const [ancestors] = targets;

function state(...records: RuleRecord[]): RuleState {
  return new Map(records.map((record) => [ruleKey(record.kind, record.table), record]));
}
const installed = (table: string, fingerprint: string | undefined, status: RuleRecord["status"] = "active") =>
  ({ kind: "same-parent", table, status, fingerprint }) as const;

describe("planRules", () => {
  test("the rule of each constrained link table, and of no other table", () => {
    expect(targets.map((target) => [target.rule.kind, target.table])).toEqual([["same-parent", "public.ancestors"]]);
  });

  test("a rule no migration installed is created", () => {
    expect(planRules(state(), targets)).toEqual({ create: [ancestors], drop: [] });
  });

  test("a rule installed with the same SQL is left alone", () => {
    expect(planRules(state(installed("public.ancestors", ruleFingerprint(ancestors!))), targets)).toEqual({
      create: [],
      drop: [],
    });
  });

  test("a rule installed with other SQL, or with no fingerprint, or orphaned by its dropped table, is created again", () => {
    for (const record of [
      installed("public.ancestors", "0123456789abcd"),
      installed("public.ancestors", undefined),
      installed("public.ancestors", ruleFingerprint(ancestors!), "orphaned"),
    ]) {
      expect(planRules(state(record), targets), JSON.stringify(record)).toEqual({ create: [ancestors], drop: [] });
    }
  });

  test("a rule of a table the schema no longer wants is dropped, orphaned or not", () => {
    const plan = planRules(
      state(installed("public.gone", "x"), installed("audit.renamed", "y", "orphaned")),
      targets.slice(1),
    );
    expect(plan.create).toEqual([]);
    expect(plan.drop.map((drop) => [drop.rule.kind, drop.table])).toEqual([
      ["same-parent", "public.gone"],
      ["same-parent", "audit.renamed"],
    ]);
  });

  test("a rule of a kind this version does not know is refused with a GenerateError", () => {
    const newer = { kind: "hash-chain", table: "public.events", status: "active", fingerprint: "x" } as const;
    expectThrows(() => planRules(state(newer), targets), {
      instanceOf: GenerateError,
      mentions: ['rule of kind "hash-chain"', "upgrade drizzle-spector"],
    });
  });
});

describe("placeStatements", () => {
  const plan = planRules(state(installed("audit.gone", "x")), targets);
  const drops = dropRuleStatements(sameParentRule, { pgSchema: "audit", name: "gone" });

  test("with a tables migration in the run, drops lead it and creates go in the custom migration", () => {
    const placed = placeStatements(plan, "0004_tables");
    expect([...placed.lead]).toEqual([["0004_tables", drops]]);
    expect(drops.join("\n")).toContain(`DROP FUNCTION IF EXISTS "audit"."check_link_same_parent_gone"()`);
    expect(drops[0]).toMatch(/^-- drizzle-spector:drop-same-parent audit\.gone\n/);
    expect(placed.custom).toEqual(createRuleStatements(ancestors!));
  });

  test("without one, drops and then creates go in the custom migration", () => {
    const placed = placeStatements(plan, undefined);
    expect(placed.lead.size).toBe(0);
    expect(placed.custom).toEqual([...drops, ...createRuleStatements(ancestors!)]);
  });

  test("drops lead the migration that drops their table's PostgreSQL schema, even one of an earlier run", () => {
    const orphan = installed("audit.gone", "x", "orphaned");
    const dropped = planRules(state({ ...orphan, schemaDroppedIn: "0002_drop_audit" }), targets);
    for (const tablesMigration of [undefined, "0004_tables"]) {
      const placed = placeStatements(dropped, tablesMigration);
      expect([...placed.lead], String(tablesMigration)).toEqual([["0002_drop_audit", drops]]);
      expect(placed.custom, String(tablesMigration)).toEqual(createRuleStatements(ancestors!));
    }
  });

  test("nothing to create: no custom migration", () => {
    expect(placeStatements({ create: [], drop: plan.drop }, "0004_tables").custom).toEqual([]);
  });
});

describe("readRuleState", () => {
  const out = join(new URL("..", import.meta.url).pathname, ".tmp", randomName("rules"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test("replays the markers and table drops of the journal's migrations, in journal order", () => {
    const migrations: [string, string][] = [
      ["0000_tables", `CREATE TABLE "a" (id uuid);`],
      [
        "0001_rules",
        "-- drizzle-spector:create-same-parent public.a 0123456789abcd\nCREATE ...;\n" +
          "-- drizzle-spector:create-same-parent audit.b 00000000000001\nCREATE ...;\n" +
          "-- drizzle-spector:create-same-parent public.c\nCREATE ...;",
      ],
      ["0002_drop_b", `DROP TABLE "audit"."b" CASCADE;`],
      ["0003_drop_c_rule", "-- drizzle-spector:drop-same-parent public.c\nDROP FUNCTION ...;"],
    ];
    mkdirSync(join(out, "meta"), { recursive: true });
    for (const [tag, text] of migrations) writeFileSync(join(out, `${tag}.sql`), text);
    // a migration the journal does not list (yet) is not read
    writeFileSync(join(out, "0004_unlisted.sql"), "-- drizzle-spector:create-same-parent public.z 0\n");
    const entries = migrations.map(([tag], idx) => ({ idx, tag, when: idx, version: "7", breakpoints: true }));
    writeFileSync(join(out, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
    expect([...readRuleState(out).values()]).toEqual([
      { kind: "same-parent", table: "public.a", status: "active", fingerprint: "0123456789abcd" },
      { kind: "same-parent", table: "audit.b", status: "orphaned", fingerprint: "00000000000001" },
    ]);
  });

  test("a rule whose table's PostgreSQL schema a later migration drops is orphaned by that migration", () => {
    const dir = join(out, "schema-drop");
    const migrations: [string, string][] = [
      [
        "0000_rules",
        "-- drizzle-spector:create-same-parent audit.b 01\nCREATE ...;\n-- drizzle-spector:create-same-parent public.c 02\n",
      ],
      ["0001_drop_audit", `DROP TABLE "audit"."b" CASCADE;\n--> statement-breakpoint\nDROP SCHEMA "audit";`],
      ["0002_drop_audit_again", `DROP SCHEMA IF EXISTS "audit";`],
    ];
    mkdirSync(join(dir, "meta"), { recursive: true });
    for (const [tag, text] of migrations) writeFileSync(join(dir, `${tag}.sql`), text);
    const entries = migrations.map(([tag], idx) => ({ idx, tag, when: idx }));
    writeFileSync(join(dir, "meta", "_journal.json"), JSON.stringify({ entries }));
    expect([...readRuleState(dir).values()]).toEqual([
      {
        kind: "same-parent",
        table: "audit.b",
        status: "orphaned",
        fingerprint: "01",
        schemaDroppedIn: "0001_drop_audit",
      },
      { kind: "same-parent", table: "public.c", status: "active", fingerprint: "02" },
    ]);
  });
});

describe("readJournal and checkMigrationFiles", () => {
  const out = join(new URL("..", import.meta.url).pathname, ".tmp", randomName("journal"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const journal = join(out, "meta", "_journal.json");
  const entry = (idx: number, tag: string) => ({
    idx,
    tag,
    when: 1700000000000 + idx,
    version: "7",
    breakpoints: true,
  });

  test("a journal of the wrong shape is refused, naming the file, the entry and what was expected", () => {
    mkdirSync(join(out, "meta"), { recursive: true });
    const cases: [unknown, string[]][] = [
      [[entry(0, "0000_a")], ["an object with an `entries` array", "got `[{"]],
      [{ entries: {} }, ["an object with an `entries` array", 'got `{"entries":{}}`']],
      [{ entries: [entry(0, "0000_a"), "0001_b"] }, ["entries[1]: expected an object", 'got `"0001_b"`']],
      [{ entries: [{ idx: 0, when: 1 }] }, ["entries[0].tag: expected the migration's file name", "got `undefined`"]],
      [{ entries: [entry(0, "../0000_a")] }, ["entries[0].tag", 'got `"../0000_a"`']],
      [
        { entries: [{ ...entry(0, "0000_a"), idx: "0" }] },
        ["entries[0].idx (0000_a): expected a whole number", 'got `"0"`'],
      ],
      [{ entries: [{ ...entry(0, "0000_a"), when: null }] }, ["entries[0].when (0000_a)", "got `null`"]],
      [
        { entries: [entry(0, "0000_a"), entry(0, "0000_b")] },
        ["entries[1] (0000_b): another entry has the same idx 0"],
      ],
    ];
    for (const [value, mentions] of cases) {
      writeFileSync(journal, JSON.stringify(value));
      expectThrows(
        () => readJournal(out),
        { instanceOf: GenerateError, mentions: [journal, ...mentions] },
        JSON.stringify(value),
      );
    }
    writeFileSync(journal, "{ not json");
    expectThrows(() => readJournal(out), {
      instanceOf: GenerateError,
      mentions: [`cannot read drizzle-kit's journal ${journal}`],
    });
  });

  test("an entry without its .sql file is refused, naming both files", () => {
    writeFileSync(journal, JSON.stringify({ entries: [entry(0, "0000_a"), entry(1, "0001_b")] }));
    writeFileSync(join(out, "0000_a.sql"), "SELECT 1;");
    expectThrows(() => checkMigrationFiles(out, readJournal(out)), {
      instanceOf: GenerateError,
      mentions: [`${journal} lists the migration 0001_b`, join(out, "0001_b.sql")],
    });
    writeFileSync(join(out, "0001_b.sql"), "SELECT 2;");
    expect(() => checkMigrationFiles(out, readJournal(out))).not.toThrow();
  });
});
