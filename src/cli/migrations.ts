/**
 * Reading a drizzle-kit migrations folder: its journal, its newest snapshot, and, from the markers
 * drizzle-spector writes, where each rule stands after the migrations.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GenerateError } from "../errors.js";
import { MARKER, ruleKey } from "../sql/rules.js";

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

/** `schema.table` of every table in the snapshot of the journal's last migration. */
export function snapshotTables(out: string, journal: readonly JournalEntry[]): Set<string> {
  const last = journal.at(-1);
  if (!last) return new Set();
  // drizzle-kit names a snapshot after its migration's prefix (an index, a timestamp, ...)
  const file = join(out, "meta", `${last.tag.split("_")[0]}_snapshot.json`);
  if (!existsSync(file)) throw new GenerateError(`drizzle-kit's snapshot ${file} is missing`);
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as { tables?: Record<string, unknown> };
  return new Set(Object.keys(snapshot.tables ?? {}));
}

/** Where one rule on one table stands after the migrations. */
export interface RuleRecord {
  /** The rule's kind, as in its markers: `same-parent`. */
  readonly kind: string;
  /** `schema.table` of the table. */
  readonly table: string;
  /**
   * `active`: its functions and triggers exist; `orphaned`: the table was dropped, taking its
   * triggers, but the functions remain.
   */
  readonly status: "active" | "orphaned";
  /** The fingerprint of the SQL that installed it (none in markers of the first versions). */
  readonly fingerprint: string | undefined;
}

/** Every rule the migrations leave installed, keyed by `ruleKey`. */
export type RuleState = ReadonlyMap<string, RuleRecord>;

const EVENTS = new RegExp(
  [
    `${escape(MARKER.create("(\\S+)"))} (\\S+)(?: ([0-9a-f]+))?`,
    `${escape(MARKER.drop("(\\S+)"))} (\\S+)`,
    `DROP TABLE (?:IF EXISTS )?(?:"((?:[^"]|"")+)"\\.)?"((?:[^"]|"")+)"`,
  ].join("|"),
  "g",
);

/** Escapes the text around the `(\S+)` groups of a marker for a regular expression. */
function escape(text: string): string {
  return text
    .split("(\\S+)")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("(\\S+)");
}

/** Replays every migration of the journal, in order, and returns where each rule stands. */
export function readRuleState(out: string): RuleState {
  const state = new Map<string, RuleRecord>();
  for (const entry of readJournal(out)) {
    const file = join(out, `${entry.tag}.sql`);
    if (!existsSync(file)) continue;
    for (const match of readFileSync(file, "utf8").matchAll(EVENTS)) {
      const [, createdKind, created, fingerprint, droppedKind, dropped, schema, table] = match;
      if (created) {
        state.set(ruleKey(createdKind!, created), {
          kind: createdKind!,
          table: created,
          status: "active",
          fingerprint,
        });
      } else if (dropped) {
        state.delete(ruleKey(droppedKind!, dropped));
      } else if (table) {
        const key = `${(schema ?? "public").replaceAll('""', '"')}.${table.replaceAll('""', '"')}`;
        for (const [at, rule] of state) if (rule.table === key) state.set(at, { ...rule, status: "orphaned" });
      }
    }
  }
  return state;
}
