/**
 * The words a name may not be: the link table's own columns (never a link's foreign key) and
 * PostgreSQL's reserved key words (never a table, column or schema name written unquoted).
 *
 * @module
 */
import { COLUMNS } from "./identifiers.js";

/** Names that may not be used as a link's foreign key: they are the link table's other columns. */
export const RESERVED_LINK_COLUMNS: readonly string[] = [COLUMNS.id, COLUMNS.eventId, COLUMNS.type];

/**
 * PostgreSQL's reserved key words (and those reserved but for function and type names), from
 * `pg_get_keywords()` on PostgreSQL 15: none of them can name a table, column or schema unquoted, as
 * Spector writes names. (Kept in lines of several words: the formatter would write one a line.)
 */
// prettier-ignore
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary",
  "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create",
  "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
  "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
  "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having",
  "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading",
  "left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset",
  "on", "only", "or", "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right",
  "select", "session_user", "similar", "some", "symmetric", "table", "tablesample", "then", "to", "trailing",
  "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window", "with",
]);
