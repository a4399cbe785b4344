/**
 * Every name drizzle-spector derives (shard link tables, indexes, constraints, trigger functions,
 * triggers, TypeScript keys) comes from this module, so that no name is spelled twice.
 *
 * The database names follow Spector (an Elixir library) and Ecto's conventions exactly, so that tables
 * built here and tables built by Spector are interchangeable.
 *
 * @module
 */

/**
 * The fixed column names of the event and link tables (the link's foreign key is the user's).
 *
 * @example
 * ```ts
 * COLUMNS.parentId; // "parent_id"
 * ```
 */
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

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1); longer names are silently truncated. */
export const MAX_IDENTIFIER_BYTES = 63;

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
 * The type-level twin of {@link camelCase}.
 *
 * @example
 * ```ts
 * type K = CamelCase<"linked_event_id">; // "linkedEventId"
 * ```
 */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer C}${infer Rest}`
  ? Uppercase<C> extends C
    ? `${Head}_${CamelCase<`${C}${Rest}`>}`
    : `${Head}${Uppercase<C>}${CamelCase<Rest>}`
  : S;

/**
 * The name of a shard's link table: `<shard>_<link>`, as Spector names it.
 *
 * @example
 * ```ts
 * shardLinkTableName("events_0", "ancestors"); // "events_0_ancestors"
 * ```
 */
export function shardLinkTableName<S extends string, L extends string>(shard: S, link: L): `${S}_${L}` {
  return `${shard}_${link}`;
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
export function tableKey(table: { readonly pgSchema: string | undefined; readonly name: string }): string {
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
export function displayName(table: { readonly pgSchema: string | undefined; readonly name: string }): string {
  return table.pgSchema === undefined ? table.name : `${table.pgSchema}.${table.name}`;
}

/**
 * Every database name derived from one table, in one place. Ecto names indexes
 * `<table>_<columns joined by _>_index` and constraints `<table>_<column>_fkey` / `<table>_pkey`;
 * Spector names its trigger `enforce_same_parent_<link>` and its function `check_link_same_parent_<link>`.
 */
export const names = {
  /** `T_pkey`: the primary key constraint (and its index) of an events table. */
  primaryKey: (table: string) => `${table}_pkey`,
  /** `T_<column>_fkey`: a foreign key constraint. */
  foreignKey: (table: string, column: string) => `${table}_${column}_fkey`,
  /** `T_<c1>_<c2>_index`: an index, named the way Ecto names it. */
  index: (table: string, columns: readonly string[]) => `${table}_${columns.join("_")}_index`,
  /** `check_link_same_parent_L`: the function behind the INSERT trigger (Spector's name). */
  insertFunction: (link: string) => `check_link_same_parent_${link}`,
  /** `enforce_same_parent_L`: the INSERT trigger (Spector's name, dropped by Spector's `link_down`). */
  insertTrigger: (link: string) => `enforce_same_parent_${link}`,
  /** `check_link_same_parent_L_update`: the function behind the UPDATE trigger (ours; Spector has none). */
  updateFunction: (link: string) => `check_link_same_parent_${link}_update`,
  /** `enforce_same_parent_L_update`: the UPDATE trigger (ours). */
  updateTrigger: (link: string) => `enforce_same_parent_${link}_update`,
} as const;

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
 * The name of a link's other end, from its foreign key's camelCase key: without its trailing `Id`
 * (`ancestorId` → `ancestor`), or with `Event` appended where that would leave nothing, no change, or
 * a name the link row already has (`event`, `eventId`, `type`): `ancestor` → `ancestorEvent`.
 *
 * @example
 * ```ts
 * type A = LinkTargetOfKey<"ancestorId">; // "ancestor"
 * type B = LinkTargetOfKey<"event">; // "eventEvent"
 * ```
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
  return ((LINK_ROW_NAMES as readonly string[]).includes(candidate) ? `${key}Event` : candidate) as LinkTargetOfKey<
    CamelCase<K>
  >;
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

/**
 * The name of a prepared statement a read helper keeps per database: `spector_<helper>_<fingerprint of
 * its SQL>`, short enough for PostgreSQL's 63 bytes whatever the table's name, and one name per SQL
 * text (node-postgres requires that of a statement name).
 *
 * @example
 * ```ts
 * preparedStatementName("list", 'select ... from "events" where "parent_id" = $1'); // "spector_list_" + 14 hex digits
 * ```
 */
export function preparedStatementName(helper: string, sqlText: string): string {
  return `spector_${helper}_${fingerprint(sqlText)}`;
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

/** The name of the statement's new rows (the transition table) inside the trigger functions. */
export const TRANSITION_TABLE = "spector_new_links";
