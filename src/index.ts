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

// The tables
export { spectorTables, type SpectorTables } from "./tables/spector-tables.js";
export { spectorShards, type SpectorShards, type SpectorShardsOptions } from "./tables/spector-shards.js";
export {
  eventTable,
  type EventTable,
  type AnyEventTable,
  type EventShape,
  type ShapeOf,
  type PayloadFor,
  type ByAction,
} from "./tables/event-table.js";
export { linkTable, type LinkTable, type AnyLinkTable } from "./tables/link-table.js";
export { chainHeadTable, versionHeadTable } from "./tables/event-table.js";
export type { HeadsTable, VersionHeadsTable, AnyHeadsTable } from "./tables/heads-table.js";
export type { SpectorOptions, EventTableOptions, LinkSpec, LinkOptions } from "./tables/options.js";
export { BASE_ACTIONS, payloadType, type PayloadType } from "./tables/codes.js";
export { spectorSchemas, spectorActions, type SpectorSchemaEntry } from "./spector/numbering.js";
export { bytea } from "./tables/columns.js";
export { spectorRelations, type SpectorRelations } from "./tables/relations.js";
export { shardFor, shardHash, shardIndex, shardSet, type ShardSet, type ShardForOptions } from "./tables/shards.js";
export type { CamelCase, LinkTargetOfKey } from "./naming/index.js";

// The rules' SQL
export { spectorTriggerSql } from "./sql/rules.js";
export { APPEND_ONLY_VIOLATION } from "./sql/append-only.js";
export { RECORD_CHAIN_ERRORS, RECORD_ID_MAX_AHEAD_SECONDS } from "./sql/record-chain.js";
export { spectorDownSql } from "./sql/down-sql.js";

// The helpers
export { appendEvent } from "./queries/append.js";
export { appendEvents, type AppendEventsOptions, type AppendEventsResult } from "./state/append-events.js";
export { readVersion } from "./state/version.js";
export type { ExpectedVersion } from "./queries/record-version.js";
export { spectorDriver, type SpectorDriverOptions } from "./queries/driver.js";
export { listByParent, backtrace, rawCodes } from "./queries/read.js";
export { link } from "./queries/link.js";
export { linked, ancestors } from "./queries/walk.js";
export { jsonText, type JsonText } from "./queries/json-text.js";
export { verifyChain } from "./queries/verify-chain.js";
export { aggregate, type Aggregate, type AggregateOptions } from "./state/aggregate.js";
export type { Fold } from "./state/fold.js";
export { decide, type DecideOptions, type Decider, type Decision } from "./state/decide.js";
export { savepoint, type SavepointOptions } from "./state/savepoint.js";
export { verifySavepoints, type SavepointCheck, type VerifySavepointsOptions } from "./state/verify-savepoints.js";
export type { Upcaster } from "./tables/upcast.js";
export { chainHead, type ChainHead } from "./queries/chain-head.js";
export { redact, type RedactOptions } from "./erasure/redact.js";
export { chainRedactionTable, type RedactionsTable } from "./erasure/redactions-table.js";
export type {
  ChainVerification,
  ChainVerified,
  RedactedEvent,
  ChainBroken,
  ChainFailureReason,
  VerifyOptions,
} from "./spector/verify.js";

// The start-up check
export { checkDatabase, type DatabaseCheck } from "./check/check-database.js";
export type { Difference } from "./check/differences.js";

// Spector's hash chain, for those who compute it elsewhere
export { spectorHash, elixirModule } from "./spector/chain.js";
export { spectorJson, SpectorEncodingError } from "./spector/json.js";
export { phash2Atom, erlangShortFloat } from "./spector/erlang.js";
export type {
  SpectorDatabase,
  EventRow,
  NewEvent,
  EventInput,
  EventRef,
  EventArg,
  WalkStart,
  LinkTarget,
  LinkOf,
  LinkOptionsOf,
  LinkedEvent,
  Ancestor,
  WalkOptions,
} from "./queries/types.js";
export { newEventId, newRecordId, recordIdShard, isUuid } from "./ids.js";

// The errors
export {
  SpectorOptionError,
  SpectorUnknownCodeError,
  SpectorRecordNotFoundError,
  SpectorSameParentError,
  SpectorVersionConflictError,
  SpectorRedactionError,
  type RedactionRefusal,
  type SameParentViolation,
  type RecordVersion,
} from "./errors.js";
// Following the log: positions, readAll, consumers
export { positionsTable, type PositionsTable } from "./tables/positions-table.js";
export { readAll, type ReadAllOptions, type ReadAllResult } from "./consumers/read-all.js";
export { consumerTable, type CheckpointsTable } from "./consumers/consumer-table.js";
export {
  consumer,
  type Consumer,
  type ConsumerDatabase,
  type ConsumerOptions,
  type TransactionOf,
} from "./consumers/consumer.js";
export { consumerStatus, type ConsumerStatus, type HoldingBackend } from "./consumers/consumer-status.js";
export { resetConsumer, type ResetConsumerOptions } from "./consumers/reset-consumer.js";
export {
  materialized,
  type Materialized,
  type MaterializedEvent,
  type MaterializedOptions,
} from "./state/materialized/materialized.js";
export type { GetOptions as MaterializedGetOptions } from "./state/materialized/get.js";
export type { ImportOptions, ImportResult } from "./state/materialized/import.js";
export type { RebuildCursor, RebuildOptions, RebuildProgress, RebuildResult } from "./state/materialized/rebuild.js";
