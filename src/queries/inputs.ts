/**
 * The input checks several helpers share: an event given as an id or a row, and the `type` of a link.
 *
 * @module
 */
import { OPTIONS, at, checkInt4, checkObject, checkUuid } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { displayName } from "../naming/index.js";
import type { EventTableMeta, LinkTableMeta } from "../tables/meta.js";

/** An event given to a helper, checked: its id, and its record when it was given as a row. */
export interface CheckedRef {
  readonly id: string;
  readonly parentId: string | undefined;
}

/** Checks an event given as an id or as a row `{ id, parentId }`; `needParent` refuses a bare id. */
export function checkRef(path: string, value: unknown, needParent: boolean): CheckedRef {
  if (typeof value === "string" && !needParent) return { id: checkUuid(path, value), parentId: undefined };
  if (typeof value !== "object" || value === null) {
    throw new SpectorOptionError(
      path,
      value,
      needParent ? "an event `{ id, parentId }` (any event row)" : "an event id, or an event `{ id, parentId }`",
    );
  }
  const { id, parentId } = value as Record<string, unknown>;
  return { id: checkUuid(at(path, "id"), id), parentId: checkUuid(at(path, "parentId"), parentId) };
}

/**
 * Checks the `type` of a link in an options argument: required by `link` on a typed link table,
 * optional for the walks (a filter), refused on an untyped table.
 */
export function checkType(meta: LinkTableMeta, options: unknown, required: boolean): number | undefined {
  const path = at(OPTIONS, "type");
  const type = (options as { type?: unknown } | undefined)?.type;
  if (!meta.typed) {
    if (required ? options !== undefined : type !== undefined) {
      throw new SpectorOptionError(
        required ? OPTIONS : path,
        required ? options : type,
        `left out: ${meta.name} is not a typed link table`,
      );
    }
    return undefined;
  }
  if (type === undefined && !required) return undefined;
  const expected = `an integer that fits PostgreSQL's \`integer\`${required ? `: ${meta.name} is a typed link table` : ""}`;
  if (required && (typeof options !== "object" || options === null)) {
    throw new SpectorOptionError(path, undefined, expected);
  }
  if (required) checkObject(OPTIONS, options, ["type"]);
  return checkInt4(path, type, expected);
}

/**
 * The `schemaModules` of hashed table `meta`, or a {@link SpectorOptionError} at `path` saying what to
 * declare: Spector's hash covers each schema's Elixir module, which the database does not hold.
 */
export function checkChained(path: string, meta: EventTableMeta): ReadonlyMap<number, string> {
  if (meta.schemaModules !== undefined) return meta.schemaModules;
  throw new SpectorOptionError(
    path,
    `hashed table ${displayName(meta)} without \`schemaModules\``,
    'a hashed table that declares `schemaModules` (e.g. `{ user: "MyApp.User" }`): Spector\'s hash covers each ' +
      "schema's Elixir module, which the database does not hold",
  );
}
