/** Ids of records to write in tests. */
import { v7 as uuidv7 } from "uuid";

/** A record: a root event id and `n` more event ids under it, all UUIDv7. */
export function record(n: number): { root: string; children: string[] } {
  return { root: uuidv7(), children: Array.from({ length: n }, () => uuidv7()) };
}
