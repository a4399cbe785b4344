/**
 * The version of a record: what a read of the record saw, which an append can compare.
 *
 * @module
 */

/**
 * The version of a record as read: the id of its last event (by `id`, the record's order) and how
 * many events it holds. `aggregate` returns it (of the whole record, whatever `at` or a savepoint
 * left out of the replay), and an append's `expected` compares it.
 *
 * @example
 * ```ts
 * const { version } = await aggregate(db, events, order.id, { initial, evolve });
 * version; // { lastId: "0192f0c1-...", count: 3 }
 * ```
 */
export interface RecordVersion {
  readonly lastId: string;
  readonly count: number;
}
