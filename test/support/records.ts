/** Small helpers to write events and read PostgreSQL errors in tests. */
import { v7 as uuidv7 } from "uuid";
import { expect } from "vitest";

/** The PostgreSQL error behind a Drizzle error (drizzle-orm wraps driver errors in `cause`). */
export function pgError(error: unknown): { code?: string; message: string } {
  let current = error as { cause?: unknown; code?: string; message: string };
  while (current && current.code === undefined && current.cause) current = current.cause as typeof current;
  return current;
}

/** Awaits `promise`, expects it to fail with `code`, and returns the PostgreSQL error. */
export async function expectPgError(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code?: string; message: string }> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected the statement to fail with SQLSTATE ${code}`).toBeDefined();
  const error = pgError(caught);
  expect(error.code, error.message).toBe(code);
  return error;
}

/** A record: a root event id and `n` more event ids under it, all UUIDv7. */
export function record(n: number): { root: string; children: string[] } {
  return { root: uuidv7(), children: Array.from({ length: n }, () => uuidv7()) };
}
