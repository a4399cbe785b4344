/**
 * The checks of the names tables claim: no two tables of a schema may bring the same name to one
 * namespace (`claimNames`), and a table name given on its own must leave room for every name derived
 * from it (`checkTableName`, `eventTableNameLimit`).
 *
 * @module
 */
import { checkDerivedNames, checkName, type NameLimit } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import {
  MAX_IDENTIFIER_BYTES,
  byteLength,
  eventTableNames,
  namespaceOf,
  type DerivedName,
  type NameKind,
} from "../naming/index.js";

/** One table's claim on database names: the option it comes from, its name, and the names it brings. */
export interface NameClaim {
  readonly option: string;
  readonly value: string;
  readonly names: readonly DerivedName[];
}

/**
 * No two names of one schema-wide namespace may be alike: tables, indexes and primary keys share one
 * (`pg_class`), functions another. Throws a `SpectorOptionError` for the first clash.
 */
export function claimNames(claims: readonly NameClaim[]): void {
  const seen = new Map<string, { option: string; value: string; kind: NameKind }>();
  for (const { option, value, names: derived } of claims) {
    for (const [name, kind] of derived) {
      const namespace = namespaceOf(kind);
      if (namespace === undefined) continue;
      const key = `${namespace}:${name}`;
      const earlier = seen.get(key);
      if (earlier) {
        throw new SpectorOptionError(
          option,
          value,
          earlier.kind === "table" && kind === "table"
            ? `a table name no other table has, but ${JSON.stringify(value)} is also \`${earlier.option}\``
            : `a name whose ${kind} \`${name}\` does not clash with the ${earlier.kind} of \`${earlier.option}\` (${JSON.stringify(earlier.value)})`,
        );
      }
      seen.set(key, { option, value, kind });
    }
  }
}

/** Checks a table name given on its own (to `eventTable`), including every name derived from it. */
export function checkTableName(
  path: string,
  value: unknown,
  what: string,
  derive: (name: string) => DerivedName[],
  limit?: NameLimit,
): string {
  const name = checkName(path, value, what, limit);
  checkDerivedNames(path, name, derive(name));
  return name;
}

/**
 * The longest an events table name can be: the names derived from it (`T_inserted_at_index`, with
 * `recordIndex` `T_parent_id_id_index`) must fit PostgreSQL's 63 bytes too, so the limit is said up
 * front rather than found on a derived name.
 *
 * @example
 * ```ts
 * eventTableNameLimit(false).bytes; // 45
 * ```
 */
export function eventTableNameLimit(recordIndex: boolean): NameLimit {
  const probe = "T"; // no derived name's own part holds a capital
  const [longest] = eventTableNames(probe, recordIndex).reduce((a, b) => (byteLength(b[0]) > byteLength(a[0]) ? b : a));
  return {
    bytes: MAX_IDENTIFIER_BYTES - (byteLength(longest) - byteLength(probe)),
    why: `so that \`${longest}\`${recordIndex ? " (with `recordIndex`)" : ""} fits PostgreSQL's ${MAX_IDENTIFIER_BYTES}`,
  };
}
