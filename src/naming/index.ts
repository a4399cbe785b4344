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
 * The rest of the code imports names from here, never from the files of this folder: `identifiers.ts`
 * (columns, identifier limits, camelCase keys, table keys, fingerprints), `objects.ts` (the names of
 * the objects derived from a table, per rule), `table-names.ts` (the names each table and rule
 * brings), `relations.ts` (Drizzle relation names) and `reserved.ts` (reserved words).
 *
 * @module
 */
export {
  COLUMNS,
  CONSUMER_COLUMNS,
  HEAD_COLUMNS,
  MAX_IDENTIFIER_BYTES,
  POSITION_COLUMNS,
  REDACTION_COLUMNS,
  byteLength,
  camelCase,
  displayName,
  fingerprint,
  tableKey,
  type CamelCase,
  type TableName,
} from "./identifiers.js";
export { names } from "./objects.js";
export {
  RULE_NAMES,
  eventTableNames,
  headsTableNames,
  linkTableNames,
  namespaceOf,
  tableNames,
  type DerivedName,
  type NameKind,
} from "./table-names.js";
export { relationNames, type LinkTargetOfKey } from "./relations.js";
export { RESERVED_LINK_COLUMNS, RESERVED_WORDS, type ReservedWord } from "./reserved.js";
