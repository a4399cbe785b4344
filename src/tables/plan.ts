/**
 * The checks of the factories' options: everything a user passes is checked here, before any table is
 * built or any SQL is written, and turned into a plan of the tables to build (`meta.ts`). Bad input
 * gets a `SpectorOptionError` (a `TypeError`) that names the option, shows the value and says what is
 * expected.
 *
 * @module
 */
import {
  OPTIONS,
  at,
  checkBoolean,
  checkDenseArray,
  checkDerivedNames,
  checkName,
  checkObject,
  type NameLimit,
} from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { MAX_SHARDS } from "../ids.js";
import {
  COLUMNS,
  MAX_IDENTIFIER_BYTES,
  RESERVED_LINK_COLUMNS,
  byteLength,
  eventTableNames,
  linkTableNames,
  names,
  namespaceOf,
  type DerivedName,
  type NameKind,
} from "../naming.js";
import { elixirModule } from "../spector/chain.js";
import { BASE_ACTIONS, checkCodeMap, checkPayloadType, type CodeMap } from "./codes.js";
import type { EventTypingPlan, Layout, LinkTablePlan, SchemaPlan } from "./meta.js";

/** The options every events table takes (`EventTableOptions`). */
const EVENT_TABLE_OPTIONS = [
  "hashed",
  "appendOnly",
  "pgSchema",
  "updatedAt",
  "recordIndex",
  "schemas",
  "actions",
  "payload",
  "payloads",
  "schemaModules",
  "layout",
] as const;

/** The checked options of one events table (`EventTableOptions`), with `pgSchema` normalised. */
export interface CheckedEventTableOptions extends EventTypingPlan {
  readonly hashed: boolean;
  readonly recordChain: boolean;
  readonly appendOnly: boolean;
  readonly updatedAt: boolean;
  readonly recordIndex: boolean;
  readonly layout: Layout;
  /** `undefined` for the default schema (`public`). */
  readonly pgSchema: string | undefined;
}

/**
 * Checks the `EventTableOptions` of an options argument; `extraKeys` are the other options the
 * argument may hold (those of `spectorTables`).
 */
export function checkEventTableOptions(options: unknown, extraKeys: readonly string[] = []): CheckedEventTableOptions {
  const object = checkObject(OPTIONS, options, [...EVENT_TABLE_OPTIONS, ...extraKeys]);
  const recordChain = object.hashed === "record";
  const hashed =
    recordChain ||
    checkBoolean(
      at(OPTIONS, "hashed"),
      object.hashed,
      false,
      'a boolean (`true`: Spector\'s chain, one per table), `"record"` (a chain per record, kept by the database),',
    );
  const appendOnly = checkBoolean(at(OPTIONS, "appendOnly"), object.appendOnly, false);
  const updatedAt = checkBoolean(at(OPTIONS, "updatedAt"), object.updatedAt, true);
  const recordIndex = checkBoolean(at(OPTIONS, "recordIndex"), object.recordIndex, false);
  const schemas = checkCodeMap(at(OPTIONS, "schemas"), object.schemas);
  const actions = checkCodeMap(at(OPTIONS, "actions"), object.actions, BASE_ACTIONS);
  checkPayloadType(at(OPTIONS, "payload"), object.payload);
  checkPayloadType(at(OPTIONS, "payloads"), object.payloads);
  if (object.payload !== undefined && object.payloads !== undefined) {
    throw new SpectorOptionError(
      at(OPTIONS, "payloads"),
      object.payloads,
      "left out when `payload` is given (one type for all events, or one per schema name)",
    );
  }
  if (object.payloads !== undefined && schemas === undefined) {
    throw new SpectorOptionError(
      at(OPTIONS, "payloads"),
      object.payloads,
      "given with `schemas` (its keys are the schema names), or use `payload`",
    );
  }
  let pgSchema: string | undefined;
  if (object.pgSchema !== undefined) {
    pgSchema = checkName(at(OPTIONS, "pgSchema"), object.pgSchema, "a schema name");
    if (pgSchema.startsWith("pg_")) {
      throw new SpectorOptionError(
        at(OPTIONS, "pgSchema"),
        pgSchema,
        "a schema name not starting with `pg_` (reserved by PostgreSQL)",
      );
    }
    if (pgSchema === "public") pgSchema = undefined; // Drizzle's own rule: public is pgTable, not pgSchema("public").
  }
  if (recordChain && object.schemaModules !== undefined) {
    throw new SpectorOptionError(
      at(OPTIONS, "schemaModules"),
      object.schemaModules,
      'left out with `hashed: "record"` (it names what Spector\'s chain covers; a record chain covers the rows alone)',
    );
  }
  const schemaModules = checkSchemaModules(object.schemaModules, hashed, schemas);
  const layout = checkLayout(object, { hashed, appendOnly, recordIndex });
  return { hashed, recordChain, appendOnly, updatedAt, recordIndex, layout, pgSchema, schemas, actions, schemaModules };
}

/**
 * Checks `layout`, and refuses what the Citus layout leaves out: `hashed` and `appendOnly` need
 * triggers on the events table, which this first cut of the layout does not install on distributed
 * tables; `recordIndex` is its primary key already.
 */
function checkLayout(
  object: Record<string, unknown>,
  given: { readonly hashed: boolean; readonly appendOnly: boolean; readonly recordIndex: boolean },
): Layout {
  const path = at(OPTIONS, "layout");
  if (object.layout === undefined || object.layout === "spector") return "spector";
  if (object.layout !== "citus") {
    throw new SpectorOptionError(
      path,
      object.layout,
      '`"spector"` (Spector\'s keys, the default) or `"citus"` (keyed by record, for Citus to distribute)',
    );
  }
  const refused = (option: string, why: string) => {
    throw new SpectorOptionError(at(OPTIONS, option), object[option], `left out with \`layout: "citus"\` (${why})`);
  };
  if (given.hashed) {
    refused(
      "hashed",
      "a hash chain is kept by a lock and, for a record chain, a trigger, and this layout installs no trigger on a distributed table yet",
    );
  }
  if (given.appendOnly) {
    refused("appendOnly", "the guard is a trigger, and this layout installs no trigger on a distributed table yet");
  }
  if (given.recordIndex) refused("recordIndex", "the layout's primary key `(parent_id, id)` is that index already");
  return "citus";
}

/**
 * Checks `schemaModules`: only on a hashed table; with a `schemas` map, one Elixir alias for each of its
 * names and nothing else; without one, aliases keyed by `schema` integers.
 */
function checkSchemaModules(
  value: unknown,
  hashed: boolean,
  schemas: CodeMap | undefined,
): ReadonlyMap<number, string> | undefined {
  const path = at(OPTIONS, "schemaModules");
  if (value === undefined) return undefined;
  if (!hashed)
    throw new SpectorOptionError(path, value, "left out unless `hashed: true` (it names what Spector's hash covers)");
  if (
    typeof value !== "object" ||
    value === null ||
    Array.isArray(value) ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    throw new SpectorOptionError(
      path,
      value,
      'a plain object of schema names to Elixir modules, e.g. `{ user: "MyApp.User" }`',
    );
  }
  const modules = new Map<number, string>();
  for (const [key, alias] of Object.entries(value)) {
    const code =
      schemas === undefined ? (/^(0|-?[1-9][0-9]*)$/.test(key) ? Number(key) : undefined) : schemas.byName.get(key);
    if (code === undefined || (schemas === undefined && !Number.isSafeInteger(code))) {
      throw new SpectorOptionError(
        at(path, key),
        alias,
        schemas === undefined
          ? "keyed by a `schema` integer (declare `schemas` to key it by names)"
          : `keyed by one of the names of \`schemas\`: ${[...schemas.byName.keys()].map((n) => JSON.stringify(n)).join(", ")}`,
      );
    }
    const module = typeof alias === "string" ? elixirModule(alias) : undefined;
    if (module === undefined) {
      throw new SpectorOptionError(
        at(path, key),
        alias,
        "an Elixir module name such as `MyApp.User` or `Shop.Order.Line`",
      );
    }
    const twin = [...modules].find(([, other]) => other === module);
    if (twin !== undefined) {
      throw new SpectorOptionError(
        at(path, key),
        alias,
        `a module no other schema has (each Elixir schema module is one schema), but ${module} is already that of schema ${schemas ? JSON.stringify(schemas.byCode.get(twin[0])) : twin[0]}`,
      );
    }
    modules.set(code, module);
  }
  for (const [name, code] of schemas?.byName ?? []) {
    if (!modules.has(code)) {
      throw new SpectorOptionError(
        at(path, name),
        undefined,
        `the Elixir module of schema \`${name}\` (every schema of \`schemas\` needs one on a hashed table)`,
      );
    }
  }
  return modules;
}

/**
 * Checks one link spec at `path` (e.g. `links[1]`) for the events table `events`; `linkName` turns the
 * spec's name into the table's (a shard's prefix).
 */
export function checkLinkSpec(
  path: string,
  spec: unknown,
  events: string,
  appendOnly: boolean,
  linkName?: (name: string) => string,
  layout: Layout = "spector",
): LinkTablePlan {
  if (!Array.isArray(spec) || spec.length < 2 || spec.length > 3) {
    throw new SpectorOptionError(
      path,
      spec,
      "a link spec `[linkTable, foreignKey]` or `[linkTable, foreignKey, { typed, constrained }]`",
    );
  }
  const table = checkName(at(path, 0), spec[0], "a link table name");
  const foreignKey = checkName(at(path, 1), spec[1], "a foreign key column name");
  if (RESERVED_LINK_COLUMNS.includes(foreignKey)) {
    throw new SpectorOptionError(
      at(path, 1),
      foreignKey,
      `a foreign key column name other than ${RESERVED_LINK_COLUMNS.map((c) => `\`${c}\``).join(", ")} (the link table's own columns)`,
    );
  }
  if (layout === "citus" && foreignKey === COLUMNS.parentId) {
    throw new SpectorOptionError(
      at(path, 1),
      foreignKey,
      'a foreign key column name other than `parent_id` (with `layout: "citus"` a link table has its own `parent_id`)',
    );
  }
  const options = checkObject(at(path, 2), spec[2], ["typed", "constrained"]);
  const plan: LinkTablePlan = {
    name: linkName ? linkName(table) : table,
    events,
    specName: table,
    foreignKey,
    typed: checkBoolean(at(at(path, 2), "typed"), options.typed, false),
    constrained: checkBoolean(at(at(path, 2), "constrained"), options.constrained, true),
    layout,
    appendOnly,
  };
  if (layout === "citus" && !plan.constrained) {
    throw new SpectorOptionError(
      at(at(path, 2), "constrained"),
      options.constrained,
      'left out with `layout: "citus"` (its foreign keys `(parent_id, ...)` keep both ends of a link in one record: the rule is the layout itself)',
    );
  }
  if (linkName) {
    checkName(
      at(path, 0),
      plan.name,
      `a link table name that, prefixed with the shard name, gives ${JSON.stringify(plan.name)} which is`,
    );
  }
  checkDerivedNames(at(path, 0), table, linkTableNames(plan));
  return plan;
}

/**
 * Checks every option of `spectorTables` and returns the tables they define. Throws a
 * `SpectorOptionError` on the first problem; nothing is built before this returns.
 *
 * @example
 * ```ts
 * const plan = planSchema({ shards: ["events_0", "events_1"], links: [["ancestors", "ancestor_id"]] });
 * plan.links.map((l) => l.name); // ["events_0_ancestors", "events_1_ancestors"]
 * ```
 */
export function planSchema(options: unknown): SchemaPlan {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SpectorOptionError(OPTIONS, options, "an object with `table` or `shards`");
  }
  const object = options as Record<string, unknown>;
  const { pgSchema, ...shared } = checkEventTableOptions(options, ["table", "shards", "foreignShards", "links"]);
  const [tablePath, shardsPath, linksPath] = [at(OPTIONS, "table"), at(OPTIONS, "shards"), at(OPTIONS, "links")];

  const hasTable = object.table !== undefined;
  if (shared.layout === "citus" && object.shards !== undefined) {
    throw new SpectorOptionError(
      shardsPath,
      object.shards,
      'left out with `layout: "citus"` (Citus distributes one events table by `parent_id`, which replaces `shards`: give `table`)',
    );
  }
  if (hasTable === (object.shards !== undefined)) {
    throw new SpectorOptionError(
      hasTable ? shardsPath : tablePath,
      hasTable ? object.shards : object.table,
      hasTable
        ? "left out when `table` is given (give exactly one of `table` and `shards`)"
        : "a table name, or `shards` a list of table names (give exactly one of `table` and `shards`)",
    );
  }
  let eventNames: string[];
  if (hasTable) {
    eventNames = [checkName(tablePath, object.table, "an events table name", eventTableNameLimit(shared.recordIndex))];
  } else {
    if (!Array.isArray(object.shards) || object.shards.length === 0) {
      throw new SpectorOptionError(shardsPath, object.shards, "a non-empty array of events table names");
    }
    if (object.shards.length > MAX_SHARDS) {
      throw new SpectorOptionError(
        shardsPath,
        `${object.shards.length} shards`,
        `at most ${MAX_SHARDS} events table names (a record id carries its shard index in one byte)`,
      );
    }
    checkDenseArray(shardsPath, object.shards, "an events table name");
    const limit = eventTableNameLimit(shared.recordIndex);
    eventNames = object.shards.map((shard, i) => checkName(at(shardsPath, i), shard, "an events table name", limit));
  }
  const foreignPath = at(OPTIONS, "foreignShards");
  if (hasTable && object.foreignShards !== undefined) {
    throw new SpectorOptionError(
      foreignPath,
      object.foreignShards,
      "left out when `table` is given (it counts `shards`)",
    );
  }
  const foreign = hasTable ? 1 : (object.foreignShards ?? eventNames.length);
  if (!Number.isInteger(foreign) || (foreign as number) < 1 || (foreign as number) > eventNames.length) {
    throw new SpectorOptionError(
      foreignPath,
      object.foreignShards,
      `an integer from 1 to the number of \`shards\` (${eventNames.length}): how many of the first shards ids not made by drizzle-spector route over`,
    );
  }
  const eventPath = (i: number) => (hasTable ? tablePath : at(shardsPath, i));
  eventNames.forEach((name, i) =>
    checkDerivedNames(eventPath(i), name, eventTableNames(name, shared.recordIndex, shared.layout)),
  );

  if (object.links !== undefined && !Array.isArray(object.links)) {
    throw new SpectorOptionError(linksPath, object.links, "an array of link specs `[linkTable, foreignKey, options?]`");
  }
  const specs = (object.links ?? []) as unknown[];
  checkDenseArray(linksPath, specs, "a link spec");
  const links = eventNames.flatMap((events) =>
    specs.map((spec, i) =>
      checkLinkSpec(
        at(linksPath, i),
        spec,
        events,
        shared.appendOnly,
        hasTable ? undefined : (link) => names.shardLinkTable(events, link),
        shared.layout,
      ),
    ),
  );

  const plan: SchemaPlan = {
    pgSchema,
    events: eventNames.map((name, index) => ({
      name,
      ...shared,
      shard: hasTable ? undefined : { names: Object.freeze([...eventNames]), index, foreign: foreign as number },
    })),
    links,
  };
  claimNames([
    ...plan.events.map((events, i) => ({
      option: eventPath(i),
      value: events.name,
      names: eventTableNames(events.name, events.recordIndex, events.layout),
    })),
    ...plan.links.map((link, i) => ({
      option: at(at(linksPath, i % Math.max(specs.length, 1)), 0),
      value: link.name,
      names: linkTableNames(link),
    })),
  ]);
  return plan;
}

/** One table's claim on database names: the option it comes from, its name, and the names it brings. */
export interface NameClaim {
  readonly option: string;
  readonly value: string;
  readonly names: readonly DerivedName[];
}

/**
 * No two names of one schema-wide namespace may be alike: tables, indexes and primary keys share one
 * (`pg_class`), functions another. Throws a `SpectorOptionError` for the first clash.
 */
export function claimNames(claims: readonly NameClaim[]): void {
  const seen = new Map<string, { option: string; value: string; kind: NameKind }>();
  for (const { option, value, names: derived } of claims) {
    for (const [name, kind] of derived) {
      const namespace = namespaceOf(kind);
      if (namespace === undefined) continue;
      const key = `${namespace}:${name}`;
      const earlier = seen.get(key);
      if (earlier) {
        throw new SpectorOptionError(
          option,
          value,
          earlier.kind === "table" && kind === "table"
            ? `a table name no other table has, but ${JSON.stringify(value)} is also \`${earlier.option}\``
            : `a name whose ${kind} \`${name}\` does not clash with the ${earlier.kind} of \`${earlier.option}\` (${JSON.stringify(earlier.value)})`,
        );
      }
      seen.set(key, { option, value, kind });
    }
  }
}

/** Checks a table name given on its own (to `eventTable`), including every name derived from it. */
export function checkTableName(
  path: string,
  value: unknown,
  what: string,
  derive: (name: string) => DerivedName[],
  limit?: NameLimit,
): string {
  const name = checkName(path, value, what, limit);
  checkDerivedNames(path, name, derive(name));
  return name;
}

/**
 * The longest an events table name can be: the names derived from it (`T_inserted_at_index`, with
 * `recordIndex` `T_parent_id_id_index`) must fit PostgreSQL's 63 bytes too, so the limit is said up
 * front rather than found on a derived name.
 *
 * @example
 * ```ts
 * eventTableNameLimit(false).bytes; // 45
 * ```
 */
export function eventTableNameLimit(recordIndex: boolean): NameLimit {
  const probe = "T"; // no derived name's own part holds a capital
  const [longest] = eventTableNames(probe, recordIndex).reduce((a, b) => (byteLength(b[0]) > byteLength(a[0]) ? b : a));
  return {
    bytes: MAX_IDENTIFIER_BYTES - (byteLength(longest) - byteLength(probe)),
    why: `so that \`${longest}\`${recordIndex ? " (with `recordIndex`)" : ""} fits PostgreSQL's ${MAX_IDENTIFIER_BYTES}`,
  };
}
