/**
 * Reading a drizzle-kit migrations folder: its journal (checked before drizzle-kit runs, so that a
 * folder drizzle-kit or `migrate()` would trip over is refused with the file named), its newest
 * snapshot, and, from the markers drizzle-spector writes, where each rule stands after the migrations.
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

/**
 * The path of the journal of the migrations folder `out`.
 *
 * @example
 * ```ts
 * journalFile("migrations"); // "migrations/meta/_journal.json"
 * ```
 */
export function journalFile(out: string): string {
  return join(out, "meta", "_journal.json");
}

/**
 * The entries of `<out>/meta/_journal.json`, none when there is no journal yet. The journal must have
 * the shape drizzle-kit writes (an object with an `entries` array; each entry an `idx`, a `tag` that
 * is a file name and a `when`), with no two entries numbered alike: otherwise drizzle-kit and
 * `migrate()` would misread it, so it is refused, naming the file.
 *
 * @example
 * ```ts
 * readJournal("migrations").map((entry) => entry.tag); // ["0000_tables", "0001_spector_triggers"]
 * ```
 * @throws {GenerateError} when the journal is not JSON or not of drizzle-kit's shape.
 */
export function readJournal(out: string): JournalEntry[] {
  const file = journalFile(out);
  if (!existsSync(file)) {
    // drizzle-kit writes a journal only when it creates the meta folder, and fails on one without it
    if (existsSync(join(out, "meta"))) {
      throw new GenerateError(`${join(out, "meta")} has no _journal.json: restore it, or remove the meta folder`);
    }
    return [];
  }
  let journal: unknown;
  try {
    journal = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new GenerateError(`cannot read drizzle-kit's journal ${file}: ${(error as Error).message}`);
  }
  const entries = (journal as { entries?: unknown } | null)?.entries;
  if (typeof journal !== "object" || journal === null || !Array.isArray(entries)) {
    throw new GenerateError(
      `${file}: expected drizzle-kit's journal, an object with an \`entries\` array, got ${preview(journal)}`,
    );
  }
  return checkEntries(file, entries);
}

function checkEntries(file: string, entries: readonly unknown[]): JournalEntry[] {
  const seenIdx = new Set<number>();
  const seenTags = new Set<string>();
  return entries.map((entry, i) => {
    const at = `${file}: entries[${i}]`;
    if (typeof entry !== "object" || entry === null)
      throw new GenerateError(`${at}: expected an object, got ${preview(entry)}`);
    const { idx, tag, when } = entry as Record<string, unknown>;
    if (typeof tag !== "string" || !isFileName(tag)) {
      throw new GenerateError(`${at}.tag: expected the migration's file name without .sql, got ${preview(tag)}`);
    }
    if (typeof idx !== "number" || !Number.isInteger(idx) || idx < 0) {
      throw new GenerateError(`${at}.idx (${tag}): expected a whole number, got ${preview(idx)}`);
    }
    if (typeof when !== "number") {
      throw new GenerateError(`${at}.when (${tag}): expected a time in milliseconds, got ${preview(when)}`);
    }
    if (seenIdx.has(idx) || seenTags.has(tag)) {
      throw new GenerateError(`${at} (${tag}): another entry has the same idx ${idx} or tag: remove one of the two`);
    }
    seenIdx.add(idx);
    seenTags.add(tag);
    return { idx, tag, when };
  });
}

/** A tag names a file of the folder itself: not empty, no path separator, not `.` or `..`. */
function isFileName(tag: string): boolean {
  return tag.length > 0 && !/[/\\\0]/.test(tag) && tag !== "." && tag !== "..";
}

/** A short JSON rendering of a value for a message. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return `\`${text.length > 80 ? `${text.slice(0, 77)}...` : text}\``;
}

/**
 * Refuses a journal entry whose `.sql` file is missing: `migrate()` would fail on it, and the rules'
 * state could not be read.
 *
 * @example
 * ```ts
 * checkMigrationFiles("migrations", readJournal("migrations")); // throws if 0001_x.sql is gone
 * ```
 * @throws {GenerateError} naming the journal and the missing file.
 */
export function checkMigrationFiles(out: string, journal: readonly JournalEntry[]): void {
  const missing = journal.find((entry) => !existsSync(migrationFile(out, entry.tag)));
  if (missing) {
    throw new GenerateError(
      `${journalFile(out)} lists the migration ${missing.tag}, but ${migrationFile(out, missing.tag)} does not ` +
        "exist: restore the file, or remove its entry (and its snapshot) from the journal",
    );
  }
}

/**
 * The `.sql` file of the migration `tag`.
 *
 * @example
 * ```ts
 * migrationFile("migrations", "0001_spector_triggers"); // "migrations/0001_spector_triggers.sql"
 * ```
 */
export function migrationFile(out: string, tag: string): string {
  return join(out, `${tag}.sql`);
}

/**
 * The snapshot drizzle-kit wrote with the migration `tag`: drizzle-kit names a snapshot after its
 * migration's prefix (an index, a timestamp, ...).
 *
 * @example
 * ```ts
 * snapshotFile("migrations", "0003_spector_triggers"); // "migrations/meta/0003_snapshot.json"
 * ```
 */
export function snapshotFile(out: string, tag: string): string {
  return join(out, "meta", `${tag.split("_")[0]}_snapshot.json`);
}

/**
 * `schema.table` of every table in the snapshot of the journal's last migration.
 *
 * @example
 * ```ts
 * snapshotTables("migrations", readJournal("migrations")); // Set { "public.events", "public.event_ancestors" }
 * ```
 * @throws {GenerateError} when the snapshot is missing or not JSON.
 */
export function snapshotTables(out: string, journal: readonly JournalEntry[]): Set<string> {
  const last = journal.at(-1);
  if (!last) return new Set();
  const file = snapshotFile(out, last.tag);
  if (!existsSync(file)) throw new GenerateError(`drizzle-kit's snapshot ${file} is missing`);
  let snapshot: { tables?: Record<string, unknown> };
  try {
    snapshot = JSON.parse(readFileSync(file, "utf8")) as typeof snapshot;
  } catch (error) {
    throw new GenerateError(`cannot read drizzle-kit's snapshot ${file}: ${(error as Error).message}`);
  }
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
  /**
   * The tag of the migration that drops the table's PostgreSQL schema, when one does. Its `DROP
   * SCHEMA` fails while the rule's functions are in the schema, so their drops must go before it.
   */
  readonly schemaDroppedIn?: string;
}

/** Every rule the migrations leave installed, keyed by `ruleKey`. */
export type RuleState = ReadonlyMap<string, RuleRecord>;

/** A quoted SQL identifier, its text in a group named `group`. */
const quoted = (group: string) => `"(?<${group}>(?:[^"]|"")+)"`;

const EVENTS = new RegExp(
  [
    `${escape(MARKER.create("(?<createdKind>\\S+)"))} (?<created>\\S+)(?: (?<fingerprint>[0-9a-f]+))?`,
    `${escape(MARKER.drop("(?<droppedKind>\\S+)"))} (?<dropped>\\S+)`,
    `DROP TABLE (?:IF EXISTS )?(?:${quoted("tableSchema")}\\.)?${quoted("table")}`,
    `DROP SCHEMA (?:IF EXISTS )?${quoted("schema")}`,
  ].join("|"),
  "g",
);

/** Escapes the text around the `(?<name>\S+)` groups of a marker for a regular expression. */
function escape(text: string): string {
  return text
    .split(/(\(\?<\w+>\\S\+\))/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
}

const unquote = (name: string) => name.replaceAll('""', '"');

/**
 * Replays every migration of the journal, in order, and returns where each rule stands.
 *
 * @example
 * ```ts
 * readRuleState("migrations").get("same-parent public.event_ancestors")?.status; // "active"
 * ```
 * @throws {GenerateError} when the journal is unreadable (see {@link readJournal}).
 */
export function readRuleState(out: string): RuleState {
  const state = new Map<string, RuleRecord>();
  for (const entry of readJournal(out)) {
    const file = migrationFile(out, entry.tag);
    if (!existsSync(file)) continue; // refused by checkMigrationFiles before anything is planned
    for (const { groups } of readFileSync(file, "utf8").matchAll(EVENTS)) {
      const { createdKind, created, fingerprint, droppedKind, dropped, tableSchema, table, schema } = groups!;
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
        const key = `${unquote(tableSchema ?? "public")}.${unquote(table)}`;
        for (const [at, rule] of state) if (rule.table === key) state.set(at, { ...rule, status: "orphaned" });
      } else if (schema) {
        for (const [at, rule] of state) {
          const ruleSchema = rule.table.slice(0, rule.table.indexOf("."));
          if (ruleSchema === unquote(schema) && rule.schemaDroppedIn === undefined) {
            state.set(at, { ...rule, status: "orphaned", schemaDroppedIn: entry.tag });
          }
        }
      }
    }
  }
  return state;
}
