/**
 * The options of the factories, and their validation. Everything a user passes is checked here, before
 * any table is built or any SQL is written; bad input gets a {@link SpectorOptionError} (a `TypeError`)
 * that names the option, shows the value and says what is expected.
 *
 * @module
 */
import { SpectorOptionError, byteLength } from "./errors.js";
export { SpectorOptionError };
import { BASE_ACTIONS, checkCodeMap, checkPayloadType, type CodeMap, type PayloadType } from "./codes.js";
import {
  COLUMNS,
  MAX_IDENTIFIER_BYTES,
  RESERVED_LINK_COLUMNS,
  RESERVED_WORDS,
  names,
  shardLinkTableName,
} from "./naming.js";

/**
 * Options of one link (the third element of a link spec).
 *
 * @example
 * ```ts
 * const spec: LinkSpec = ["event_links", "linked_id", { typed: true, constrained: true }];
 * ```
 */
export interface LinkOptions {
  /** Add an integer `type` column (part of the unique index) to tell relationship kinds apart. Default `false`. */
  readonly typed?: boolean;
  /** Enforce that both ends of a link belong to the same record (same `parent_id`). Default `true`. */
  readonly constrained?: boolean;
}

/**
 * One link table: `[linkTable, foreignKey]` or `[linkTable, foreignKey, options]`, as Spector's
 * `{"event_ancestors", :ancestor_id, typed: true}`.
 *
 * @example
 * ```ts
 * const ancestors: LinkSpec = ["event_ancestors", "ancestor_id"];
 * const typedLinks: LinkSpec = ["event_links", "linked_id", { typed: true }];
 * ```
 */
export type LinkSpec =
  readonly [table: string, foreignKey: string] | readonly [table: string, foreignKey: string, options: LinkOptions];

/**
 * Options shared by {@link spectorTables} and {@link eventTable}.
 *
 * @example
 * ```ts
 * const common = { hashed: true, pgSchema: "audit", updatedAt: false } as const satisfies EventTableOptions;
 * eventTable("events", common);
 * ```
 */
export interface EventTableOptions {
  /** Add a nullable `hash bytea` column for hash-chain integrity. Default `false`. */
  readonly hashed?: boolean;
  /** PostgreSQL schema holding the tables. Default: none given, i.e. `public` (the search path). */
  readonly pgSchema?: string;
  /** Add the `updated_at` column (the seed lists it; Spector 0.6+ leaves it out). Default `true`. */
  readonly updatedAt?: boolean;
  /**
   * Names for the `schema` integers, e.g. `{ user: 0, post: 1 }`: rows then read and write the names.
   * Default: none, `schema` is a plain number.
   */
  readonly schemas?: Readonly<Record<string, number>>;
  /**
   * Names for the `action` integers beyond Spector's `insert: 1, update: 2, delete: 3`, e.g.
   * `{ archive: 10 }` (`{}` for the base three only). Default: none, `action` is a plain number.
   */
  readonly actions?: Readonly<Record<string, number>>;
  /**
   * Add an index on `(parent_id, id)`, `T_parent_id_id_index`, next to Spector's: `backtrace` and
   * `listByParent` then read a record in order from the index, without a sort (faster on long records:
   * see the README's benchmark). Default `false`: Spector's layout.
   */
  readonly recordIndex?: boolean;
  /** The type of every event's `payload`: `payloadType<T>()`. Default `unknown`. */
  readonly payload?: PayloadType<unknown>;
  /** The type of `payload` per schema name: `payloadType<{ user: U; post: P }>()`. Needs `schemas`. */
  readonly payloads?: PayloadType<object>;
}

/**
 * Options of {@link spectorTables}, the port of Spector's `Spector.Migration.up/1`: exactly one of
 * `table` and `shards`, plus `hashed`, `links`, `pgSchema`, `updatedAt` and `recordIndex` (the DDL), and
 * `schemas`, `actions`, `payload` and `payloads` (the TypeScript types only).
 *
 * @example
 * ```ts
 * // inline, or as a constant `as const satisfies SpectorOptions`, so the types see every literal
 * // (a variable typed `SpectorOptions` hides whether `hash` and `type` exist, and is refused)
 * const single = { table: "events", links: [["event_ancestors", "ancestor_id"]] } as const satisfies SpectorOptions;
 * const sharded = { shards: ["events_0", "events_1"], hashed: true } as const satisfies SpectorOptions;
 * spectorTables(single);
 * ```
 */
export type SpectorOptions = EventTableOptions & {
  /** Link tables to create; with `shards`, each shard gets its own, named `<shard>_<link>`. */
  readonly links?: readonly LinkSpec[];
} & (
    | { readonly table: string; readonly shards?: undefined }
    | { readonly shards: readonly string[]; readonly table?: undefined }
  );

/** The names of the options of `O` typed `boolean` rather than `true` or `false`. */
type WideFlags<O> =
  | ("hashed" extends keyof O ? (boolean extends O["hashed" & keyof O] ? "hashed" : never) : never)
  | ("updatedAt" extends keyof O ? (boolean extends O["updatedAt" & keyof O] ? "updatedAt" : never) : never)
  | (O extends { readonly links: readonly (infer L)[] } ? WideTyped<L> : never)
  | ("schemas" extends keyof O ? (string extends keyof O["schemas" & keyof O] ? "schemas" : never) : never)
  | ("actions" extends keyof O ? (string extends keyof O["actions" & keyof O] ? "actions" : never) : never);

type WideTyped<L> = L extends readonly [string, string, infer Options]
  ? "typed" extends keyof Options
    ? boolean extends Options["typed" & keyof Options]
      ? "typed"
      : never
    : never
  : never;

/**
 * Requires the options that shape the row types (`hashed`, `updatedAt`, `typed`) to be literal `true`
 * or `false`, and `schemas` / `actions` maps to have names the types can see: with a `boolean`
 * variable the types could not tell whether the column exists, and with a `Record<string, number>`
 * every string would pass for a name. A wide option shows up as a missing property that says so.
 *
 * @example
 * ```ts
 * declare const hashed: boolean;
 * spectorTables({ table: "events", hashed }); // type error: pass it as a literal
 * spectorTables({ table: "events", hashed: true }); // fine
 * ```
 */
export type LiteralFlags<O> = [WideFlags<O>] extends [never]
  ? unknown
  : {
      readonly "drizzle-spector: these options shape the row types, so pass them as literals (true or false, maps with known names), inline or `as const satisfies SpectorOptions`": WideFlags<O>;
    };

/** The same for a single link spec. */
export type LiteralLinkFlags<L> = [WideTyped<L>] extends [never]
  ? unknown
  : readonly ["drizzle-spector: pass `typed` as a literal true or false"];

/** What drizzle-spector accepts as a name: what PostgreSQL makes of an unquoted identifier. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const IDENTIFIER_RULE =
  "a PostgreSQL name of lowercase letters, digits and underscores, not starting with a digit, at most 63 bytes " +
  "(drizzle-kit does not escape quotes in names, and Spector writes names unquoted, so other names are refused)";

/** A checked events table. */
export interface EventTablePlan extends EventTypingPlan {
  readonly name: string;
  readonly hashed: boolean;
  readonly updatedAt: boolean;
  readonly recordIndex: boolean;
  /** The ordered `shards` list the table was made from, with its position in it. */
  readonly shard: { readonly names: readonly string[]; readonly index: number } | undefined;
}

/** The checked typing options of an events table (they do not change its DDL). */
export interface EventTypingPlan {
  readonly schemas: CodeMap | undefined;
  readonly actions: CodeMap | undefined;
}

/** A checked link table. */
export interface LinkTablePlan {
  readonly name: string;
  /** Name of the events table both ends point at. */
  readonly events: string;
  /** The link table's name as the spec gives it (before a shard prefix). */
  readonly specName: string;
  readonly foreignKey: string;
  readonly typed: boolean;
  readonly constrained: boolean;
}

/** The checked, normalised form of {@link SpectorOptions}: every table the options define. */
export interface SchemaPlan {
  /** `undefined` for the default schema (`public`). */
  readonly pgSchema: string | undefined;
  readonly events: readonly EventTablePlan[];
  readonly links: readonly LinkTablePlan[];
}

function checkName(option: string, value: unknown, what: string): string {
  if (typeof value !== "string" || !IDENTIFIER.test(value) || byteLength(value) > MAX_IDENTIFIER_BYTES) {
    throw new SpectorOptionError(option, value, `${what}: ${IDENTIFIER_RULE}`);
  }
  if (RESERVED_WORDS.has(value)) {
    throw new SpectorOptionError(
      option,
      value,
      `${what} that is not a PostgreSQL reserved word (Spector writes names unquoted)`,
    );
  }
  return value;
}

/** Checks that `value` is an array without holes (`[, "a"]`), naming the first hole. */
function checkDenseArray(option: string, value: unknown[], expected: string): void {
  for (let i = 0; i < value.length; i++) {
    if (!(i in value))
      throw new SpectorOptionError(`${option}[${i}]`, undefined, `${expected} (the array has a hole here)`);
  }
}

function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new SpectorOptionError(option, value, "a boolean (`true` or `false`) or left out");
  return value;
}

function checkObject(option: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SpectorOptionError(
      option,
      value,
      `an object with optional keys ${keys.map((k) => `\`${k}\``).join(", ")}`,
    );
  }
  const unknown = Object.keys(value).filter((key) => !keys.includes(key));
  if (unknown.length > 0) {
    throw new SpectorOptionError(
      `${option}.${unknown[0]}`,
      (value as Record<string, unknown>)[unknown[0]!],
      `left out: it is not an option (known options: ${keys.map((k) => `\`${k}\``).join(", ")})`,
    );
  }
  return value as Record<string, unknown>;
}

/** Checks that every derived name fits PostgreSQL's limit, reporting the longest one that does not. */
function checkDerived(option: string, value: string, derived: readonly [string, string][]): void {
  const [longest, what] = derived.reduce((a, b) => (byteLength(b[0]) > byteLength(a[0]) ? b : a));
  const bytes = byteLength(longest);
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new SpectorOptionError(
      option,
      value,
      `short enough that the ${what} name \`${longest}\` (${bytes} bytes) fits PostgreSQL's ` +
        `${MAX_IDENTIFIER_BYTES}-byte limit (PostgreSQL would truncate it, and truncated names can collide)`,
    );
  }
}

/** The database names an events table brings, with what each one is. */
export function eventTableObjectNames(table: string, recordIndex = false): [name: string, what: string][] {
  const objects: [string, string][] = [
    [table, "table"],
    [names.primaryKey(table), "primary key"],
    [names.foreignKey(table, COLUMNS.parentId), "foreign key"],
    [names.index(table, [COLUMNS.schema]), "index"],
    [names.index(table, [COLUMNS.parentId]), "index"],
    [names.index(table, [COLUMNS.insertedAt]), "index"],
  ];
  if (recordIndex) objects.push([names.index(table, RECORD_INDEX_COLUMNS), "index"]);
  return objects;
}

/** The columns of the optional record index: a record's events in order. */
export const RECORD_INDEX_COLUMNS: readonly string[] = [COLUMNS.parentId, COLUMNS.id];

/** The columns of a link table's unique index: `event_id`, the foreign key, and `type` when typed. */
export function linkUniqueColumns(link: Pick<LinkTablePlan, "foreignKey" | "typed">): string[] {
  return link.typed ? [COLUMNS.eventId, link.foreignKey, COLUMNS.type] : [COLUMNS.eventId, link.foreignKey];
}

/** The database names a link table brings, with what each one is. */
export function linkTableObjectNames(link: LinkTablePlan): [name: string, what: string][] {
  const objects: [string, string][] = [
    [link.name, "table"],
    [names.foreignKey(link.name, COLUMNS.eventId), "foreign key"],
    [names.foreignKey(link.name, link.foreignKey), "foreign key"],
    [names.index(link.name, [COLUMNS.eventId]), "index"],
    [names.index(link.name, [link.foreignKey]), "index"],
    [names.index(link.name, linkUniqueColumns(link)), "unique index"],
  ];
  // The trigger names are derived even for unconstrained links: turning `constrained` on later must not
  // surprise anyone, and `spectorDownSql` drops them whatever the option says.
  objects.push(
    [names.insertFunction(link.name), "trigger function"],
    [names.insertTrigger(link.name), "trigger"],
    [names.updateFunction(link.name), "trigger function"],
    [names.updateTrigger(link.name), "trigger"],
  );
  return objects;
}

/** Tables, indexes and primary keys share one namespace per schema (pg_class); so do functions. */
const SCHEMA_WIDE = new Set(["table", "primary key", "index", "unique index", "trigger function"]);

/**
 * Checks `options.hashed`, `options.updatedAt` and `options.pgSchema` of {@link EventTableOptions}.
 */
export function checkEventTableOptions(
  options: unknown,
  path = "options",
  extraKeys: readonly string[] = [],
): EventTypingPlan & { hashed: boolean; updatedAt: boolean; recordIndex: boolean; pgSchema: string | undefined } {
  const object = checkObject(path, options, [
    "hashed",
    "pgSchema",
    "updatedAt",
    "recordIndex",
    "schemas",
    "actions",
    "payload",
    "payloads",
    ...extraKeys,
  ]);
  const hashed = checkBoolean(`hashed`, object.hashed, false);
  const updatedAt = checkBoolean(`updatedAt`, object.updatedAt, true);
  const recordIndex = checkBoolean(`recordIndex`, object.recordIndex, false);
  const schemas = checkCodeMap("schemas", object.schemas);
  const actions = checkCodeMap("actions", object.actions, BASE_ACTIONS);
  checkPayloadType("payload", object.payload);
  checkPayloadType("payloads", object.payloads);
  if (object.payload !== undefined && object.payloads !== undefined) {
    throw new SpectorOptionError(
      "payloads",
      object.payloads,
      "left out when `payload` is given (one type for all events, or one per schema name)",
    );
  }
  if (object.payloads !== undefined && schemas === undefined) {
    throw new SpectorOptionError(
      "payloads",
      object.payloads,
      "given with `schemas` (its keys are the schema names), or use `payload`",
    );
  }
  let pgSchema: string | undefined;
  if (object.pgSchema !== undefined) {
    pgSchema = checkName("pgSchema", object.pgSchema, "a schema name");
    if (pgSchema.startsWith("pg_")) {
      throw new SpectorOptionError(
        "pgSchema",
        pgSchema,
        "a schema name not starting with `pg_` (reserved by PostgreSQL)",
      );
    }
    if (pgSchema === "public") pgSchema = undefined; // Drizzle's own rule: public is pgTable, not pgSchema("public").
  }
  return { hashed, updatedAt, recordIndex, pgSchema, schemas, actions };
}

/**
 * Checks one link spec; `path` names it in errors (e.g. `links[1]`).
 */
export function checkLinkSpec(
  path: string,
  spec: unknown,
  events: string,
  linkName?: (name: string) => string,
): LinkTablePlan {
  if (!Array.isArray(spec) || spec.length < 2 || spec.length > 3) {
    throw new SpectorOptionError(
      path,
      spec,
      "a link spec `[linkTable, foreignKey]` or `[linkTable, foreignKey, { typed, constrained }]`",
    );
  }
  const table = checkName(`${path}[0]`, spec[0], "a link table name");
  const foreignKey = checkName(`${path}[1]`, spec[1], "a foreign key column name");
  if (RESERVED_LINK_COLUMNS.includes(foreignKey)) {
    throw new SpectorOptionError(
      `${path}[1]`,
      foreignKey,
      `a foreign key column name other than ${RESERVED_LINK_COLUMNS.map((c) => `\`${c}\``).join(", ")} (the link table's own columns)`,
    );
  }
  const options = checkObject(`${path}[2]`, spec[2], ["typed", "constrained"]);
  const plan: LinkTablePlan = {
    name: linkName ? linkName(table) : table,
    events,
    specName: table,
    foreignKey,
    typed: checkBoolean(`${path}[2].typed`, options.typed, false),
    constrained: checkBoolean(`${path}[2].constrained`, options.constrained, true),
  };
  if (linkName)
    checkName(
      `${path}[0]`,
      plan.name,
      `a link table name that, prefixed with the shard name, gives ${JSON.stringify(plan.name)} which is`,
    );
  checkDerived(`${path}[0]`, table, linkTableObjectNames(plan));
  return plan;
}

/**
 * Checks every option of {@link spectorTables} and returns the tables they define. Throws a
 * {@link SpectorOptionError} on the first problem; nothing is built before this returns.
 *
 * @example
 * ```ts
 * const plan = planSchema({ shards: ["events_0", "events_1"], links: [["ancestors", "ancestor_id"]] });
 * plan.links.map((l) => l.name); // ["events_0_ancestors", "events_1_ancestors"]
 * ```
 */
export function planSchema(options: unknown): SchemaPlan {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SpectorOptionError("options", options, "an object with `table` or `shards`");
  }
  const object = options as Record<string, unknown>;
  const { hashed, updatedAt, recordIndex, pgSchema, schemas, actions } = checkEventTableOptions(options, "options", [
    "table",
    "shards",
    "links",
  ]);

  const hasTable = object.table !== undefined;
  const hasShards = object.shards !== undefined;
  if (hasTable === hasShards) {
    throw new SpectorOptionError(
      hasTable ? "shards" : "table",
      hasTable ? object.shards : object.table,
      hasTable
        ? "left out when `table` is given (give exactly one of `table` and `shards`)"
        : "a table name, or `shards` a list of table names (give exactly one of `table` and `shards`)",
    );
  }
  let eventNames: string[];
  if (hasTable) {
    eventNames = [checkName("table", object.table, "an events table name")];
  } else {
    if (!Array.isArray(object.shards) || object.shards.length === 0) {
      throw new SpectorOptionError("shards", object.shards, "a non-empty array of events table names");
    }
    checkDenseArray("shards", object.shards, "an events table name");
    eventNames = object.shards.map((shard, i) => checkName(`shards[${i}]`, shard, "an events table name"));
  }
  eventNames.forEach((name, i) => {
    const option = hasTable ? "table" : `shards[${i}]`;
    checkDerived(option, name, eventTableObjectNames(name, recordIndex));
  });

  if (object.links !== undefined && !Array.isArray(object.links)) {
    throw new SpectorOptionError("links", object.links, "an array of link specs `[linkTable, foreignKey, options?]`");
  }
  const specs = (object.links ?? []) as unknown[];
  checkDenseArray("links", specs, "a link spec");
  const links = eventNames.flatMap((events) =>
    specs.map((spec, i) =>
      checkLinkSpec(`links[${i}]`, spec, events, hasTable ? undefined : (link) => shardLinkTableName(events, link)),
    ),
  );

  const plan: SchemaPlan = {
    pgSchema,
    events: eventNames.map((name, index) => ({
      name,
      hashed,
      updatedAt,
      recordIndex,
      schemas,
      actions,
      shard: hasTable ? undefined : { names: Object.freeze([...eventNames]), index },
    })),
    links,
  };
  checkUniqueNames(plan, hasTable, specs.length);
  return plan;
}

/** One table's claim on database names: the option it comes from, its name, and the names it brings. */
export interface NameClaim {
  readonly option: string;
  readonly value: string;
  readonly objects: readonly [name: string, what: string][];
}

/**
 * No two objects of one schema-wide namespace may share a name: tables, indexes and primary keys
 * share one (`pg_class`), functions another. Throws a {@link SpectorOptionError} for the first clash.
 */
export function claimNames(claims: readonly NameClaim[]): void {
  const seen = new Map<string, { option: string; value: string; what: string }>();
  for (const { option, value, objects } of claims) {
    for (const [derived, what] of objects) {
      if (!SCHEMA_WIDE.has(what)) continue;
      const key = `${what === "trigger function" ? "function" : "relation"}:${derived}`;
      const earlier = seen.get(key);
      if (earlier) {
        throw new SpectorOptionError(
          option,
          value,
          earlier.what === "table" && what === "table"
            ? `a table name no other table has, but ${JSON.stringify(value)} is also \`${earlier.option}\``
            : `a name whose ${what} \`${derived}\` does not clash with the ${earlier.what} of \`${earlier.option}\` (${JSON.stringify(earlier.value)})`,
        );
      }
      seen.set(key, { option, value, what });
    }
  }
}

function checkUniqueNames(plan: SchemaPlan, single: boolean, specCount: number): void {
  claimNames([
    ...plan.events.map((events, i) => ({
      option: single ? "table" : `shards[${i}]`,
      value: events.name,
      objects: eventTableObjectNames(events.name, events.recordIndex),
    })),
    ...plan.links.map((link, i) => ({
      option: `links[${i % Math.max(specCount, 1)}][0]`,
      value: link.name,
      objects: linkTableObjectNames(link),
    })),
  ]);
}

/**
 * Checks a table name given on its own (to {@link eventTable}), including every name derived from it.
 */
export function checkTableName(
  option: string,
  value: unknown,
  what: string,
  derive: (name: string) => [string, string][],
): string {
  const name = checkName(option, value, what);
  checkDerived(option, name, derive(name));
  return name;
}
