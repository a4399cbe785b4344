/**
 * drizzle-spector: Spector's event-sourcing tables for PostgreSQL with Drizzle ORM.
 *
 * @example
 * ```ts
 * import { spectorTables } from "drizzle-spector";
 * export const { events, event_ancestors } = spectorTables({
 *   table: "events",
 *   links: [["event_ancestors", "ancestor_id"]],
 * });
 * ```
 * @module
 */
export { spectorTables, type SpectorTables } from "./spector-tables.js";
export {
  eventTable,
  type EventTable,
  type AnyEventTable,
  type EventShape,
  type ShapeOf,
  type PayloadFor,
} from "./event-table.js";
export { linkTable, type LinkTable, type AnyLinkTable } from "./link-table.js";
export { BASE_ACTIONS, payloadType, rawCodes, SpectorUnknownCodeError, type PayloadType } from "./codes.js";
export { newEventId, isUuid } from "./ids.js";
export { shardFor, shardHash, shardSet, type ShardSet } from "./shards.js";
export {
  appendEvent,
  listByParent,
  backtrace,
  link,
  linked,
  ancestors,
  SpectorRecordNotFoundError,
  type SpectorDatabase,
  type EventRow,
  type NewEvent,
  type EventRef,
  type LinkedEvent,
  type Ancestor,
  type WalkOptions,
  type EventArg,
  type LinkTarget,
  type LinkOf,
  type LinkOptionsOf,
} from "./queries.js";
export { spectorTriggerSql } from "./sql/trigger-sql.js";
export { spectorDownSql } from "./sql/down-sql.js";
export { quoteIdent } from "./sql/quote.js";
export { STATEMENT_BREAKPOINT, splitStatements } from "./sql/statements.js";
export { bytea } from "./columns.js";
export { camelCase, relationNames, type CamelCase, type LinkTargetOfKey } from "./naming.js";
export { spectorRelations, type SpectorRelations } from "./relations.js";
export {
  SpectorOptionError,
  type SpectorOptions,
  type EventTableOptions,
  type LinkSpec,
  type LinkOptions,
} from "./options.js";
