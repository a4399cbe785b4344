/**
 * The names of the Drizzle relations `spectorRelations` defines (`relationNames`), and the type-level
 * name of a link's other end (`LinkTargetOfKey`).
 *
 * @module
 */
import { camelCase, type CamelCase } from "./identifiers.js";

/**
 * The names of the Drizzle relations `spectorRelations` defines: the keys users write in `with`, the
 * `relationName`s that pair each `one` with its `many`, and the exports that hold them.
 *
 * @example
 * ```ts
 * relationNames.linkTarget("ancestor_id"); // "ancestor"
 * relationNames.incoming("event_ancestors"); // "eventAncestorsIncoming"
 * ```
 */
export const relationNames = {
  /** `<table>Relations`: the export holding a table's relations. */
  exportName: <T extends string>(table: T) => `${table}Relations` as const,
  /** `parent`: an event's record (its first event). */
  parent: "parent",
  /** `children`: a first event's record (every event whose `parent_id` is its id, itself included). */
  children: "children",
  /** `event`: a link's `event_id` end. */
  linkEvent: "event",
  /** A link's other end, named after its foreign key without `_id`: `ancestor_id` → `ancestor`. */
  linkTarget: <K extends string>(foreignKey: K) => linkTargetName(foreignKey),
  /** An event's links from its side (`event_id` = its id), named after the link table: `eventAncestors`. */
  outgoing: <L extends string>(link: L) => camelCase(link),
  /** An event's links from the other side (foreign key = its id): `eventAncestorsIncoming`. */
  incoming: <L extends string>(link: L) => `${camelCase(link)}Incoming` as const,
  /** The `relationName` pairing a `one` and a `many`: `<table>.<column>`. */
  pair: (table: string, column: string) => `${table}.${column}`,
} as const;

/**
 * The name of a link's other end in relational queries, from its foreign key's camelCase key: without
 * its trailing `Id` (`ancestorId` → `ancestor`), or with `Event` appended where that would leave
 * nothing, no change, or a name the link row already has (`event`, `eventId`, `type`), e.g.
 * `LinkTargetOfKey<"event">` is `"eventEvent"`.
 */
export type LinkTargetOfKey<K extends string> = (
  K extends `${infer Stem}Id` ? (Stem extends "" ? `${K}Event` : Stem) : `${K}Event`
) extends infer C extends string
  ? C extends (typeof LINK_ROW_NAMES)[number]
    ? `${K}Event`
    : C
  : never;

/** The keys a link row has besides its foreign key: its other relation, its columns. */
const LINK_ROW_NAMES = ["event", "eventId", "type"] as const;

function linkTargetName<K extends string>(foreignKey: K): LinkTargetOfKey<CamelCase<K>> {
  const key = camelCase(foreignKey) as string;
  const candidate = key.endsWith("Id") && key.length > 2 ? key.slice(0, -2) : `${key}Event`;
  const name = (LINK_ROW_NAMES as readonly string[]).includes(candidate) ? `${key}Event` : candidate;
  return name as LinkTargetOfKey<CamelCase<K>>;
}
