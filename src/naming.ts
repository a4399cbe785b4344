/**
 * Every name drizzle-spector derives comes from this module, so that no name is spelled twice: the
 * column names, the names of shard link tables, indexes, constraints, the rules' functions and
 * triggers, the aliases of the helpers' queries, prepared statements, and the TypeScript keys of
 * columns and relations. The lists of names each table brings (with the rules that guard it) are here
 * too, so that every name takes part in the same checks: PostgreSQL's 63 bytes, and no two alike.
 *
 * The database names follow Spector (an Elixir library) and Ecto's conventions exactly, so that tables
 * built here and tables built by Spector are interchangeable.
 *
 * @module
 */

/** The fixed column names of the event and link tables (the link's foreign key is the user's). */
export const COLUMNS = {
  id: "id",
  parentId: "parent_id",
  payload: "payload",
  schema: "schema",
  action: "action",
  hash: "hash",
  insertedAt: "inserted_at",
  updatedAt: "updated_at",
  eventId: "event_id",
  type: "type",
} as const;

/** The columns of a record chain's heads table (`T_heads`): one row per record. */
export const HEAD_COLUMNS = {
  parentId: "parent_id",
  lastId: "last_id",
  lastHash: "last_hash",
  eventCount: "event_count",
} as const;

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1); longer names are silently truncated. */
export const MAX_IDENTIFIER_BYTES = 63;

const utf8 = new TextEncoder();

/** The length of a name in bytes, as PostgreSQL counts it. */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/**
 * Converts a snake_case database name to the camelCase TypeScript key drizzle-spector uses for it:
 * each `_` followed by a lowercase letter becomes that letter in upper case.
 *
 * @example
 * ```ts
 * camelCase("ancestor_id"); // "ancestorId"
 * camelCase("v_2");         // "v_2" (only letters are raised, so the mapping stays one-to-one)
 * ```
 */
export function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase()) as CamelCase<S>;
}

/**
 * The type-level twin of `camelCase`: the TypeScript key of a column, e.g. `CamelCase<"linked_event_id">`
 * is `"linkedEventId"`.
 */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer C}${infer Rest}`
  ? Uppercase<C> extends C
    ? `${Head}_${CamelCase<`${C}${Rest}`>}`
    : `${Head}${Uppercase<C>}${CamelCase<Rest>}`
  : S;

/** A table as names need it: its PostgreSQL schema (`undefined` for the default one) and its name. */
export interface TableName {
  readonly pgSchema: string | undefined;
  readonly name: string;
}

/**
 * `schema.table`, the key a table is known by in migration markers and messages (`public` when no
 * schema is given, as drizzle-kit writes it).
 *
 * @example
 * ```ts
 * tableKey({ pgSchema: undefined, name: "events" }); // "public.events"
 * ```
 */
export function tableKey(table: TableName): string {
  return `${table.pgSchema ?? "public"}.${table.name}`;
}

/**
 * A table's name as messages show it: `schema.table` outside the default schema, `table` in it.
 *
 * @example
 * ```ts
 * displayName({ pgSchema: "audit", name: "events" }); // "audit.events"
 * displayName({ pgSchema: undefined, name: "events" }); // "events"
 * ```
 */
export function displayName(table: TableName): string {
  return table.pgSchema === undefined ? table.name : `${table.pgSchema}.${table.name}`;
}

/**
 * Every database name derived from a table, in one place. Ecto names indexes
 * `<table>_<columns joined by _>_index` and constraints `<table>_<column>_fkey` / `<table>_pkey`;
 * Spector names the same-parent rule's trigger `enforce_same_parent_<link>` and its function
 * `check_link_same_parent_<link>`. Each rule's names are grouped under the rule.
 */
export const names = {
  /** `T_pkey`: the primary key constraint (and its index) of an events table. */
  primaryKey: (table: string) => `${table}_pkey`,
  /** `T_<column>_fkey`: a foreign key constraint. */
  foreignKey: (table: string, column: string) => `${table}_${column}_fkey`,
  /** `T_<c1>_<c2>_index`: an index, named the way Ecto names it. */
  index: (table: string, columns: readonly string[]) => `${table}_${columns.join("_")}_index`,
  /** `<shard>_<link>`: a shard's link table, as Spector names it. */
  shardLinkTable: <S extends string, L extends string>(shard: S, link: L): `${S}_${L}` => `${shard}_${link}`,
  /** The columns of the optional record index of an events table: a record's events in order. */
  recordIndexColumns: [COLUMNS.parentId, COLUMNS.id] as readonly string[],
  /**
   * The columns of a link table's unique index: `event_id`, the foreign key, and `type` when typed;
   * led by `parent_id` in the Citus layout (a unique index of a distributed table holds its
   * distribution column).
   */
  linkUniqueColumns: (link: {
    readonly foreignKey: string;
    readonly typed: boolean;
    readonly layout?: "spector" | "citus";
  }): string[] => [
    ...(link.layout === "citus" ? [COLUMNS.parentId] : []),
    ...(link.typed ? [COLUMNS.eventId, link.foreignKey, COLUMNS.type] : [COLUMNS.eventId, link.foreignKey]),
  ],
  /** The same-parent rule of link table `L`. */
  sameParent: {
    /** `check_link_same_parent_L`: the function behind the INSERT trigger (Spector's name). */
    insertFunction: (link: string) => `check_link_same_parent_${link}`,
    /** `enforce_same_parent_L`: the INSERT trigger (Spector's name, dropped by Spector's `link_down`). */
    insertTrigger: (link: string) => `enforce_same_parent_${link}`,
    /** `check_link_same_parent_L_update`: the function behind the UPDATE trigger (ours; Spector has none). */
    updateFunction: (link: string) => `check_link_same_parent_${link}_update`,
    /** `enforce_same_parent_L_update`: the UPDATE trigger (ours). */
    updateTrigger: (link: string) => `enforce_same_parent_${link}_update`,
    /** `check_link_same_parent_L_events`: the function behind the trigger on the events table (ours). */
    eventsFunction: (link: string) => `check_link_same_parent_${link}_events`,
    /**
     * `enforce_same_parent_L_events`: the trigger on `L`'s events table that checks `L`'s links when an
     * event's `id` or `parent_id` changes (ours).
     */
    eventsTrigger: (link: string) => `enforce_same_parent_${link}_events`,
    /** The name of the statement's new rows (the transition table) inside the trigger functions. */
    transitionTable: "spector_new_links",
  },
  /** The record chain of events table `T` (`hashed: "record"`). */
  recordChain: {
    /** `T_heads`: the table of the chains' heads, one row per record. */
    headsTable: (table: string) => `${table}_heads`,
    /** `record_chain_T`: the function behind the trigger that chains each new event. */
    function: (table: string) => `record_chain_${table}`,
    /** `record_chain_T`: the BEFORE INSERT row trigger on `T`. */
    trigger: (table: string) => `record_chain_${table}`,
  },
  /** The append-only guard of a table `T` (`appendOnly: true`). */
  appendOnly: {
    /** `append_only_T`: the function that refuses the change. */
    function: (table: string) => `append_only_${table}`,
    /** `append_only_T`: the BEFORE UPDATE OR DELETE OR TRUNCATE statement trigger. */
    trigger: (table: string) => `append_only_${table}`,
  },
  /** The aliases the helpers' queries give what they join, chosen so as not to meet a table's name. */
  alias: {
    /** The record's first event, which `appendEvent` selects the new event's `parent_id` from. */
    parent: "spector_parent",
    /** The events `ancestors` reached, with their depth. */
    walk: "spector_walk",
    /** The event `backtrace` was given, looked up in its record. */
    backtraced: "spector_backtraced",
    /** The events of a hash chain, read for its last event (`appendEvent` on a hashed table). */
    chain: "spector_chain",
    /** The one-row source of the query that reads a chain's head and the transaction's isolation level. */
    chainHead: "spector_chain_head",
  },
  /**
   * The name of a prepared statement a read helper keeps per database: `spector_<helper>_<fingerprint
   * of its SQL>`, short enough for PostgreSQL's 63 bytes whatever the table's name, and one name per
   * SQL text (node-postgres requires that of a statement name).
   */
  preparedStatement: (helper: string, sqlText: string) => `spector_${helper}_${fingerprint(sqlText)}`,
} as const;

/** What a derived name names: it decides the namespace the name must be unique in. */
export type NameKind =
  "table" | "primary key" | "foreign key" | "index" | "unique index" | "trigger function" | "trigger";

/** A name a table brings to the database, with what it names. */
export type DerivedName = readonly [name: string, kind: NameKind];

/**
 * The namespace of a kind of name within one PostgreSQL schema: tables, indexes and primary keys share
 * one (`pg_class`), functions another; `undefined` for names PostgreSQL keeps per table (foreign keys,
 * triggers).
 */
export function namespaceOf(kind: NameKind): "relation" | "function" | undefined {
  if (kind === "trigger function") return "function";
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

/**
 * The names of the Drizzle relations `spectorRelations` defines: the keys users write in `with`, the
 * `relationName`s that pair each `one` with its `many`, and the exports that hold them.
 *
 * @example
 * ```ts
 * relationNames.linkTarget("ancestor_id"); // "ancestor"
 * relationNames.incoming("event_ancestors"); // "eventAncestorsIncoming"
 * ```
 */
export const relationNames = {
  /** `<table>Relations`: the export holding a table's relations. */
  exportName: <T extends string>(table: T) => `${table}Relations` as const,
  /** `parent`: an event's record (its first event). */
  parent: "parent",
  /** `children`: a first event's record (every event whose `parent_id` is its id, itself included). */
  children: "children",
  /** `event`: a link's `event_id` end. */
  linkEvent: "event",
  /** A link's other end, named after its foreign key without `_id`: `ancestor_id` → `ancestor`. */
  linkTarget: <K extends string>(foreignKey: K) => linkTargetName(foreignKey),
  /** An event's links from its side (`event_id` = its id), named after the link table: `eventAncestors`. */
  outgoing: <L extends string>(link: L) => camelCase(link),
  /** An event's links from the other side (foreign key = its id): `eventAncestorsIncoming`. */
  incoming: <L extends string>(link: L) => `${camelCase(link)}Incoming` as const,
  /** The `relationName` pairing a `one` and a `many`: `<table>.<column>`. */
  pair: (table: string, column: string) => `${table}.${column}`,
} as const;

/**
 * The name of a link's other end in relational queries, from its foreign key's camelCase key: without
 * its trailing `Id` (`ancestorId` → `ancestor`), or with `Event` appended where that would leave
 * nothing, no change, or a name the link row already has (`event`, `eventId`, `type`), e.g.
 * `LinkTargetOfKey<"event">` is `"eventEvent"`.
 */
export type LinkTargetOfKey<K extends string> = (
  K extends `${infer Stem}Id` ? (Stem extends "" ? `${K}Event` : Stem) : `${K}Event`
) extends infer C extends string
  ? C extends (typeof LINK_ROW_NAMES)[number]
    ? `${K}Event`
    : C
  : never;

/** The keys a link row has besides its foreign key: its other relation, its columns. */
const LINK_ROW_NAMES = ["event", "eventId", "type"] as const;

function linkTargetName<K extends string>(foreignKey: K): LinkTargetOfKey<CamelCase<K>> {
  const key = camelCase(foreignKey) as string;
  const candidate = key.endsWith("Id") && key.length > 2 ? key.slice(0, -2) : `${key}Event`;
  const name = (LINK_ROW_NAMES as readonly string[]).includes(candidate) ? `${key}Event` : candidate;
  return name as LinkTargetOfKey<CamelCase<K>>;
}

/**
 * A short, stable fingerprint of a text (cyrb53, 14 hex digits): tells whether a rule's SQL changed,
 * and keeps derived names short.
 *
 * @example
 * ```ts
 * fingerprint("public.events"); // the same 14 hex digits in every process
 * ```
 */
export function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}

/** Names that may not be used as a link's foreign key: they are the link table's other columns. */
export const RESERVED_LINK_COLUMNS: readonly string[] = [COLUMNS.id, COLUMNS.eventId, COLUMNS.type];

/**
 * PostgreSQL's reserved key words (and those reserved but for function and type names), from
 * `pg_get_keywords()` on PostgreSQL 15: none of them can name a table, column or schema unquoted, as
 * Spector writes names. (Kept in lines of several words: the formatter would write one a line.)
 */
// prettier-ignore
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary",
  "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create",
  "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
  "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
  "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having",
  "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading",
  "left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset",
  "on", "only", "or", "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right",
  "select", "session_user", "similar", "some", "symmetric", "table", "tablesample", "then", "to", "trailing",
  "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window", "with",
]);
