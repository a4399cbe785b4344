/**
 * The names of the database objects derived from a table (`names`): its keys, indexes and shard link
 * tables, the functions and triggers of each rule, the aliases of the helpers' queries and their
 * prepared statements. Each rule's names are grouped under the rule.
 *
 * @module
 */
import { COLUMNS, fingerprint } from "./identifiers.js";

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
    /**
     * `check_link_same_parent_L_large`: the function that makes the decisions of a statement of many
     * links for the INSERT and UPDATE functions, and raises the violation (ours), so that a session
     * compiles the large statements' path only when it runs it.
     */
    largeFunction: (link: string) => `check_link_same_parent_${link}_large`,
    /** The name of the statement's new rows (the transition table) inside the trigger functions. */
    transitionTable: "spector_new_links",
  },
  /** The record chain of events table `T` (`hashed: "record"`). */
  recordChain: {
    /** `T_heads`: the table of the chains' heads, one row per record. */
    headsTable: (table: string) => `${table}_heads`,
    /** `T_redactions`: the digests (and when, and why) of the payloads `redact` erased, one row per event. */
    redactionsTable: (table: string) => `${table}_redactions`,
    /** `record_chain_T`: the function behind the trigger that chains each new event. */
    function: (table: string) => `record_chain_${table}`,
    /** `record_chain_T`: the BEFORE INSERT row trigger on `T`. */
    trigger: (table: string) => `record_chain_${table}`,
    /** `next_event_id_T(parent uuid)`: a UUIDv7 after record `parent`'s last id, for writers in raw SQL. */
    nextEventId: (table: string) => `next_event_id_${table}`,
    /**
     * `lock_record_T(parent uuid)`: locks record `parent`'s head (`FOR UPDATE`) and returns it, for an
     * append with an expected version (`appendEvents`' `expected`, or a writer in raw SQL).
     */
    lockRecord: (table: string) => `lock_record_${table}`,
  },
  /**
   * The record heads of events table `T` without a record chain (`versioned: true`): its heads table,
   * next-id and lock functions are the record chain's (`T_heads`, `next_event_id_T`, `lock_record_T`).
   */
  recordVersion: {
    /** `record_heads_T`: the function behind the trigger that moves each new event's record head. */
    function: (table: string) => `record_heads_${table}`,
    /** `record_heads_T`: the BEFORE INSERT row trigger on `T`. */
    trigger: (table: string) => `record_heads_${table}`,
    /**
     * `chain_append_at_T`: on a `hashed: true` table, Spector's chain append (`chain_append_T`) only
     * when the record is at an expected version.
     */
    chainAppendAt: (table: string) => `chain_append_at_${table}`,
  },
  /**
   * The positions of events table `T` (`positions: true`): a total order over its events, in the order
   * they became visible, for `readAll` and consumers.
   */
  positions: {
    /**
     * `T_positions`: one row per writer statement's events (up to 1,000 of them), its last position
     * (`NULL` until its events are positioned).
     */
    table: (table: string) => `${table}_positions`,
    /** `queue_positions_T`: the function behind the trigger that queues each new event for a position. */
    queueFunction: (table: string) => `queue_positions_${table}`,
    /** `queue_positions_T`: the AFTER INSERT statement trigger on `T`. */
    trigger: (table: string) => `queue_positions_${table}`,
    /** `position_events_T(max integer)`: gives queued, committed events the next positions. */
    positionFunction: (table: string) => `position_events_${table}`,
    /** `T_positions_key`: the unique index on `position` (the order readers follow). */
    orderIndex: (table: string) => `${table}_positions_key`,
    /** `T_positions_queue`: the partial index of the rows not positioned yet, in the order they were queued. */
    queueIndex: (table: string) => `${table}_positions_queue`,
    /** The name of the statement's new events (the transition table) inside the queue function. */
    transitionTable: "spector_new_events",
    /** The `LISTEN` / `NOTIFY` channel on which new events and new positions of `T` are announced. */
    channel: (table: string) => `spector_positions_${table}`,
  },
  /** Spector's chain of events table `T` (`hashed: true`). */
  spectorChain: {
    /** `chain_append_T`: the function that takes the chain's lock and reads its last hash, for `appendEvent`. */
    function: (table: string) => `chain_append_${table}`,
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
    /** The events of a record `aggregate` counts for its version (all of them, whatever it replays). */
    counted: "spector_counted",
    /** The savepoints of a record, among which `aggregate` finds the latest to replay from. */
    savepoint: "spector_savepoint",
    /** The record's last events, among which `aggregate` looks for its latest savepoint first. */
    recent: "spector_recent",
    /** The record's head (`T_heads`), which `aggregate` takes the version from on a table that keeps one. */
    head: "spector_head",
    /** The events of a hash chain, read for its last event (`appendEvent` on a hashed table). */
    chain: "spector_chain",
    /** The row of `chain_append_T()` that `appendEvent` selects a chained event's hash and time from. */
    chainLink: "spector_chain_link",
    /** The one-row source of the query that reads a chain's head and the transaction's isolation level. */
    chainHead: "spector_chain_head",
    /** The positions `readAll` reads after its cursor, which it joins the events to. */
    window: "spector_window",
    /** A positions row `readAll` reads (a writer statement's events, or one event). */
    chunk: "spector_chunk",
    /** The events of a positions row, unnested with their place in it. */
    member: "spector_member",
    /** A member's place in its row (1 for the first). */
    place: "spector_place",
    /** How many events a positions row holds. */
    size: "spector_size",
    /** The first positions row after a cursor, where a read starts. */
    first: "spector_first",
    /** Where a read's window starts (and its one-row source): the position before its first positions row, or the cursor. */
    from: "spector_from",
    /** The events of a positions row read by one index range on `id`. */
    range: "spector_range",
    /** The place in its positions row of the first event a read takes from it (1 for the row's first). */
    low: "spector_low",
    /** The place in its positions row of the last event a read takes from it. */
    high: "spector_high",
    /** The positions rows of a read's window (a `WITH` query), each marked with the path its events take. */
    chunks: "spector_chunks",
    /** Whether a positions row's events are read by one range (its `id` range holds them and nothing else). */
    exact: "spector_exact",
    /** The `id`s of a positions row's range, checked against the row's own before the range is read. */
    check: "spector_check",
    /** What a read returns (its two parts: rows read by range, rows looked up by id). */
    read: "spector_read",
    /** The event of each position `readAll` reads (looked up by its id). */
    event: "spector_event",
    /**
     * The position of each event `readAll` reads, beside the event's columns (for a row read by range,
     * minus the position of the first event read from its positions row: see `row-positions.ts`).
     */
    position: "spector_position",
  },
  /**
   * The name of a prepared statement a read helper keeps per database: `spector_<helper>_<fingerprint
   * of its SQL>`, short enough for PostgreSQL's 63 bytes whatever the table's name, and one name per
   * SQL text (node-postgres requires that of a statement name).
   */
  preparedStatement: (helper: string, sqlText: string) => `spector_${helper}_${fingerprint(sqlText)}`,
} as const;
