/**
 * The lists of names each table brings to the database, with what each name names, the names of the
 * rules that guard it included (`RULE_NAMES`): every name takes part in the same checks, PostgreSQL's
 * 63 bytes and no two alike in one namespace.
 *
 * @module
 */
import { COLUMNS } from "./identifiers.js";
import { names } from "./objects.js";

/** What a derived name names: it decides the namespace the name must be unique in. */
export type NameKind =
  "table" | "primary key" | "foreign key" | "index" | "unique index" | "trigger function" | "function" | "trigger";

/** A name a table brings to the database, with what it names. */
export type DerivedName = readonly [name: string, kind: NameKind];

/**
 * The namespace of a kind of name within one PostgreSQL schema: tables, indexes and primary keys share
 * one (`pg_class`), functions another; `undefined` for names PostgreSQL keeps per table (foreign keys,
 * triggers).
 */
export function namespaceOf(kind: NameKind): "relation" | "function" | undefined {
  if (kind === "trigger function" || kind === "function") return "function";
  return kind === "foreign key" || kind === "trigger" ? undefined : "relation";
}

/**
 * The names the same-parent rule brings to link table `L`. They are derived for every link table, even
 * an unconstrained one: turning `constrained` on later must not surprise anyone, and `spectorDownSql`
 * drops them whatever the option says.
 */
function sameParentNames(link: string): DerivedName[] {
  const rule = names.sameParent;
  return [
    [rule.insertFunction(link), "trigger function"],
    [rule.insertTrigger(link), "trigger"],
    [rule.updateFunction(link), "trigger function"],
    [rule.updateTrigger(link), "trigger"],
    [rule.eventsFunction(link), "trigger function"],
    [rule.eventsTrigger(link), "trigger"],
    [rule.largeFunction(link), "function"],
  ];
}

/**
 * The names each kind of rule (`RULES` in `sql/rules.ts`, by its kind) brings to the tables it
 * guards, which those tables claim with their own: a rule's names take part in the same checks.
 */
export const RULE_NAMES: Readonly<
  Record<string, { readonly on: readonly ("events" | "link")[]; names(table: string): DerivedName[] }>
> = {
  "same-parent": { on: ["link"], names: sameParentNames },
  "record-chain": { on: ["events"], names: recordChainNames },
  "record-version": { on: ["events"], names: recordVersionNames },
  positions: { on: ["events"], names: positionsNames },
  "spector-chain": { on: ["events"], names: (table) => [[names.spectorChain.function(table), "function"]] },
  "append-only": { on: ["events", "link"], names: appendOnlyNames },
  // the distribution of a Citus-layout table creates no function or trigger: it brings no name
  "citus-distribution": { on: ["events", "link"], names: () => [] },
};

function ruleNames(on: "events" | "link", table: string): DerivedName[] {
  return Object.values(RULE_NAMES).flatMap((rule) => (rule.on.includes(on) ? rule.names(table) : []));
}

/** The names the record chain brings to events table `T` (its heads table's are in {@link headsTableNames}). */
function recordChainNames(table: string): DerivedName[] {
  const rule = names.recordChain;
  return [
    [rule.function(table), "trigger function"],
    [rule.trigger(table), "trigger"],
    [rule.nextEventId(table), "function"],
    [rule.lockRecord(table), "function"],
  ];
}

/** The names the record heads of a `versioned` events table bring (beside the record chain's, which it shares). */
function recordVersionNames(table: string): DerivedName[] {
  const rule = names.recordVersion;
  return [
    [rule.function(table), "trigger function"],
    [rule.trigger(table), "trigger"],
    [rule.chainAppendAt(table), "function"],
  ];
}

/** The names the positions of an events table bring (`positions: true`), its positions table's included. */
function positionsNames(table: string): DerivedName[] {
  const rule = names.positions;
  const positions = rule.table(table);
  return [
    [rule.queueFunction(table), "trigger function"],
    [rule.trigger(table), "trigger"],
    [rule.positionFunction(table), "function"],
    [positions, "table"],
    [names.primaryKey(positions), "primary key"],
    [rule.orderIndex(table), "unique index"],
    [rule.queueIndex(table), "index"],
  ];
}

/** The names the append-only guard brings to a table. */
function appendOnlyNames(table: string): DerivedName[] {
  const rule = names.appendOnly;
  return [
    [rule.function(table), "trigger function"],
    [rule.trigger(table), "trigger"],
  ];
}

/**
 * The names the heads table of events table `T` brings: `T_heads` and its primary key. They are
 * claimed for every events table, as the rules' names are: turning the record chain on later must not
 * meet a table of that name.
 *
 * @example
 * ```ts
 * headsTableNames("events").map(([name]) => name); // ["events_heads", "events_heads_pkey"]
 * ```
 */
export function headsTableNames(table: string): DerivedName[] {
  const heads = names.recordChain.headsTable(table);
  return [
    [heads, "table"],
    [names.primaryKey(heads), "primary key"],
  ];
}

/**
 * Every database name an events table brings, with what each one names, the names of the rules that
 * guard it included (`layout`: the tables' keys, `"spector"` by default).
 *
 * @example
 * ```ts
 * eventTableNames("events", false).map(([name]) => name);
 * // ["events", "events_pkey", "events_parent_id_fkey", "events_schema_index", ...]
 * ```
 */
export function eventTableNames(
  table: string,
  recordIndex: boolean,
  layout: "spector" | "citus" = "spector",
): DerivedName[] {
  const derived: DerivedName[] = [
    [table, "table"],
    [names.primaryKey(table), "primary key"],
    // the Citus layout has no self-referencing key (Citus cannot distribute one)
    ...(layout === "citus" ? [] : [[names.foreignKey(table, COLUMNS.parentId), "foreign key"] as const]),
    [names.index(table, [COLUMNS.schema]), "index"],
    [names.index(table, [COLUMNS.parentId]), "index"],
    [names.index(table, [COLUMNS.insertedAt]), "index"],
  ];
  if (recordIndex) derived.push([names.index(table, names.recordIndexColumns), "index"]);
  return [...derived, ...headsTableNames(table), ...ruleNames("events", table)];
}

/**
 * Every database name a link table brings, with what each one names, the names of the rules that
 * guard it (the same-parent rule's) included.
 *
 * @example
 * ```ts
 * linkTableNames({ name: "event_links", foreignKey: "linked_id", typed: true }).map(([name]) => name);
 * // ["event_links", "event_links_event_id_fkey", ..., "enforce_same_parent_event_links_update"]
 * ```
 */
export function linkTableNames(link: {
  readonly name: string;
  readonly foreignKey: string;
  readonly typed: boolean;
  readonly layout?: "spector" | "citus";
}): DerivedName[] {
  return [
    [link.name, "table"],
    [names.foreignKey(link.name, COLUMNS.eventId), "foreign key"],
    [names.foreignKey(link.name, link.foreignKey), "foreign key"],
    [names.index(link.name, [COLUMNS.eventId]), "index"],
    [names.index(link.name, [link.foreignKey]), "index"],
    [names.index(link.name, names.linkUniqueColumns(link)), "unique index"],
    ...ruleNames("link", link.name),
  ];
}

/**
 * Every database name a table built by drizzle-spector claims, from its metadata: an events table's
 * (its heads table's included), a link table's; a heads table's are its events table's claim.
 *
 * @example
 * ```ts
 * tableNames({ kind: "heads", name: "events_heads" }); // []
 * ```
 */
export function tableNames(
  meta:
    | {
        readonly kind: "events";
        readonly name: string;
        readonly recordIndex: boolean;
        readonly layout?: "spector" | "citus";
      }
    | {
        readonly kind: "link";
        readonly name: string;
        readonly foreignKey: string;
        readonly typed: boolean;
        readonly layout?: "spector" | "citus";
      }
    | { readonly kind: "heads"; readonly name: string },
): DerivedName[] {
  if (meta.kind === "events") return eventTableNames(meta.name, meta.recordIndex, meta.layout);
  return meta.kind === "link" ? linkTableNames(meta) : [];
}
