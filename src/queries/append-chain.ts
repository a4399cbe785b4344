/**
 * `appendEvent` on Spector's chain (`hashed: true`): what the event's hash covers, checked before any
 * SQL runs, and the one statement that appends it through `chain_append_<table>(...)`.
 *
 * @module
 */
import { getTableColumns, is, sql, type SQL } from "drizzle-orm";
import { PgTransaction, type PgColumn } from "drizzle-orm/pg-core";
import { at } from "../checks.js";
import { SpectorOptionError, SpectorVersionConflictError } from "../errors.js";
import { displayName, names } from "../naming/index.js";
import { identifier, quoteQualified } from "../sql/quote.js";
import { SPECTOR_CHAIN_ISOLATION } from "../sql/spector-chain.js";
import { spectorHashTail } from "../spector/chain.js";
import { SpectorEncodingError, spectorJson } from "../spector/json.js";
import { BASE_ACTIONS, actionNames } from "../tables/codes.js";
import type { EventTableMeta } from "../tables/meta.js";
import { sending } from "./event-input.js";
import { checkChained } from "./inputs.js";
import { withRecordIds } from "./record-ids.js";
import { versionOf, type ExpectedVersion } from "./record-version.js";
import { recordNotFound, type Events, type EventsTable } from "./target.js";
import type { SpectorDatabase } from "./types.js";
import { driverError } from "./violation.js";

/** An event as `appendEvent` checked it: its schema and action (names or integers), its payload's JSON text. */
interface ChainInput {
  readonly schema: unknown;
  readonly action: unknown;
  readonly payload: string | null;
}

/**
 * The new event's values: its id (`null`: the record heads' trigger makes one after the record's last),
 * its record (`undefined` to start one), and what the table stores.
 */
interface ChainValues {
  readonly id: string | null;
  readonly parentId: string | undefined;
  readonly schema: unknown;
  readonly action: unknown;
  /** The payload as a `jsonb` expression, or `null`. */
  readonly payload: SQL | null;
}

/**
 * Appends to Spector's chain in one statement: `SELECT` from `chain_append_T(...)` (installed by the
 * migration `drizzle-spector generate` writes; `sql/spector-chain.ts`), which takes
 * `LOCK TABLE T IN EXCLUSIVE MODE` as Spector's writers do, reads the chain's last hash in a snapshot
 * taken after the lock, and inserts the event with its hash: SHA-256 over the last hash's hex, `:`, and
 * the rest of Spector's text, encoded here. Outside a transaction the lock is held for that statement;
 * in the caller's, until it ends (its isolation level is checked first: above READ COMMITTED its snapshot
 * may predate the lock). Returns the row, or `undefined` when `parentId` is no record's first event.
 * At an `expected` version (a `versioned: true` table) it calls `chain_append_at_T(...)` instead, which
 * after the lock appends only when the record's head says that version: `undefined` otherwise too.
 */
export async function appendChained(
  db: SpectorDatabase,
  events: EventsTable,
  link: ChainLink,
  values: ChainValues,
  expected: ExpectedVersion = "any",
): Promise<Events["$inferSelect"] | undefined> {
  if (is(db, PgTransaction)) await checkReadCommitted(db);
  const { meta, table: t } = events;
  const columns = getTableColumns(t) as Record<string, PgColumn>;
  const row = identifier(names.alias.chainLink);
  // the row's columns as the table's, read through each column's mapping as `returning()` would
  const fields = Object.fromEntries(
    Object.entries(columns).map(([key, column]) => [key, sql`${row}.${identifier(column.name)}`.mapWith(column)]),
  );
  const tail = spectorHashTail(link.schema, link.action, link.payload).toString("hex");
  // in the order of CHAIN_APPEND_ARGUMENTS, each cast to its type
  const args = [
    ...(expected === "any"
      ? []
      : [sql`${expected.count}::pg_catalog.int8`, sql`${expected.lastId}::pg_catalog.text::pg_catalog.uuid`]),
    sql`${values.id}::pg_catalog.text::pg_catalog.uuid`,
    values.parentId === undefined
      ? sql`null::pg_catalog.uuid`
      : sql`${values.parentId}::pg_catalog.text::pg_catalog.uuid`,
    sql`${columns.schema!.mapToDriverValue(values.schema)}::pg_catalog.int4`,
    sql`${columns.action!.mapToDriverValue(values.action)}::pg_catalog.int4`,
    values.payload ?? sql`null::pg_catalog.jsonb`,
    sql`pg_catalog.decode(${tail}::pg_catalog.text, 'hex')`,
  ];
  const name =
    expected === "any" ? names.spectorChain.function(meta.name) : names.recordVersion.chainAppendAt(meta.name);
  const fn = sql.raw(quoteQualified(meta.pgSchema, name));
  try {
    const rows = await db.select(fields).from(sql`${fn}(${sql.join(args, sql`, `)}) as ${row}`);
    return rows[0] as Events["$inferSelect"] | undefined;
  } catch (error) {
    throw chainError(error, meta) ?? error;
  }
}

/**
 * `appendEvent` on Spector's chain, at `expected` or any version: the one statement of
 * {@link appendChained}; on a `versioned: true` table an event of a record is tried again without an id
 * while the record heads' trigger refuses the one sent as not after the record's last (`withRecordIds`).
 * Throws {@link SpectorVersionConflictError} when the record is not at `expected` (nothing written),
 * `SpectorRecordNotFoundError` when `values.parentId` is no record's first event. `path` names `expected`.
 */
export async function appendChainedEvent(
  db: SpectorDatabase,
  events: EventsTable,
  link: ChainLink,
  values: ChainValues,
  expected: ExpectedVersion,
  path: string,
): Promise<Events["$inferSelect"]> {
  const { meta } = events;
  const { parentId } = values;
  checkChainExpected(path, meta, parentId, expected);
  const append = (tx: SpectorDatabase, id: string | null) =>
    appendChained(tx, events, link, { ...values, id }, expected);
  const row =
    meta.versioned && parentId !== undefined
      ? await sending(withRecordIds(db, values.id!, append))
      : await sending(append(db, values.id));
  if (row !== undefined) return row;
  if (parentId === undefined) throw new Error("drizzle-spector: a new record's first event was not written");
  if (expected === "any") return recordNotFound(db, events, parentId);
  // READ COMMITTED (the chain needs it): the version committed now, the one that did not match
  const actual = await versionOf(db, events, parentId);
  if (actual === undefined) return recordNotFound(db, events, parentId);
  throw new SpectorVersionConflictError(parentId, expected, actual, displayName(meta));
}

/**
 * Refuses, at `path`, an `expected` version that a chained append cannot compare: one without
 * `parentId` (a new record has no version), or one on a table without record heads (`versioned: true`).
 */
export function checkChainExpected(
  path: string,
  meta: EventTableMeta,
  parentId: string | undefined,
  expected: ExpectedVersion,
): void {
  if (expected === "any") return;
  if (parentId === undefined) {
    throw new SpectorOptionError(
      path,
      expected,
      '`"any"` or left out without `parentId`: the first event starts a record, which has no version to expect',
    );
  }
  if (!meta.versioned) {
    throw new SpectorOptionError(
      path,
      expected,
      `left out or \`"any"\` on events table ${displayName(meta)}, which keeps no record heads to compare: ` +
        "make it with `versioned: true` (record heads beside Spector's chain) to append at an expected version",
    );
  }
}

/** What a failed chained append means, when it is the chain's lock or function: a clearer error. */
function chainError(error: unknown, meta: EventTableMeta): Error | undefined {
  const found = driverError(error);
  const message = String(found?.message);
  const table = displayName(meta);
  // chain_append_T, or chain_append_at_T (an append at an expected version)
  const missing = [names.spectorChain.function(meta.name), names.recordVersion.chainAppendAt(meta.name)].find((name) =>
    message.includes(name),
  );
  const fn = quoteQualified(meta.pgSchema, missing ?? names.spectorChain.function(meta.name));
  if (found?.code === INSUFFICIENT_PRIVILEGE) {
    return new Error(
      `drizzle-spector: appending to hashed table ${table} takes \`LOCK TABLE ... IN EXCLUSIVE MODE\` ` +
        "(as Spector's writers do, so that the chain does not fork), which PostgreSQL allows only to a role with the " +
        "UPDATE, DELETE or TRUNCATE privilege on the table: SELECT and INSERT are not enough",
      { cause: error },
    );
  }
  if (found?.code === UNDEFINED_FUNCTION && missing !== undefined) {
    return new Error(
      `drizzle-spector: appending to hashed table ${table} calls ${fn}(...), which the database does not have: ` +
        "run `drizzle-spector generate` (it writes the migration that installs it) and apply the migrations " +
        "(`drizzle-spector check` lists what is missing)",
      { cause: error },
    );
  }
  if (found?.code === SPECTOR_CHAIN_ISOLATION.sqlstate && message.startsWith("drizzle-spector:")) {
    const level = / not (.+)$/.exec(message)?.[1] ?? "another isolation level";
    return new SpectorOptionError(
      "db",
      `a session at ${level.toLowerCase()}`,
      `${READ_COMMITTED_ONLY} (the session's default_transaction_isolation is higher; nothing was written)`,
    );
  }
  return undefined;
}

/** What a chained append accepts as `db`, and why: the one text of both refusals of a higher isolation level. */
const READ_COMMITTED_ONLY =
  "the database, or a READ COMMITTED transaction: appending to a hash chain at a higher isolation level " +
  "could read a last hash older than the lock and fork the chain";

/** PostgreSQL's SQLSTATE for a missing privilege. */
const INSUFFICIENT_PRIVILEGE = "42501";

/** PostgreSQL's SQLSTATE for a function that does not exist. */
const UNDEFINED_FUNCTION = "42883";

/** Refuses a transaction above READ COMMITTED: its snapshot could predate the lock and fork the chain. */
async function checkReadCommitted(tx: SpectorDatabase): Promise<void> {
  const [{ isolation }] = (await tx
    .select({ isolation: sql<string>`pg_catalog.current_setting('transaction_isolation')` })
    .from(sql`(values (0)) as ${identifier(names.alias.chainHead)}`)) as [{ isolation: string }];
  if (isolation !== "read committed") {
    throw new SpectorOptionError("db", `a transaction at ${isolation}`, READ_COMMITTED_ONLY);
  }
}

/** What a chained event's hash covers, resolved before any SQL runs. */
export interface ChainLink {
  /** The schema's Elixir module, `Elixir.MyApp.User`. */
  readonly schema: string;
  /** The action's atom name. */
  readonly action: string;
  /** The payload as Spector encodes it from the stored `jsonb`. */
  readonly payload: string;
}

/**
 * The texts Spector's hash covers for `input` on hashed table `meta`, or a {@link SpectorOptionError}
 * that says what the table must declare.
 */
export function chainLink(meta: EventTableMeta, input: ChainInput): ChainLink {
  const table = displayName(meta);
  const modules = checkChained("table", meta);
  const schemaCode = meta.schemas ? meta.schemas.byName.get(input.schema as string)! : (input.schema as number);
  const schema = modules.get(schemaCode);
  if (schema === undefined) {
    throw new SpectorOptionError(
      at("event", "schema"),
      input.schema,
      `a schema whose Elixir module \`schemaModules\` of table ${table} names (it names ${[...modules.keys()].join(", ")})`,
    );
  }
  const code = meta.actions ? meta.actions.byName.get(input.action as string)! : (input.action as number);
  const action = actionNames(meta.actions).get(code); // an alias is hashed under its target's name
  if (action === undefined) {
    throw new SpectorOptionError(
      at("event", "action"),
      input.action,
      `an action Spector can name in its hash: one of Spector's base actions (${Object.entries(BASE_ACTIONS)
        .map(([name, code]) => `${name} = ${code}`)
        .join(
          ", ",
        )}), or declare \`actions\` on table ${table} (\`spectorActions([...])\` numbers them as Spector does)`,
    );
  }
  return { schema, action, payload: encodePayload(input.payload) };
}

/** Spector's encoding of a payload's JSON text; a text it cannot decode is bad input. */
function encodePayload(payload: string | null): string {
  try {
    return spectorJson(payload);
  } catch (error) {
    if (!(error instanceof SpectorEncodingError)) throw error;
    throw new SpectorOptionError(at("event", "payload"), payload, `a payload Spector can decode (${error.message})`);
  }
}
