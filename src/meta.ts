/**
 * What a table built by drizzle-spector knows about itself, kept on the table object under a
 * registered symbol (so it survives a second copy of this module, e.g. under drizzle-kit's loader).
 *
 * @module
 */
import type { EventTablePlan, LinkTablePlan } from "./options.js";

const META = Symbol.for("drizzle-spector.meta");

/** Metadata of an events table. */
export interface EventTableMeta extends EventTablePlan {
  readonly kind: "events";
  readonly pgSchema: string | undefined;
}

/** Metadata of a link table. */
export interface LinkTableMeta extends LinkTablePlan {
  readonly kind: "link";
  readonly pgSchema: string | undefined;
  /** The events table object both ends point at (absent in metadata written by hand). */
  readonly eventsTable?: object;
}

export type SpectorMeta = EventTableMeta | LinkTableMeta;

/** Attaches metadata, non-enumerable so that spreading or iterating the table never sees it. */
export function setMeta<T extends object>(table: T, meta: SpectorMeta): T {
  Object.defineProperty(table, META, { value: Object.freeze({ ...meta }), enumerable: false });
  return table;
}

/** Reads the metadata of a table built by drizzle-spector; `undefined` for any other value. */
export function getMeta(value: unknown): SpectorMeta | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as { [META]?: SpectorMeta })[META];
}
