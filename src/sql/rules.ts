/**
 * What every rule shares. A rule is SQL that guards one kind of drizzle-spector table, which
 * drizzle-kit cannot write: functions and triggers that a migration of their own installs. There are
 * six: the same-parent rule on link tables, the record chain on `hashed: "record"` events tables, the
 * record heads on `versioned: true` ones, the
 * function that appends to Spector's chain on `hashed: true` ones, the append-only guard on `appendOnly` tables, and the distribution of Citus-layout tables (no trigger: a
 * `DO` block that runs `create_distributed_table` where Citus is installed); each rule is an entry of {@link RULES}, and everything
 * here (which tables get it, the markers `drizzle-spector generate` reads back, the SQL that installs
 * or removes it) works on any entry.
 *
 * @module
 */
import { fingerprint, tableKey, type TableName } from "../naming/index.js";
import { getMeta, type EventTableMeta, type LinkTableMeta, type SpectorMeta } from "../tables/meta.js";
import { citusDistributionObjects, citusDistributionStatements, dropCitusDistributionStatements } from "./citus.js";
import { appendOnlyObjects, appendOnlyStatements, dropAppendOnlyStatements } from "./append-only.js";
import { dropRecordChainStatements, recordChainObjects, recordChainStatements } from "./record-chain.js";
import type { RuleObjects } from "./rule-objects.js";
import { dropRecordVersionStatements, recordVersionObjects, recordVersionStatements } from "./record-version.js";
import { dropSpectorChainStatements, spectorChainObjects, spectorChainStatements } from "./spector-chain.js";
import { dropPositionsStatements, positionsObjects, positionsStatements } from "./positions.js";
import { linkReplicaIdentityStatement } from "./replica-identity.js";
import { dropSameParentStatements, sameParentObjects, sameParentStatements } from "./same-parent/index.js";
import { joinStatements } from "./statements.js";

/** A kind of rule, on tables whose metadata is `M`. */
export interface Rule<M extends SpectorMeta = SpectorMeta> {
  /** The rule's word in migration markers: `same-parent`. */
  readonly kind: string;
  /** The kinds of table it guards. */
  readonly on: readonly M["kind"][];
  /** Whether a table of that kind gets the rule (a link table: when it is `constrained`). */
  wants(meta: M): boolean;
  /** The functions and triggers it installs on one table, as the catalogs hold them. */
  objects(meta: M): RuleObjects;
  /** The statements that install it on one table, unmarked, `CREATE OR REPLACE` throughout. */
  install(meta: M): string[];
  /** The statements that remove it from a table, unmarked, `IF EXISTS` throughout. */
  remove(table: TableName): string[];
}

/** The same-parent rule: both ends of a link in one record. */
export const sameParentRule: Rule<LinkTableMeta> = {
  kind: "same-parent",
  on: ["link"],
  // the Citus layout keeps both ends in one record by its foreign keys: no trigger
  wants: (link) => link.constrained && link.layout !== "citus",
  objects: sameParentObjects,
  // and the unique index as the table's replica identity, so that a published link table takes DELETE
  install: (link) => [...sameParentStatements(link), linkReplicaIdentityStatement(link)],
  remove: dropSameParentStatements,
};

/** The record chain: the database fills `hash` on every insert (`hashed: "record"`). */
export const recordChainRule: Rule<EventTableMeta> = {
  kind: "record-chain",
  on: ["events"],
  wants: (events) => events.recordChain,
  objects: recordChainObjects,
  install: recordChainStatements,
  remove: dropRecordChainStatements,
};

/**
 * Record heads without a chain (`versioned: true`): the database moves each record's head (last id,
 * count) on every insert, for appends at an expected version.
 */
export const recordVersionRule: Rule<EventTableMeta> = {
  kind: "record-version",
  on: ["events"],
  wants: (events) => events.versioned === true && !events.recordChain,
  objects: recordVersionObjects,
  install: recordVersionStatements,
  remove: dropRecordVersionStatements,
};

/**
 * Positions (`positions: true`): every event queued for a position when it is inserted, and the
 * function that numbers committed events, for `readAll` and consumers.
 */
export const positionsRule: Rule<EventTableMeta> = {
  kind: "positions",
  on: ["events"],
  wants: (events) => events.positions === true,
  objects: positionsObjects,
  install: positionsStatements,
  remove: dropPositionsStatements,
};

/**
 * Spector's chain (`hashed: true`): the function `chain_append_T()` that `appendEvent` calls to take
 * the chain's lock and read its last hash in the statement that appends.
 */
export const spectorChainRule: Rule<EventTableMeta> = {
  kind: "spector-chain",
  on: ["events"],
  wants: (events) => events.hashed && !events.recordChain,
  objects: spectorChainObjects,
  install: spectorChainStatements,
  remove: dropSpectorChainStatements,
};

/** The append-only guard: no UPDATE, DELETE or TRUNCATE (`appendOnly: true`). */
export const appendOnlyRule: Rule<EventTableMeta | LinkTableMeta> = {
  kind: "append-only",
  on: ["events", "link"],
  wants: (table) => table.appendOnly,
  objects: appendOnlyObjects,
  install: appendOnlyStatements,
  remove: dropAppendOnlyStatements,
};

/**
 * The distribution of a Citus-layout table (`layout: "citus"`): `create_distributed_table` where the
 * `citus` extension is installed, nothing elsewhere (`sql/citus.ts`).
 */
export const citusDistributionRule: Rule<EventTableMeta | LinkTableMeta> = {
  kind: "citus-distribution",
  on: ["events", "link"],
  wants: (table) => table.layout === "citus",
  objects: citusDistributionObjects,
  install: citusDistributionStatements,
  remove: dropCitusDistributionStatements,
};

/** Every kind of rule, in the order a migration installs them. */
export const RULES: readonly Rule[] = [
  sameParentRule,
  recordChainRule,
  recordVersionRule,
  positionsRule,
  spectorChainRule,
  appendOnlyRule,
  citusDistributionRule,
];

/** A rule on one table: what a migration installs, and what `drizzle-spector generate` keeps track of. */
export interface RuleTarget {
  readonly rule: Rule;
  readonly meta: SpectorMeta;
  /** `schema.table` of the table. */
  readonly table: string;
}

/**
 * Marker comments that let `drizzle-spector generate` read back what earlier migrations did:
 * `-- drizzle-spector:create-<kind> <schema.table> <fingerprint>` before the statements that install a
 * rule, `-- drizzle-spector:drop-<kind> <schema.table>` before those that remove it. The fingerprint
 * changes with the SQL it precedes, so a changed rule (another events table, a renamed column, a new
 * version of this library) is written again.
 */
export const MARKER = {
  prefix: "-- drizzle-spector:",
  create: (kind: string) => `${MARKER.prefix}create-${kind}`,
  drop: (kind: string) => `${MARKER.prefix}drop-${kind}`,
} as const;

/** The key of a rule on a table: its kind and the table's `schema.table`. */
export function ruleKey(kind: string, table: string): string {
  return `${kind} ${table}`;
}

/** Every rule the tables among `tables` get (an object of tables, a module namespace, or an array). */
export function ruleTargets(tables: Readonly<Record<string, unknown>> | readonly unknown[]): RuleTarget[] {
  const seen = new Set<string>();
  const targets: RuleTarget[] = [];
  for (const value of Object.values(tables)) {
    const meta = getMeta(value);
    if (meta === undefined) continue;
    for (const rule of RULES) {
      const key = ruleKey(rule.kind, tableKey(meta));
      if (!rule.on.includes(meta.kind) || !rule.wants(meta) || seen.has(key)) continue;
      seen.add(key);
      targets.push({ rule, meta, table: tableKey(meta) });
    }
  }
  return targets;
}

/** The fingerprint of a rule on a table: it changes whenever the SQL that installs it changes. */
export function ruleFingerprint(target: RuleTarget): string {
  return fingerprint(target.rule.install(target.meta).join("\n"));
}

/** The statements that install a rule on a table, the first one preceded by its create marker. */
export function createRuleStatements(target: RuleTarget): string[] {
  const statements = target.rule.install(target.meta);
  statements[0] = `${MARKER.create(target.rule.kind)} ${target.table} ${ruleFingerprint(target)}\n${statements[0]}`;
  return statements;
}

/** The statements that remove a rule from a table, the first one preceded by its drop marker. */
export function dropRuleStatements(rule: Rule, table: TableName): string[] {
  const statements = rule.remove(table);
  statements[0] = `${MARKER.drop(rule.kind)} ${tableKey(table)}\n${statements[0]}`;
  return statements;
}

/**
 * The custom SQL that drizzle-kit cannot write: the rules of every table among `tables`: the record
 * chain of every `hashed: "record"` events table, the append-only guard of every `appendOnly` table, and
 * the same-parent rule of every constrained link table: the functions `check_link_same_parent_<link>()`
 * / `..._update()` and the statement-level triggers `enforce_same_parent_<link>` (AFTER INSERT) /
 * `..._update` (AFTER UPDATE) that reject a statement linking events of different records, with SQLSTATE
 * `23514`. One statement per `--> statement-breakpoint` chunk, ready for a `drizzle-kit generate
 * --custom` migration. Other values are ignored, so a whole schema module can be passed.
 *
 * @example
 * ```ts
 * import * as schema from "./schema";
 * fs.writeFileSync("migrations/0001_spector_triggers.sql", spectorTriggerSql(schema));
 * // -- drizzle-spector:create-same-parent public.event_ancestors 037bfc333141d2
 * // CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors"() RETURNS trigger ...
 * // --> statement-breakpoint
 * // REVOKE EXECUTE ON FUNCTION "public"."check_link_same_parent_event_ancestors"() FROM PUBLIC;
 * // --> statement-breakpoint
 * // CREATE OR REPLACE FUNCTION "public"."check_link_same_parent_event_ancestors_update"() RETURNS trigger ...
 * // --> statement-breakpoint
 * // CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors" AFTER INSERT ON "public"."event_ancestors" ...
 * // --> statement-breakpoint
 * // CREATE OR REPLACE TRIGGER "enforce_same_parent_event_ancestors_update" AFTER UPDATE ON "public"."event_ancestors" ...
 * ```
 */
export function spectorTriggerSql(tables: Readonly<Record<string, unknown>> | readonly unknown[]): string {
  return joinStatements(ruleTargets(tables).flatMap(createRuleStatements));
}
