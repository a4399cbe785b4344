/**
 * Reads a drizzle-kit migrations folder to learn which link tables already have the same-parent rule,
 * and which link tables lost their table but kept their functions.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MARKER } from "../sql/trigger-sql.js";
import { GenerateError } from "./errors.js";

/** One entry of drizzle-kit's `meta/_journal.json`. */
export interface JournalEntry {
  readonly idx: number;
  readonly tag: string;
  readonly when: number;
}

/** The entries of `<out>/meta/_journal.json`, none when there is no journal yet. */
export function readJournal(out: string): JournalEntry[] {
  const file = join(out, "meta", "_journal.json");
  if (!existsSync(file)) return [];
  try {
    const journal = JSON.parse(readFileSync(file, "utf8")) as { entries?: JournalEntry[] };
    return journal.entries ?? [];
  } catch (error) {
    throw new GenerateError(`cannot read drizzle-kit's journal ${file}: ${(error as Error).message}`);
  }
}

/**
 * Where each link table's rule stands after the migrations: `active` (functions and triggers exist) or
 * `orphaned` (the table was dropped, taking its triggers, but the functions remain), with the
 * fingerprint of the SQL that installed it. Keys are `schema.table`.
 */
export type RuleState = Map<string, { status: "active" | "orphaned"; fingerprint: string | undefined }>;

const EVENTS = new RegExp(
  [
    `${escape(MARKER.create)} (\\S+)(?: ([0-9a-f]+))?`,
    `${escape(MARKER.drop)} (\\S+)`,
    `DROP TABLE (?:IF EXISTS )?(?:"((?:[^"]|"")+)"\\.)?"((?:[^"]|"")+)"`,
  ].join("|"),
  "g",
);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Replays every migration of the journal, in order, and returns where each rule stands. */
export function readRuleState(out: string): RuleState {
  const state: RuleState = new Map();
  for (const entry of readJournal(out)) {
    const file = join(out, `${entry.tag}.sql`);
    if (!existsSync(file)) continue;
    for (const match of readFileSync(file, "utf8").matchAll(EVENTS)) {
      const [, created, fingerprint, dropped, schema, table] = match;
      if (created) state.set(created, { status: "active", fingerprint });
      else if (dropped) state.delete(dropped);
      else if (table) {
        const key = `${(schema ?? "public").replaceAll('""', '"')}.${table.replaceAll('""', '"')}`;
        const rule = state.get(key);
        if (rule) state.set(key, { ...rule, status: "orphaned" });
      }
    }
  }
  return state;
}
