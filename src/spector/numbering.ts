/**
 * Schemas and actions numbered as Spector numbers them, so that a table shared with an Elixir app
 * names them with the same integers: `spectorSchemas` numbers a `schemas:` list as `use Spector.Events`
 * does, `spectorActions` gives custom actions Erlang's `phash2` of their atom.
 *
 * @module
 */
import { at, checkDenseArray } from "../checks.js";
import { SpectorOptionError } from "../errors.js";
import { ACTION_ALIASES, BASE_ACTIONS } from "../tables/codes.js";
import { phash2Atom } from "./erlang.js";

/** A schema of a `schemas:` list: its name, or `[name, index]` to set its integer. */
export type SpectorSchemaEntry = string | readonly [name: string, index: number];

type EntryName<E> = E extends string ? E : E extends readonly [infer N extends string, number] ? N : never;

/**
 * Numbers schemas as Spector numbers a `schemas:` list: from 0 in list order, an `[name, n]` entry sets
 * that schema to `n` and the ones after it continue from `n + 1`. An index below the running counter
 * is refused, as Spector refuses it. Pass the result as the `schemas` option.
 *
 * @example
 * ```ts
 * spectorSchemas(["user", "post", ["comment", 10], "like"]); // { user: 0, post: 1, comment: 10, like: 11 }
 * ```
 * @throws {SpectorOptionError} for an entry that is no name or `[name, index]`, a repeated name, or an
 * index below the counter or outside PostgreSQL's `integer`.
 */
export function spectorSchemas<const L extends readonly SpectorSchemaEntry[]>(
  list: L,
): { readonly [K in EntryName<L[number]>]: number } {
  if (!Array.isArray(list))
    throw new SpectorOptionError("schemas", list, "a list of schema names, or `[name, index]` entries");
  checkDenseArray("schemas", list, "a list of schema names, or `[name, index]` entries");
  const result: Record<string, number> = {};
  let next = 0;
  list.forEach((entry: unknown, i) => {
    const path = at("schemas", i);
    const [name, index] = Array.isArray(entry) ? entry : [entry, undefined];
    if (typeof name !== "string" || name === "" || (Array.isArray(entry) && entry.length !== 2)) {
      throw new SpectorOptionError(path, entry, "a schema name, or `[name, index]`");
    }
    if (Object.hasOwn(result, name)) {
      throw new SpectorOptionError(path, entry, `a name not already in the list, but ${JSON.stringify(name)} is`);
    }
    let code = next;
    if (index !== undefined) {
      if (typeof index !== "number" || !Number.isInteger(index) || index < next || index > INT4_MAX) {
        throw new SpectorOptionError(
          at(path, 1),
          index,
          `an integer from ${next} (the next one in the list) up to ${INT4_MAX}: Spector refuses an index below its counter`,
        );
      }
      code = index;
    }
    if (code > INT4_MAX)
      throw new SpectorOptionError(path, entry, `numbered at most ${INT4_MAX} (PostgreSQL's integer)`);
    result[name] = code;
    next = code + 1;
  });
  return result as never;
}

const INT4_MAX = 2 ** 31 - 1;

/**
 * Numbers custom actions as Spector does: each one's integer is Erlang's `phash2` of its atom
 * (`archive` = 9040037), and an alias (`aliases: [soft_delete: :archive]` in Spector) stores its
 * target's integer (a target can be one of these actions or a base action). Pass the result as the
 * `actions` option (alone, or spread into a larger map); rows read back the target's name.
 *
 * @example
 * ```ts
 * spectorActions(["archive", "restore"], { soft_delete: "archive" });
 * // { archive: 9040037, restore: 13285109, soft_delete: 9040037 }
 * ```
 * @throws {SpectorOptionError} for a name that is not a non-empty string, a repeated name, one of
 * Spector's base actions, or an alias whose target is not an action.
 */
export function spectorActions<
  const L extends readonly string[],
  const A extends Readonly<Record<string, string>> = {},
>(names: L, aliases?: A): { readonly [K in L[number] | (keyof A & string)]: number } {
  if (!Array.isArray(names)) throw new SpectorOptionError("names", names, "a list of action names");
  checkDenseArray("names", names, "a list of action names");
  if (aliases !== undefined && (typeof aliases !== "object" || aliases === null || Array.isArray(aliases))) {
    throw new SpectorOptionError(
      "aliases",
      aliases,
      'an object of alias names to action names, e.g. `{ soft_delete: "archive" }`',
    );
  }
  const result: Record<string, number> = {};
  names.forEach((name: unknown, i) => {
    if (typeof name !== "string" || name === "") throw new SpectorOptionError(at("names", i), name, "an action name");
    if (Object.hasOwn(result, name) || Object.hasOwn(SPECTOR_BASE_ACTIONS, name)) {
      throw new SpectorOptionError(at("names", i), name, "a name not repeated and none of Spector's base actions");
    }
    result[name] = phash2Atom(name);
  });
  const marked = new Map<string, string>();
  for (const [alias, target] of Object.entries(aliases ?? {})) {
    const code = typeof target === "string" ? (result[target] ?? SPECTOR_BASE_ACTIONS[target]) : undefined;
    if (code === undefined || Object.hasOwn(result, alias) || Object.hasOwn(SPECTOR_BASE_ACTIONS, alias)) {
      throw new SpectorOptionError(
        at("aliases", alias),
        target,
        "the name of one of the actions listed or a base action, for an alias that is itself no action",
      );
    }
    marked.set(alias, target as string);
  }
  for (const [alias, target] of marked) result[alias] = result[target] ?? SPECTOR_BASE_ACTIONS[target]!;
  // enumerable, so that spreading the map into a larger one keeps its aliases
  Object.defineProperty(result, ACTION_ALIASES, { value: marked, enumerable: true });
  return result as never;
}

const SPECTOR_BASE_ACTIONS: Readonly<Record<string, number>> = BASE_ACTIONS;
