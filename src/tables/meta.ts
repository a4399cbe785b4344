/**
 * What a table built by drizzle-spector knows about itself: the checked plan it was built from (the
 * plan types are here, beside the metadata they become), kept on the table object under a registered
 * symbol, so that it survives a second copy of this module (e.g. under drizzle-kit's loader).
 *
 * @module
 */
import { Table, getTableName, is } from "drizzle-orm";
import { SpectorOptionError } from "../errors.js";
import type { CodeMap } from "./codes.js";
import type { UpcastPlan } from "./upcast.js";

/** The checked typing options of an events table (they do not change its DDL). */
export interface EventTypingPlan {
  readonly schemas: CodeMap | undefined;
  readonly actions: CodeMap | undefined;
  /** Each `schema` integer's Elixir module as Elixir prints it (`Elixir.MyApp.User`), from `schemaModules`. */
  readonly schemaModules: ReadonlyMap<number, string> | undefined;
  /** The upcasters of `upcast`, by the `schema` value rows hold (absent: none). */
  readonly upcast?: UpcastPlan | undefined;
}

/**
 * The keys of the tables: `"spector"`, Spector's DDL; `"citus"`, keyed by record (`PRIMARY KEY
 * (parent_id, id)`, link tables with `parent_id` and composite foreign keys), for Citus to distribute.
 */
export type Layout = "spector" | "citus";

/** A checked events table. */
export interface EventTablePlan extends EventTypingPlan {
  readonly name: string;
  /** The tables' keys (`layout`): Spector's, or keyed by record for Citus (absent, as written by hand: Spector's). */
  readonly layout?: Layout;
  /** A `hash` column: Spector's chain, or (with {@link EventTablePlan.recordChain}) a record chain. */
  readonly hashed: boolean;
  /** `hashed: "record"`: a chain per record, kept by the database (`sql/record-chain.ts`). */
  readonly recordChain: boolean;
  /**
   * Record heads (`T_heads`: last id, count per record), kept by a trigger: `versioned: true`, or a
   * record chain (absent, as written by hand: none unless {@link EventTablePlan.recordChain}).
   */
  readonly versioned?: boolean;
  /**
   * `positions: true`: every event gets a position in `T_positions` once committed, for `readAll` and
   * consumers (`sql/positions.ts`; absent, as written by hand: none).
   */
  readonly positions?: boolean;
  /** `appendOnly: true`: the guard against UPDATE, DELETE and TRUNCATE (`sql/append-only.ts`). */
  readonly appendOnly: boolean;
  readonly updatedAt: boolean;
  readonly recordIndex: boolean;
  /**
   * The ordered `shards` list the table was made from, its position in it, and how many of the first
   * shards ids not made by drizzle-spector route over (`foreignShards`).
   */
  readonly shard: { readonly names: readonly string[]; readonly index: number; readonly foreign: number } | undefined;
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
  /** Its events table's layout: `"citus"` adds `parent_id` and the composite foreign keys (absent: Spector's). */
  readonly layout?: Layout;
  /** Guarded against UPDATE, DELETE and TRUNCATE, as its events table is (`appendOnly`). */
  readonly appendOnly: boolean;
}

/** The checked, normalised form of `SpectorOptions`: every table the options define. */
export interface SchemaPlan {
  /** `undefined` for the default schema (`public`). */
  readonly pgSchema: string | undefined;
  readonly events: readonly EventTablePlan[];
  readonly links: readonly LinkTablePlan[];
}

/** Metadata of an events table. */
export interface EventTableMeta extends EventTablePlan {
  readonly kind: "events";
  readonly pgSchema: string | undefined;
  /** The heads table object of a record chain (absent otherwise, and in metadata written by hand). */
  readonly headsTable?: object;
  /** The positions table object (`positions: true`; absent otherwise, and in metadata written by hand). */
  readonly positionsTable?: object;
}

/** Metadata of a link table. */
export interface LinkTableMeta extends LinkTablePlan {
  readonly kind: "link";
  readonly pgSchema: string | undefined;
  /** The events table object both ends point at (absent in metadata written by hand). */
  readonly eventsTable?: object;
}

/** Metadata of the heads table of a record chain (`T_heads`). */
export interface HeadsTableMeta {
  readonly kind: "heads";
  readonly name: string;
  readonly pgSchema: string | undefined;
  /** Name of the events table whose chains' heads it holds. */
  readonly events: string;
  /** The record heads of a `versioned: true` table without a record chain (absent: a record chain's). */
  readonly versionOnly?: boolean;
}

export type SpectorMeta = EventTableMeta | LinkTableMeta | HeadsTableMeta;

const META = Symbol.for("drizzle-spector.meta");

/** Attaches metadata, non-enumerable so that spreading or iterating the table never sees it. */
export function setMeta<T extends object>(table: T, meta: SpectorMeta): T {
  Object.defineProperty(table, META, { value: Object.freeze({ ...meta }), enumerable: false });
  registerTable(table);
  return table;
}

/** A table built while a load was collecting them (see `collectTables`), with the stack of its factory call. */
export interface BuiltTable {
  readonly table: object;
  /** The stack where the factory ran, whose first frame outside drizzle-spector is the caller's line. */
  readonly stack: string | undefined;
}

/** Where the tables a load builds are collected: the command line's `AsyncLocalStorage` of lists. */
export interface TableRegistry {
  /** The list of the load this call runs within, `undefined` outside every load. */
  getStore(): BuiltTable[] | undefined;
}

/**
 * The registry of the tables being built, under a registered symbol (as the metadata), so that the
 * tables of a second copy of this module (e.g. under tsx's loader) are registered too. Only the command
 * line sets it (`src/cli/collect-tables.ts`), and a table is recorded only while a load runs: an app
 * never pays for it.
 */
export const TABLE_REGISTRY = Symbol.for("drizzle-spector.table-registry");

function registerTable(table: object): void {
  const registry = (globalThis as { [TABLE_REGISTRY]?: TableRegistry })[TABLE_REGISTRY];
  registry?.getStore()?.push({ table, stack: new Error().stack });
}

/** Reads the metadata of a table built by drizzle-spector; `undefined` for any other value. */
export function getMeta(value: unknown): SpectorMeta | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as { [META]?: SpectorMeta })[META];
}

/** Reads the metadata of an events table built here, or throws naming `path`. */
export function eventTableMeta(path: string, value: unknown): EventTableMeta {
  const meta = getMeta(value);
  if (meta?.kind !== "events") {
    throw new SpectorOptionError(path, describe(value), "an events table made by `spectorTables` or `eventTable`");
  }
  return meta;
}

/** Reads the metadata of a link table built here (with its events table), or throws naming `path`. */
export function linkTableMeta(path: string, value: unknown): LinkTableMeta & { readonly eventsTable: object } {
  const meta = getMeta(value);
  if (meta?.kind !== "link" || meta.eventsTable === undefined) {
    throw new SpectorOptionError(path, describe(value), "a link table made by `spectorTables` or `linkTable`");
  }
  return meta as LinkTableMeta & { readonly eventsTable: object };
}

/**
 * A value as a message shows it: a table by its kind and name (a Drizzle table made elsewhere as such),
 * anything else as it is.
 */
function describe(value: unknown): unknown {
  const meta = getMeta(value);
  if (meta) return `${meta.kind === "heads" ? "heads" : meta.kind} table ${meta.name}`;
  return is(value, Table) ? `table ${getTableName(value)}, not made by drizzle-spector` : value;
}
