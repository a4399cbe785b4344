/**
 * The names the record chain's verification statements use, quoted once per table.
 *
 * @module
 */
import { COLUMNS, HEAD_COLUMNS, REDACTION_COLUMNS } from "../naming/index.js";
import { quoteIdent, quoteQualified } from "../sql/quote.js";
import { headsTableOf } from "../sql/record-hash.js";
import { redactionsTableOf } from "../erasure/redactions-table.js";
import type { EventTableMeta } from "../tables/meta.js";

/** The names the statements use, quoted. */
export function sqlNames(meta: EventTableMeta) {
  const q = quoteIdent;
  const heads = headsTableOf(meta);
  const redactions = redactionsTableOf(meta);
  return {
    events: quoteQualified(meta.pgSchema, meta.name),
    heads: quoteQualified(heads.pgSchema, heads.name),
    id: q(COLUMNS.id),
    parentId: q(COLUMNS.parentId),
    hash: q(COLUMNS.hash),
    headParent: q(HEAD_COLUMNS.parentId),
    lastId: q(HEAD_COLUMNS.lastId),
    lastHash: q(HEAD_COLUMNS.lastHash),
    count: q(HEAD_COLUMNS.eventCount),
    payload: q(COLUMNS.payload),
    redactions: quoteQualified(redactions.pgSchema, redactions.name),
    redactedId: q(REDACTION_COLUMNS.eventId),
    keptDigest: q(REDACTION_COLUMNS.payloadDigest),
    redactedAt: q(REDACTION_COLUMNS.redactedAt),
    reason: q(REDACTION_COLUMNS.reason),
  };
}
