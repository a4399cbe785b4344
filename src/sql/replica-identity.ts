/**
 * A link table's replica identity: its unique index, whose columns are all `NOT NULL` (`event_id`, the
 * foreign key, `type` when typed). A table with neither a primary key nor a replica identity cannot
 * take `UPDATE` or `DELETE` once it is in a publication for logical replication (every `DELETE` fails
 * on the publisher, the erasure recipe's included); with its unique index as identity, a subscriber
 * finds the row each change names.
 *
 * @module
 */
import { names } from "../naming/index.js";
import type { LinkTableMeta } from "../tables/meta.js";
import { quoteIdent, quoteQualified } from "./quote.js";

/**
 * The statement that makes link table `link`'s unique index its replica identity. It changes no row and
 * no lock outlives it (`ALTER TABLE` takes an `ACCESS EXCLUSIVE` lock for the statement's transaction).
 *
 * @example
 * ```ts
 * linkReplicaIdentityStatement(meta);
 * // ALTER TABLE "public"."event_links" REPLICA IDENTITY USING INDEX "event_links_event_id_linked_id_index";
 * ```
 */
export function linkReplicaIdentityStatement(link: LinkTableMeta): string {
  const index = names.index(link.name, names.linkUniqueColumns(link));
  return `ALTER TABLE ${quoteQualified(link.pgSchema, link.name)} REPLICA IDENTITY USING INDEX ${quoteIdent(index)};`;
}
