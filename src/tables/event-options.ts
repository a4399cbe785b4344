/**
 * The checks of an events table's options (`EventTableOptions`, which `eventTable` and `spectorTables`
 * both take): `hashed`, `appendOnly`, `pgSchema`, the code maps and payload types, `schemaModules` and
 * `layout`. Bad input gets a `SpectorOptionError` (a `TypeError`) that names the option, shows the
 * value and says what is expected, before any table is built.
 *
 * @module
 */
import { OPTIONS, at, checkBoolean, checkName, checkObject } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { elixirModule } from "../spector/chain.js";
import { BASE_ACTIONS, checkCodeMap, checkPayloadType, type CodeMap } from "./codes.js";
import type { EventTypingPlan, Layout } from "./meta.js";
import { checkUpcast } from "./upcast.js";

/** The options every events table takes (`EventTableOptions`). */
const EVENT_TABLE_OPTIONS = [
  "hashed",
  "versioned",
  "positions",
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
  "upcast",
] as const;

/** The checked options of one events table (`EventTableOptions`), with `pgSchema` normalised. */
export interface CheckedEventTableOptions extends EventTypingPlan {
  readonly hashed: boolean;
  readonly recordChain: boolean;
  readonly versioned: boolean;
  readonly positions: boolean;
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
  const positions = checkBoolean(at(OPTIONS, "positions"), object.positions, false);
  const layout = checkLayout(object, { hashed, appendOnly, recordIndex, positions });
  const versioned = checkVersioned(object, { recordChain });
  const upcast = checkUpcast(object.upcast, schemas);
  return {
    hashed,
    recordChain,
    versioned,
    positions,
    appendOnly,
    updatedAt,
    recordIndex,
    layout,
    pgSchema,
    schemas,
    actions,
    schemaModules,
    ...(upcast === undefined ? {} : { upcast }),
  };
}

/**
 * Checks `versioned`: implied by `hashed: "record"` (whose heads are the record heads, so `false` is
 * refused there). With `layout: "citus"` the heads are distributed beside the events, and their
 * trigger finds the heads' shard on each shard's node (`sql/record-version-citus.ts`). With
 * `hashed: true` the heads sit beside Spector's chain, and an append at an expected version compares
 * them under the chain's table lock (`chain_append_at_T`).
 */
function checkVersioned(object: Record<string, unknown>, given: { readonly recordChain: boolean }): boolean {
  const path = at(OPTIONS, "versioned");
  const versioned = checkBoolean(path, object.versioned, given.recordChain);
  if (given.recordChain && !versioned) {
    throw new SpectorOptionError(
      path,
      object.versioned,
      '`true` or left out with `hashed: "record"` (a record chain keeps the record heads `versioned` asks for)',
    );
  }
  return versioned;
}

/**
 * Checks `layout`, and refuses what the Citus layout leaves out: `hashed` and `appendOnly` need
 * triggers on the events table, which this first cut of the layout does not install on distributed
 * tables; `recordIndex` is its primary key already.
 */
function checkLayout(
  object: Record<string, unknown>,
  given: {
    readonly hashed: boolean;
    readonly appendOnly: boolean;
    readonly recordIndex: boolean;
    readonly positions: boolean;
  },
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
  if (given.positions) {
    refused(
      "positions",
      "each worker would number its own shards' events, and no order across the workers is kept yet: follow a Citus log by `listByParent` per record, or keep positions on a table of the coordinator",
    );
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
