/**
 * The hash vectors of `../shared/spector-hash-vectors.json` (30 events hashed by Elixir), copied into
 * `test/fixtures/spector-hash-vectors.json`, with each `payloadSent` also as the exact JSON text of the
 * file: parsed by JavaScript, `1.0` would become `1` and a 30-digit integer would lose digits.
 */
import { readFileSync } from "node:fs";

export interface Vector {
  readonly schemaText: string;
  readonly actionText: string;
  readonly payloadSent: unknown;
  /** `payloadSent` as written in the file. */
  readonly sentText: string;
  readonly payloadStored: string;
  readonly encoded: string;
  readonly hash: string;
}

const FILE = new URL("../fixtures/spector-hash-vectors.json", import.meta.url);

/** The vectors, in chain order. */
export function readVectors(): Vector[] {
  const text = readFileSync(FILE, "utf8");
  const parsed = JSON.parse(text) as { events: Omit<Vector, "sentText">[] };
  const sent = [...text.matchAll(/"payloadSent": /g)].map((m) => jsonValueAt(text, m.index + m[0].length));
  if (sent.length !== parsed.events.length) throw new Error("every vector has one payloadSent");
  return parsed.events.map((event, i) => ({ ...event, sentText: sent[i]! }));
}

/** The text of the JSON value that starts at `start` in `text`. */
function jsonValueAt(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      if (!inString && depth === 0) return text.slice(start, i + 1);
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    } else if (depth === 0 && (c === "," || c === "\n")) return text.slice(start, i).trim();
  }
  throw new Error(`no JSON value at ${start}`);
}
