/**
 * Named schemas and actions, and declared payload types.
 *
 * In the database `schema` and `action` stay `integer` (Spector's DDL). When the options give a
 * `schemas` or `actions` map, the column becomes a Drizzle custom column of the same SQL type whose
 * TypeScript values are the names: it writes a name as its integer and reads an integer back as its
 * name. An integer that is not in the map (written by another service) is never passed off as a
 * name: reading it throws `SpectorUnknownCodeError`, and `rawCodes` reads the integers.
 *
 * @module
 */
import { customType, integer } from "drizzle-orm/pg-core";
import { checkInt4 } from "../checks.js";
import { SpectorOptionError, SpectorUnknownCodeError } from "../errors.js";

/**
 * Spector's base actions, which every `actions` map extends (`savepoint` since Spector 0.6).
 *
 * @example
 * ```ts
 * BASE_ACTIONS.insert; // 1
 * ```
 */
export const BASE_ACTIONS = { insert: 1, update: 2, delete: 3, savepoint: 4 } as const;

/**
 * On a map made by `spectorActions`, under this symbol key (which `Object.entries` never lists and a
 * spread keeps): its aliases, each with the action it stands for.
 * An alias shares its target's integer; reading that integer gives the target's name.
 */
export const ACTION_ALIASES = Symbol.for("drizzle-spector.actionAliases");

/** The names of Spector's base actions. */
export type BaseAction = keyof typeof BASE_ACTIONS;

/** Spector's base actions by integer. */
const BASE_ACTION_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(BASE_ACTIONS).map(([name, code]) => [code, name]),
);

/**
 * Each `action` integer's name as Spector hashes it: the table's `actions` map (an alias reads as its
 * target), or Spector's base actions when the table has none.
 *
 * @example
 * ```ts
 * actionNames(undefined).get(4); // "savepoint"
 * ```
 */
export function actionNames(actions: CodeMap | undefined): ReadonlyMap<number, string> {
  return actions ? actions.byCode : BASE_ACTION_NAMES;
}

/** A checked map from names to integers, both ways. */
export interface CodeMap {
  readonly byName: ReadonlyMap<string, number>;
  readonly byCode: ReadonlyMap<number, string>;
}

/**
 * Returns the integer of `value`, one of the names of `map` (the `schemas` or `actions` option of
 * `table`), or throws a {@link SpectorOptionError} naming `option` and listing the names.
 */
export function checkCodeName(option: string, value: unknown, map: CodeMap, mapOption: string, table: string): number {
  const code = typeof value === "string" ? map.byName.get(value) : undefined;
  if (code === undefined) {
    throw new SpectorOptionError(
      option,
      value,
      `one of the names of \`${mapOption}\` of table ${table}: ${[...map.byName.keys()].map((n) => JSON.stringify(n)).join(", ")}`,
    );
  }
  return code;
}

/**
 * Checks a `schemas` or `actions` option: an object of names to distinct `integer` values. `base`
 * entries (Spector's actions) come first; a name or value of the user's that clashes with them is
 * refused.
 */
export function checkCodeMap(
  option: string,
  value: unknown,
  base: Readonly<Record<string, number>> = {},
): CodeMap | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== "object" ||
    value === null ||
    Array.isArray(value) ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    throw new SpectorOptionError(option, value, "a plain object of names to integers, e.g. `{ user: 0, post: 1 }`");
  }
  const aliases = (value as { [ACTION_ALIASES]?: ReadonlyMap<string, string> })[ACTION_ALIASES];
  const byName = new Map<string, number>(Object.entries(base));
  const byCode = new Map<number, string>(Object.entries(base).map(([name, code]) => [code, name]));
  for (const [name, code] of Object.entries(value)) {
    const path = `${option}.${name}`;
    if (name === "") throw new SpectorOptionError(option, value, "an object whose names are not empty");
    checkInt4(path, code, "an integer that fits PostgreSQL's `integer` (the column's type)");
    if (Object.hasOwn(base, name)) {
      if (base[name] === code) continue;
      throw new SpectorOptionError(
        path,
        code,
        `left out or ${base[name]}: \`${name}\` is one of Spector's base actions (insert = 1, update = 2, delete = 3, savepoint = 4)`,
      );
    }
    const other = byCode.get(code);
    if (other !== undefined && aliases?.get(name) === other) {
      byName.set(name, code); // an alias: writes its target's integer, which reads back as the target
      continue;
    }
    if (other !== undefined && aliases?.get(other) === name) {
      byName.set(name, code); // the target of an alias met first
      byCode.set(code, name);
      continue;
    }
    if (other !== undefined) {
      throw new SpectorOptionError(
        path,
        code,
        `an integer no other name has, but ${code} is already \`${other}\`${Object.hasOwn(base, other) ? " (one of Spector's base actions)" : ""}`,
      );
    }
    byName.set(name, code);
    byCode.set(code, name);
  }
  return { byName, byCode };
}

/**
 * An integer column whose TypeScript values are the names of `map`. Writing a name that is not in the
 * map throws a {@link SpectorOptionError} while the query is built (before any SQL runs); reading an
 * integer that is not in it throws a `SpectorUnknownCodeError`.
 */
export function namedCodeColumn<const N extends string, V extends string>(
  name: N,
  table: string,
  option: string,
  map: CodeMap,
) {
  return customType<{ data: V; driverData: number }>({
    dataType: () => "integer",
    toDriver: (value) => checkCodeName(name, value, map, option, table),
    fromDriver(value) {
      const found = map.byCode.get(Number(value));
      if (found === undefined) throw new SpectorUnknownCodeError(table, name, value, map.byName);
      return found as V;
    },
  })(name).notNull();
}

/** A plain `integer` column, for tables without a map. */
export function plainCodeColumn<const N extends string>(name: N) {
  return integer(name).notNull();
}

/** The builder of a `schema` or `action` column: named when `V` is a union of names, plain otherwise. */
export type CodeColumn<N extends string, V extends string | number> = [V] extends [string]
  ? ReturnType<typeof namedCodeColumn<N, V>>
  : ReturnType<typeof plainCodeColumn<N>>;

declare const payloadTypeBrand: unique symbol;
declare const byActionBrand: unique symbol;

/**
 * In a `payloads` type, the payload types of one schema per action: `ByAction<{ insert: Order; ship:
 * { tracking: string } }>`. Rows of the schema then narrow their `payload` on `action` too; an action
 * the map leaves out has an `unknown` payload. It exists only for the type checker.
 *
 * @example
 * ```ts
 * payloads: payloadType<{ user: User; order: ByAction<{ insert: Order; update: Partial<Order>; ship: { tracking: string } }> }>(),
 * ```
 */
export interface ByAction<M extends object> {
  readonly [byActionBrand]: M;
}

/**
 * The payload type of schema `S` (and action `A`) in a `payloads` map `P`: `unknown` for a name the
 * map leaves out; for a schema typed {@link ByAction}, the type of action `A`, or of any of its actions
 * when `A` is left out.
 *
 * @example
 * ```ts
 * type U = PayloadFor<{ user: { name: string } }, "user">; // { name: string }
 * type S = PayloadFor<{ order: ByAction<{ ship: { tracking: string } }> }, "order", "ship">; // { tracking: string }
 * ```
 */
export type PayloadFor<P, S, A = never> = S extends keyof P
  ? P[S] extends ByAction<infer M>
    ? [A] extends [never]
      ? M[keyof M]
      : A extends keyof M
        ? M[A]
        : unknown
    : P[S]
  : unknown;

/**
 * A declared payload type (built by {@link payloadType}); it exists only for the type checker.
 */
export interface PayloadType<T> {
  readonly [payloadTypeBrand]?: T;
  readonly "drizzle-spector.payloadType": true;
}

/**
 * Declares the type of `payload` in the options of `spectorTables` / `eventTable`: with `payload`,
 * one type for every event of the table; with `payloads`, one type per schema name, so that narrowing
 * a row on `schema` narrows its `payload`. Nothing is checked at run time: the database stores any
 * JSON.
 *
 * @example
 * ```ts
 * export const { events } = spectorTables({
 *   table: "events",
 *   schemas: { user: 0, post: 1 },
 *   payloads: payloadType<{ user: { name: string }; post: { title: string } }>(),
 * });
 * ```
 */
export function payloadType<T>(): PayloadType<T> {
  return PAYLOAD_TYPE as PayloadType<T>;
}

const PAYLOAD_TYPE = Object.freeze({ "drizzle-spector.payloadType": true as const });

/** Checks a `payload` / `payloads` option: left out, or made by {@link payloadType}. */
export function checkPayloadType(option: string, value: unknown): void {
  if (value !== undefined && value !== PAYLOAD_TYPE) {
    throw new SpectorOptionError(option, value, "left out, or `payloadType<YourType>()`");
  }
}
