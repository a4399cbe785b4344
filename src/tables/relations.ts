/**
 * Drizzle relations for the tables drizzle-spector makes, so that `db.query.<events>.findMany({ with })`
 * can load a record, its events and their links.
 *
 * @module
 */
import { getTableColumns, relations, type Many, type One, type Relations } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { SpectorOptionError } from "../errors.js";
import type { EventShapeMark } from "./event-table.js";
import type { LinkEventsMark } from "./link-table.js";
import { getMeta } from "./meta.js";
import { COLUMNS, camelCase, relationNames, type CamelCase, type LinkTargetOfKey } from "../naming/index.js";

type NameOf<T> = T extends { readonly _: { readonly name: infer N extends string } } ? N : never;
type EventKeys<T> = { [K in keyof T]: T[K] extends EventShapeMark<any> ? K : never }[keyof T] & string;
type LinkKeys<T> = { [K in keyof T]: T[K] extends LinkEventsMark<any> ? K : never }[keyof T] & string;
/** The link tables of `T` whose events table is named `E`. */
type LinksOf<T, E extends string> = {
  [K in LinkKeys<T>]: T[K] extends LinkEventsMark<infer Ev> ? (NameOf<Ev> extends E ? NameOf<T[K]> : never) : never;
}[LinkKeys<T>];
/** The foreign key column key of a link table type (its column other than `eventId` and `type`). */
type ForeignKeyOf<L> = L extends { readonly _: { readonly columns: infer C } }
  ? Exclude<keyof C, "eventId" | "type"> & string
  : never;
type TargetOf<L> = LinkTargetOfKey<ForeignKeyOf<L>>;

/** The relations of events table `E` (`parent`, `children`, and each link table's two sides). */
type EventRelations<T, E extends string> = {
  parent: One<E, true>;
  children: Many<E>;
} & { [L in LinksOf<T, E> as CamelCase<L>]: Many<L> } & { [L in LinksOf<T, E> as `${CamelCase<L>}Incoming`]: Many<L> };

/**
 * What {@link spectorRelations} returns for the tables `T`: one `<name>Relations` per table.
 *
 * @example
 * ```ts
 * type R = SpectorRelations<{ events: typeof events; event_ancestors: typeof event_ancestors }>;
 * // { eventsRelations: Relations<"events", ...>; event_ancestorsRelations: Relations<"event_ancestors", ...> }
 * ```
 */
export type SpectorRelations<T> = {
  [K in EventKeys<T> as `${NameOf<T[K]>}Relations`]: Relations<NameOf<T[K]>, EventRelations<T, NameOf<T[K]>>>;
} & {
  [K in LinkKeys<T> as `${NameOf<T[K]>}Relations`]: T[K] extends LinkEventsMark<infer Ev>
    ? Relations<NameOf<T[K]>, { event: One<NameOf<Ev>, true> } & { [X in TargetOf<T[K]>]: One<NameOf<Ev>, true> }>
    : never;
};

type Columns = Record<string, AnyPgColumn>;

/**
 * Drizzle relations for events tables and link tables made by drizzle-spector: give it the tables
 * (e.g. the whole result of `spectorTables`) and spread the result into Drizzle's `schema` next to
 * them. Each table gets `<name>Relations`:
 *
 * - an events table: `parent` (the record's first event), `children` (a first event's whole record,
 *   itself included), and for each of its link tables in `tables` the links from its side (the link
 *   table's name in camelCase, e.g. `eventAncestors`) and from the other side (`eventAncestorsIncoming`);
 * - a link table: `event` (its `event_id` end) and its other end, named after the foreign key without
 *   `_id` (`ancestor_id` → `ancestor`).
 *
 * @example
 * ```ts
 * import * as schema from "./schema";
 * const db = drizzle(client, { schema: { ...schema, ...spectorRelations(schema) } });
 * const records = await db.query.events.findMany({
 *   where: (e, { eq }) => eq(e.id, e.parentId),
 *   with: { children: true, eventAncestors: { with: { ancestor: true } } },
 * });
 * ```
 * @throws {SpectorOptionError} when a link table is given without its events table.
 */
export function spectorRelations<const T extends Record<string, unknown>>(tables: T): SpectorRelations<T> {
  if (typeof tables !== "object" || tables === null)
    throw new SpectorOptionError("tables", tables, "an object of tables, e.g. your schema module");
  const result: Record<string, unknown> = {};
  const entries = Object.entries(tables).flatMap(([key, value]) => {
    const meta = getMeta(value);
    return meta ? [{ key, table: value as PgTable & Columns, meta }] : [];
  });
  for (const { key, table, meta } of entries) {
    if (meta.kind !== "link") continue;
    const events = meta.eventsTable as (PgTable & Columns) | undefined;
    if (!events || !entries.some((e) => e.table === events)) {
      throw new SpectorOptionError(
        `tables.${key}`,
        `link table ${meta.name}`,
        `given with its events table ${getMeta(events)?.name ?? ""} (a relation needs both ends)`,
      );
    }
    const other = table[camelCase(meta.foreignKey)]!;
    // the Citus layout joins by record too, as its foreign keys do: `(parent_id, end)` = `(parent_id, id)`
    const citus = meta.layout === "citus";
    const end = (column: AnyPgColumn) => ({
      fields: (citus ? [table.parentId!, column] : [column]) as [AnyPgColumn, ...AnyPgColumn[]],
      references: (citus ? [events.parentId!, events.id!] : [events.id!]) as [AnyPgColumn, ...AnyPgColumn[]],
    });
    result[relationNames.exportName(meta.name)] = relations(table, ({ one }) => ({
      [relationNames.linkEvent]: one(events, {
        ...end(table.eventId!),
        relationName: relationNames.pair(meta.name, COLUMNS.eventId),
      }),
      [relationNames.linkTarget(meta.foreignKey)]: one(events, {
        ...end(other),
        relationName: relationNames.pair(meta.name, meta.foreignKey),
      }),
    }));
  }
  for (const { table, meta } of entries) {
    if (meta.kind !== "events") continue;
    const links = entries.filter((e) => e.meta.kind === "link" && e.meta.eventsTable === table);
    // db.query puts columns and relations in one object: a relation named like another key would replace it
    const taken = new Map<string, string>(Object.keys(getTableColumns(table)).map((key) => [key, "a column"]));
    taken.set(relationNames.parent, "a relation").set(relationNames.children, "a relation");
    for (const { key, meta: link } of links) {
      for (const name of [relationNames.outgoing(link.name), relationNames.incoming(link.name)]) {
        const holder = taken.get(name);
        if (holder !== undefined) {
          throw new SpectorOptionError(
            `tables.${key}`,
            `link table ${link.name}`,
            `a link table whose relation \`${name}\` on ${meta.name} is not already ${holder} there (rename the link table)`,
          );
        }
        taken.set(name, `the relation of link table ${link.name}`);
      }
    }
    result[relationNames.exportName(meta.name)] = relations(table, ({ one, many }) => ({
      [relationNames.parent]: one(table, {
        // the Citus layout: the record's first event is `(parent_id, id)` = `(parent_id, parent_id)`
        ...(meta.layout === "citus"
          ? { fields: [table.parentId!, table.parentId!], references: [table.parentId!, table.id!] }
          : { fields: [table.parentId!], references: [table.id!] }),
        relationName: relationNames.pair(meta.name, COLUMNS.parentId),
      }),
      [relationNames.children]: many(table, { relationName: relationNames.pair(meta.name, COLUMNS.parentId) }),
      ...Object.fromEntries(
        links.flatMap(({ table: linkTable, meta: link }) => [
          [
            relationNames.outgoing(link.name),
            many(linkTable, { relationName: relationNames.pair(link.name, COLUMNS.eventId) }),
          ],
          [
            relationNames.incoming(link.name),
            many(linkTable, {
              relationName: relationNames.pair(link.name, (link as { foreignKey: string }).foreignKey),
            }),
          ],
        ]),
      ),
    }));
  }
  return result as SpectorRelations<T>;
}
