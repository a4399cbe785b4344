/**
 * An event as the append helpers take it, checked before any SQL runs: its schema and action (names
 * or integers), its payload's JSON text, and its record; and how the payload is sent.
 *
 * @module
 */
import { sql, type SQL } from "drizzle-orm";
import { at, checkInt4, checkObject, checkPayload, checkUuid } from "../checks.js";
import { shortenQueryError } from "../display.js";
import { SpectorOptionError } from "../errors.js";
import { displayName } from "../naming/index.js";
import { SpectorEncodingError, spectorJson } from "../spector/json.js";
import { checkCodeName, type CodeMap } from "../tables/codes.js";
import type { EventTableMeta } from "../tables/meta.js";
import { jsonTextOf } from "./json-text.js";

/** Runs an insert, whose parameters hold the payload: should it fail, its error shows them in part. */
export async function sending<R>(insert: PromiseLike<R>): Promise<R> {
  try {
    return await insert;
  } catch (error) {
    throw shortenQueryError(error);
  }
}

export interface CheckedEvent {
  readonly schema: unknown;
  readonly action: unknown;
  /** The payload's JSON text as sent, or `null` for SQL `NULL`. */
  readonly payload: string | null;
  readonly parentId: string | undefined;
}

/** The keys of `appendEvent`'s event. */
export const EVENT_KEYS = ["schema", "action", "payload", "parentId", "expected"] as const;

/** The keys of each event of `appendEvents` (its record is the call's `parentId`). */
export const EVENTS_ITEM_KEYS = ["schema", "action", "payload"] as const;

/**
 * Checks an event given at `path` (`event`, `events[2]`) on a table of `meta`, with the keys it may
 * have, and returns it with its payload's JSON text.
 */
export function checkNewEvent(
  event: unknown,
  meta: EventTableMeta,
  path = "event",
  keys: readonly string[] = EVENT_KEYS,
): CheckedEvent {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    const shape = keys.includes("parentId")
      ? "`{ schema, action, payload, parentId? }`"
      : "`{ schema, action, payload }`";
    throw new SpectorOptionError(path, event, `an object ${shape}`);
  }
  if (meta.hashed && "hash" in event) {
    throw new SpectorOptionError(
      at(path, "hash"),
      (event as { hash: unknown }).hash,
      meta.recordChain
        ? "left out: on a record-chained table the database computes every hash, and never stores one it is given"
        : "left out: on a hashed table `appendEvent` computes Spector's hash itself, and never stores one it is given",
    );
  }
  const { schema, action, payload, parentId } = checkObject(path, event, keys, "key");
  const table = displayName(meta);
  checkCode(at(path, "schema"), schema, meta.schemas, "schemas", table);
  checkCode(at(path, "action"), action, meta.actions, "actions", table);
  if (!("payload" in event)) {
    throw new SpectorOptionError(at(path, "payload"), undefined, "the event's payload (a JSON value, or `null`)");
  }
  return {
    schema,
    action,
    payload: payload === null ? null : payloadText(at(path, "payload"), payload),
    parentId: parentId === undefined ? undefined : checkUuid(at(path, "parentId"), parentId),
  };
}

/** The JSON text of a payload: a {@link jsonText} as written (checked), any other value written here. */
function payloadText(path: string, payload: unknown): string {
  const written = jsonTextOf(payload);
  if (written === undefined) return checkPayload(path, payload);
  try {
    spectorJson(written);
  } catch (error) {
    if (!(error instanceof SpectorEncodingError)) throw error;
    throw new SpectorOptionError(path, written, `JSON text (${error.message})`);
  }
  return written;
}

/**
 * A JSON text as a `jsonb` value. It goes through `text`: given as a parameter cast straight to `jsonb`,
 * a driver that serializes `jsonb` parameters itself (postgres.js does, unless Drizzle set it up) would
 * write the text again, as a JSON string.
 */
export function jsonb(text: string): SQL {
  return sql`${text}::pg_catalog.text::pg_catalog.jsonb`;
}

/** Checks a `schema` or `action` value: one of the map's names, or an integer without a map. */
function checkCode(path: string, value: unknown, map: CodeMap | undefined, mapOption: string, table: string): void {
  if (map === undefined) {
    checkInt4(path, value, `an integer that fits PostgreSQL's \`integer\` (declare \`${mapOption}\` to use names)`);
  } else {
    checkCodeName(path, value, map, mapOption, table);
  }
}
