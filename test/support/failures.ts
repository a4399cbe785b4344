/**
 * The one way the tests expect a failure: run something, require that it throws (or rejects), and check
 * what it threw against an {@link ExpectedFailure}.
 */
import { expect } from "vitest";
import { SpectorOptionError } from "../../src/index.js";
import type { TestDatabase } from "./backends.js";

/** What a failure must be; each property given is checked. */
export interface ExpectedFailure {
  /** A `SpectorOptionError` (a `TypeError`) for this path, whose message quotes the path. */
  readonly option?: string;
  /** The SQLSTATE of the PostgreSQL error, found through Drizzle's `cause` chain. */
  readonly sqlstate?: string;
  /** The class of the error thrown. */
  readonly instanceOf?: abstract new (...args: never[]) => unknown;
  /** Texts its message (the PostgreSQL error's, with `sqlstate`) must contain. */
  readonly mentions?: readonly string[];
}

/** An error as the tests read it. */
export type Failure = Error & { code?: string };

/** The PostgreSQL error behind a Drizzle error (drizzle-orm wraps driver errors in `cause`). */
export function pgError(error: unknown): Failure {
  let current = error as Failure & { cause?: unknown };
  while (current && current.code === undefined && current.cause) current = current.cause as typeof current;
  return current;
}

function check(caught: unknown, expected: ExpectedFailure, what: string | undefined): Failure {
  expect(caught, `${what ?? "the call"} must fail`).toBeDefined();
  if (expected.instanceOf) expect(caught, what).toBeInstanceOf(expected.instanceOf);
  let error = caught as Failure;
  if (expected.option !== undefined) {
    expect(caught, what).toBeInstanceOf(TypeError);
    expect(caught, what).toBeInstanceOf(SpectorOptionError);
    expect((caught as SpectorOptionError).option, what).toBe(expected.option);
    expect(error.message, what).toContain(`\`${expected.option}\``);
  }
  if (expected.sqlstate !== undefined) {
    error = pgError(caught);
    expect(error.code, `${what ?? ""} ${error.message}`).toBe(expected.sqlstate);
  }
  for (const mention of expected.mentions ?? []) expect(error.message, what).toContain(mention);
  return error;
}

/**
 * Calls `run`, expects it to throw what `expected` describes, and returns the error.
 *
 * @example
 * ```ts
 * expectThrows(() => spectorTables({ table: "Events" }), { option: "table", mentions: ['"Events"'] });
 * ```
 */
export function expectThrows(run: () => unknown, expected: ExpectedFailure, what?: string): Failure {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  return check(caught, expected, what);
}

/**
 * Awaits `run`, expects it to reject with what `expected` describes, and returns the error: with
 * `sqlstate`, the PostgreSQL error itself.
 *
 * @example
 * ```ts
 * const error = await expectRejects(t.db.insert(event_ancestors).values(crossRecord), { sqlstate: "23514" });
 * ```
 */
export async function expectRejects(
  run: Promise<unknown> | (() => Promise<unknown>),
  expected: ExpectedFailure,
  what?: string,
): Promise<Failure> {
  let caught: unknown;
  try {
    await (typeof run === "function" ? run() : run);
  } catch (error) {
    caught = error;
  }
  return check(caught, expected, what);
}

/**
 * Runs `run` on a database that logs what it sends, expects it to reject with what `expected`
 * describes, and expects that no query was sent.
 */
export async function expectRefusedBeforeSql(
  t: TestDatabase,
  run: (db: TestDatabase["db"]) => Promise<unknown>,
  expected: ExpectedFailure,
  what?: string,
): Promise<Failure> {
  const sent: string[] = [];
  const error = await expectRejects(() => run(t.logged(sent)), expected, what);
  expect(sent, `${what ?? "the call"} must send no SQL`).toEqual([]);
  return error;
}
